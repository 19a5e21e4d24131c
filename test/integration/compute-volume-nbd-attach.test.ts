/**
 * The attach path across hosts with the fake hypervisor and real qemu-nbd
 * exports on loopback: a server on `cn1` attaching a volume of `vol1`
 * (`[volume] target_ip_address` set) gets an `nbd` disk whose export serves
 * the volume's bytes; a detach stops the export, and so does deleting the
 * server; a server on the volume host itself still gets the file; after
 * the volume host's restart (its qemu-nbd killed) the export runs again on
 * its port.
 * (compute-guest-volume-hosts.test.ts does it with a real guest across
 * network namespaces.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commandMissing } from '../helpers/commands.js';
import type { ComputeConfig, FakeDriver } from '../../compute/index.js';
import { computeConfig } from '../../compute/index.js';
import { NbdExports } from '../../compute/volume/index.js';
import { startTestCloud, novaClient, type TestCloud } from '../helpers/compute-cloud.js';

const exec = promisify(execFile);
const missing = await commandMissing(['qemu-nbd', 'qemu-io', 'qemu-img']);
const skip = missing && !process.env.CI ? missing : false;

let cloud: TestCloud;
let nova: ReturnType<typeof novaClient>;
let cn1: FakeDriver;
let vol1: FakeDriver;
let volumesDir: string;
let imageId: string;
let volumeConfig: ComputeConfig['volume'];

/** A base port whose range is likely free: the kernel's pick of a free one. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

async function cinder(method: string, path: string, body?: unknown) {
  const res = await fetch(`${cloud.url}/v3/demo${path}`, {
    method, headers: { 'x-auth-token': 'demo:demo', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function volumeStatus(id: string, want: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await cinder('GET', `/volumes/${id}`)).body?.volume?.status === want) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`volume ${id} did not become ${want}`);
}

async function boot(name: string): Promise<string> {
  const r = await nova.call('POST', '/servers', { server: { name, imageRef: imageId, flavorRef: '1' } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await nova.waitStatus(r.body.server.id, 'ACTIVE');
  return r.body.server.id as string;
}

const hostOf = async (id: string) =>
  (await novaClient(cloud.url, 'admin:admin', 'admin').call('GET', `/servers/${id}?all_tenants=1`)).body.server['OS-EXT-SRV-ATTR:host'] as string;

/** Reads 4 KiB at 0 over NBD and checks they are all `pattern`. */
const nbdRead = (nbd: { host: string; port: number; name: string }, pattern: number) =>
  exec('qemu-io', ['-r', '-f', 'raw', '-c', `read -P ${pattern} 0 4096`, `nbd://${nbd.host}:${nbd.port}/${nbd.name}`], { timeout: 20_000 });

before(async () => {
  if (skip) return;
  cloud = await startTestCloud();
  volumesDir = join(cloud.dir, 'volumes');
  const first = await freePort();
  volumeConfig = { ...computeConfig().volume, volumesDir, targetIpAddress: '127.0.0.1', nbdPortRange: [first, Math.min(first + 20, 65535)] };
  const volumeHost = await cloud.addCompute('vol1', { volume: volumeConfig }, { run: ['volume', 'compute'] });
  cn1 = cloud.parts[1]!.driver as FakeDriver;
  vol1 = volumeHost.driver as FakeDriver;
  nova = novaClient(cloud.url);
  imageId = (await nova.call('GET', '/images')).body.images[0].id;
});
after(async () => {
  // A failed run may leave exports: qemu-nbd runs on its own, past the volume service.
  const state = join(volumesDir ?? '', 'nbd');
  if (volumesDir && existsSync(state)) {
    const exports = new NbdExports({ bindHost: '127.0.0.1', ports: [1, 1], stateDir: state });
    for (const f of readdirSync(state)) if (/^volume-.+\.json$/.test(f)) await exports.unexport(f.slice('volume-'.length, -'.json'.length));
  }
  await cloud?.close();
});

test('another host\'s server gets the volume as an NBD export serving its bytes; detach and server delete stop it; the volume host\'s own server gets the file; a restarted volume host exports it again', { skip }, async () => {
  const created = await cinder('POST', '/volumes', { volume: { name: 'remote', size: 1 } });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  const vol = created.body.volume.id as string;
  await volumeStatus(vol, 'available');
  execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 0x61 0 4096', join(volumesDir, `volume-${vol}`)], { stdio: 'ignore' });

  // Two hosts of equal RAM: the scheduler puts the second server where the first is not.
  const [s1, s2] = [await boot('one'), await boot('two')];
  const placed = new Map([[await hostOf(s1), s1], [await hostOf(s2), s2]]);
  assert.deepEqual([...placed.keys()].sort(), ['cn1', 'vol1']);
  const server = placed.get('cn1')!;
  const near = placed.get('vol1')!;
  assert.equal((await nova.call('POST', `/servers/${server}/os-volume_attachments`, { volumeAttachment: { volumeId: vol } })).status, 200);
  const [disk] = cn1.volumesOf(server);
  assert.equal(disk?.path, undefined);
  assert.equal(disk?.format, 'raw');
  assert.deepEqual({ ...disk?.nbd, port: undefined }, { host: '127.0.0.1', port: undefined, name: `volume-${vol}` });
  await nbdRead(disk!.nbd!, 0x61);

  assert.equal((await nova.call('DELETE', `/servers/${server}/os-volume_attachments/${vol}`)).status, 202);
  await volumeStatus(vol, 'available');
  await assert.rejects(nbdRead(disk!.nbd!, 0x61), Error, 'the detach stopped the export');

  assert.equal((await nova.call('POST', `/servers/${near}/os-volume_attachments`, { volumeAttachment: { volumeId: vol } })).status, 200);
  const [local] = vol1.volumesOf(near);
  assert.deepEqual([local?.path, local?.format, local?.nbd], [join(volumesDir, `volume-${vol}`), 'raw', undefined]);
  assert.equal((await nova.call('DELETE', `/servers/${near}/os-volume_attachments/${vol}`)).status, 202);
  await volumeStatus(vol, 'available');

  assert.equal((await nova.call('POST', `/servers/${server}/os-volume_attachments`, { volumeAttachment: { volumeId: vol } })).status, 200);
  const [again] = cn1.volumesOf(server);
  await nbdRead(again!.nbd!, 0x61);

  // vol1's machine restarts: qemu-nbd is gone, and the volume service, started again, exports the volume on its old port.
  process.kill(Number(readFileSync(join(volumesDir, 'nbd', `volume-${vol}.pid`), 'utf8')), 'SIGKILL');
  await assert.rejects(nbdRead(again!.nbd!, 0x61), Error, 'the export is down');
  const old = cloud.parts.find((p) => p.config.host === 'vol1')!;
  await old.stop();
  cloud.parts.splice(cloud.parts.indexOf(old), 1);
  await cloud.addCompute('vol1', { volume: volumeConfig }, { run: ['volume'] });
  await nbdRead(again!.nbd!, 0x61);
  assert.equal((await nova.call('DELETE', `/servers/${server}`)).status, 204);
  await volumeStatus(vol, 'available');
  const end = Date.now() + 10_000;
  for (;;) {
    const stopped = await nbdRead(again!.nbd!, 0x61).then(() => false, () => true);
    if (stopped) break;
    assert.ok(Date.now() < end, 'deleting the server stops the export');
    await new Promise((r) => setTimeout(r, 100));
  }

});
