/**
 * What the real-guest API tests share: the checks that say why libvirt can't
 * run here, a cloud of their own (a swiftly cluster, the image API over it,
 * compute with the libvirt driver) in a temp dir, the test guest uploaded as
 * kernel + ramdisk + disk images, the wait for its console report through
 * `os-getConsoleOutput`, and the teardown that deletes every server left
 * (libvirt keeps domains past compute's stop).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../../common/index.js';
import { computeConfig, startComputeServices, type ComputeConfig, type ComputeRole, type ComputeServices } from '../../../compute/index.js';
import { GlanceImageService, startImageService, type ImageServiceHandle } from '../../../compute/image/index.js';
import { novaClient } from '../compute-cloud.js';
import { login, startSwiftlyCluster, type SwiftlyCluster } from '../../integration/helpers/swiftly-cluster.js';
import { guestReport } from './guest-report.js';
import type { TestGuest } from './build-guest.js';

/** Why a libvirt guest can't boot here (a tool missing, libvirtd down), or undefined. */
export function libvirtMissing(tools: string[] = []): string | undefined {
  for (const cmd of ['virsh', 'qemu-img', 'qemu-system-x86_64', ...tools]) {
    try {
      execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    } catch {
      return `${cmd} not installed`;
    }
  }
  if (!['/run/libvirt/libvirt-sock', '/var/run/libvirt/libvirt-sock'].some((p) => existsSync(p))) return 'libvirtd is not running (no /run/libvirt/libvirt-sock)';
  return undefined;
}

export type Nova = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

export interface GuestCloud {
  cluster: SwiftlyCluster;
  images: ImageServiceHandle;
  compute: ComputeServices;
  /** test:tester's token and project. */
  user: { token: string; project: string };
  /** The image API as test:tester. */
  client: GlanceImageService;
  /** The compute API as test:tester. */
  nova: Nova;
  /** The test guest as three images (kernel aki, ramdisk ari, a 1 MiB raw disk booting them, starting with `diskData` if given); returns their ids, the disk's first. */
  uploadGuest(guest: TestGuest, diskData?: string): Promise<{ diskId: string; kernelId: string; ramdiskId: string }>;
  /** Delete every server left, wait for them to go, stop everything. */
  stop(): Promise<void>;
}

export interface GuestCloudOptions {
  /** The compute host's name. */
  host: string;
  /** `[network]` options over the defaults (networks_path is `<tmp>/networks`). */
  network?: Partial<ComputeConfig['network']>;
  enabledApis?: string[];
  /** `[volume]` options (volumes under `<tmp>/volumes`); the defaults' otherwise. */
  volume?: Partial<ComputeConfig['volume']>;
  /** `[backup]` options over the defaults (backups go to the cloud's own cluster). */
  backup?: Partial<ComputeConfig['backup']>;
  /** The compute services this host runs (all four by default). */
  run?: readonly ComputeRole[];
}

/** A cloud for real guests in `tmp`: compute with libvirt on qemu:///system (TCG), instances under `<tmp>/instances`. */
export async function startGuestCloud(tmp: string, o: GuestCloudOptions): Promise<GuestCloud> {
  const cluster = await startSwiftlyCluster();
  const auth = { strategy: 'tempauth' as const, proxyUrl: cluster.proxyUrl, adminProjects: ['admin'], resellerPrefix: 'AUTH' };
  let images: ImageServiceHandle | undefined;
  let compute: ComputeServices | undefined;
  try {
    images = await startImageService({
      config: {
        bindHost: '127.0.0.1', bindPort: 0, dbPath: join(tmp, 'images.sqlite'), computeDbPath: join(tmp, 'compute.sqlite'), auth,
        store: { authUrl: cluster.authUrl, user: 'admin:admin', key: 'admin', container: 'glance', largeObjectSize: 64 * 1024 * 1024, largeObjectChunkSize: 200 << 20 },
      },
      logger: silentLogger,
    });
    const defaults = computeConfig();
    compute = await startComputeServices({
      config: {
        dbPath: join(tmp, 'compute.sqlite'), apiListen: '127.0.0.1', apiPort: 0, periodicIntervalMs: 60_000, host: o.host, computeDriver: 'libvirt', auth,
        enabledApis: o.enabledApis ?? defaults.enabledApis,
        glance: { apiServer: images.url, authUrl: cluster.authUrl, user: 'admin:admin', key: 'admin' },
        libvirt: { ...defaults.libvirt, virtType: 'qemu', connectionUri: 'qemu:///system', instancesPath: join(tmp, 'instances'), shutdownTimeoutMs: 1500 },
        network: { ...defaults.network, networksPath: join(tmp, 'networks'), ...o.network },
        ...(o.volume ? { volume: { ...defaults.volume, volumesDir: join(tmp, 'volumes'), ...o.volume } } : {}),
        // Volume backups go to this cloud's own cluster, as the user who asks.
        backup: { ...defaults.backup, swiftUrl: `${cluster.proxyUrl}/v1/AUTH_`, ...o.backup },
      },
      run: o.run,
      logger: silentLogger,
    });
  } catch (err) {
    await images?.stop();
    await cluster.stop();
    throw err;
  }
  const user = await login(cluster.authUrl, 'test:tester', 'testing');
  const client = new GlanceImageService({ url: images.url, credentials: user });
  const api = compute.apiUrl!;
  const nova: Nova = (method, path, body) => novaClient(api, user.token, user.project).call(method, path, body);
  const upload = async (name: string, path: string, formats: { disk_format: string; container_format: string }, properties: Record<string, string> = {}) => {
    const img = await client.create({ name, ...formats, properties: { architecture: 'x86_64', ...properties } });
    await client.upload(img.id, createReadStream(path), { size: statSync(path).size });
    return img.id;
  };
  const started = { images, compute };
  return {
    cluster, images, compute, user, client, nova,
    async uploadGuest(guest, diskData) {
      const kernelId = await upload('guest-kernel', guest.kernel, { disk_format: 'aki', container_format: 'aki' });
      const ramdiskId = await upload('guest-ramdisk', guest.initrd, { disk_format: 'ari', container_format: 'ari' });
      const disk = join(tmp, 'disk.raw');
      execFileSync('qemu-img', ['create', '-q', '-f', 'raw', disk, '1M']);
      if (diskData !== undefined) writeFileSync(disk, diskData, { flag: 'r+' });
      const diskId = await upload('guest', disk, { disk_format: 'raw', container_format: 'bare' }, {
        kernel_id: kernelId, ramdisk_id: ramdiskId, os_command_line: 'console=ttyS0 quiet',
      });
      return { diskId, kernelId, ramdiskId };
    },
    async stop() {
      // A failed test would leave its guest running: delete every server left before compute stops (libvirt keeps domains).
      for (const srv of ((await nova('GET', '/servers')).body?.servers ?? []) as { id: string }[]) await nova('DELETE', `/servers/${srv.id}`);
      const until = Date.now() + 60_000;
      while (((await nova('GET', '/servers')).body?.servers ?? []).length && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      await started.compute.stop();
      await started.images.stop();
      await cluster.stop();
    },
  };
}

/** Poll `os-getConsoleOutput` until the guest prints `ready` (an ERROR status or `ms` passing throws); the report's lines as key → value. */
export async function waitForGuestReport(nova: Nova, id: string, ms = 180_000): Promise<Map<string, string>> {
  const until = Date.now() + ms;
  for (;;) {
    const s = (await nova('GET', `/servers/${id}`)).body.server;
    if (s?.status === 'ERROR') throw new Error(`boot failed: ${JSON.stringify(s.fault)}`);
    const c = await nova('POST', `/servers/${id}/action`, { 'os-getConsoleOutput': {} });
    if (c.status === 200) {
      const report = guestReport(c.body.output as string);
      if (report.has('ready')) return report;
    }
    if (Date.now() > until) throw new Error(`the guest did not report on its console in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Delete a server and wait until the API no longer knows it. */
export async function deleteServer(nova: Nova, id: string, ms = 60_000): Promise<number> {
  const status = (await nova('DELETE', `/servers/${id}`)).status;
  const until = Date.now() + ms;
  while ((await nova('GET', `/servers/${id}`)).status !== 404) {
    if (Date.now() > until) throw new Error(`server ${id} was not deleted`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return status;
}
