/**
 * A HypervisorDriver over libvirt (Nova's nova/virt/libvirt/driver.py, in
 * small): domain XML in, `virsh` commands out. Each guest lives in
 * `<instances_path>/<uuid>/` (its qcow2 overlay `disk` on the cached base
 * image, `console.log`, `libvirt.xml`); its domain is `instance-<uuid>` with
 * the instance's uuid. Guests whose directory isn't under this driver's
 * instances_path are not its own (another compute on the same libvirtd).
 * An image with `kernel_id` (and `ramdisk_id`) properties boots as Nova
 * boots an AMI: the kernel and ramdisk images, fetched through the same
 * cache, are copied into the guest's directory and booted directly, with
 * the image's `os_command_line` (else Nova's `root=/dev/vda console=tty0
 * console=ttyS0`). A server created with a config drive gets `disk.config`
 * (ISO9660, `config-2`) as a cdrom. A server booted from a volume has no
 * overlay: the volume's file is its `vda`, kept in volumes.json with its
 * other volumes (destroy leaves the file: it is the volume host's).
 */
import { constants } from 'node:fs';
import { access, copyFile, mkdir, open, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomicSync, type Logger } from '../../../common/index.js';
import type { ImageRecord } from '../../image/index.js';
import { guestMac, guestNics, makeConfigDrive, type MetadataSource } from '../../metadata/index.js';
import type { NetworkInfo } from '../../network/index.js';
import { PowerState, type Flavor, type Instance } from '../../model.js';
import { HypervisorError, type GuestInfo, type HostResources, type HypervisorDriver, type ImageMeta, type LifecycleListener, type VolumeDisk } from '../hypervisor-driver.js';
import { domainXml, volumeDiskXml, type DomainVolume } from './domain-xml.js';
import { pushDiskBackup, type DiskBackupTarget } from './disk-backup.js';
import { NamespacedTaps, type GuestTap } from './guest-taps.js';
import { LifecycleEvents } from './events.js';
import { ImageCache } from './image-cache.js';
import { checkImageFormat } from './image-format.js';
import { convert, createOverlay, imageInfo } from './qemu-img.js';
import { makeVirsh, VirshError, type Virsh } from './virsh.js';
import { NbdRelays } from './nbd-relay.js';

/** What the driver needs of the image service: data in (boot) and out (snapshot). */
export interface LibvirtImages {
  fetchTo(id: string, path: string): Promise<ImageRecord>;
  upload(id: string, body: Readable, options?: { size?: number }): Promise<ImageRecord>;
  patch(id: string, ops: { op: string; path: string; value?: unknown }[]): Promise<unknown>;
}

export interface LibvirtDriverOptions {
  images: LibvirtImages;
  /** Nova's [libvirt] connection_uri; `qemu:///system` by default. */
  connectionUri?: string;
  /** Nova's [libvirt] virt_type: `qemu` (TCG) or `kvm` (used only when /dev/kvm is usable). */
  virtType?: 'qemu' | 'kvm';
  instancesPath: string;
  /** A clean (ACPI) shutdown's wait before the guest is destroyed (Nova: shutdown_timeout). */
  shutdownTimeoutMs?: number;
  /** A SOFT reboot's wait for the guest to stop before it is reset (Nova: wait_soft_reboot_seconds). */
  softRebootTimeoutMs?: number;
  virshTimeoutMs?: number;
  /** How long a running guest may take to release a hot-unplugged volume. */
  detachTimeoutMs?: number;
  /**
   * The network namespace the host's guest networks (bridges) live in, when not ours (the Linux network
   * driver's `netns`): guests get unmanaged taps moved there after qemu opens them, and reach other hosts'
   * NBD volume exports through relays started there (nbd-relay.ts).
   */
  networkNamespace?: string;
  logger?: Logger;
  /** What a config drive carries for a server (its interfaces, key pair, floating IP): the compute DB's, from the launcher. */
  metadataSource?: (instance: Instance) => Promise<MetadataSource>;
}

/** How long the console tail may be (Nova's MAX_CONSOLE_BYTES). */
const MAX_CONSOLE_BYTES = 100 * 1024;
const PREFIX = 'instance-';
/** Nova's kernel command line for a kernel+ramdisk guest without os_command_line. */
const DEFAULT_CMDLINE = 'root=/dev/vda console=tty0 console=ttyS0';

const STATES: Record<string, PowerState> = {
  running: PowerState.RUNNING, idle: PowerState.RUNNING, blocked: PowerState.RUNNING, 'in shutdown': PowerState.RUNNING,
  paused: PowerState.PAUSED, 'shut off': PowerState.SHUTDOWN, crashed: PowerState.CRASHED, pmsuspended: PowerState.SUSPENDED,
};

/** A JSON list this driver keeps beside a guest (its NICs, its volumes); none written yet: empty. */
async function readJsonList<T>(path: string): Promise<T[]> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T[];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** `virsh dominfo`'s `Key: value` lines. */
export function parseFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export class LibvirtDriver implements HypervisorDriver {
  readonly type = 'libvirt';
  readonly virsh: Virsh;
  readonly cache: ImageCache;
  private virtType: 'qemu' | 'kvm';
  private readonly listeners: LifecycleListener[] = [];
  private events?: LifecycleEvents;
  private readonly nsTaps?: NamespacedTaps;
  private readonly relays?: NbdRelays;

  constructor(private readonly o: LibvirtDriverOptions) {
    this.virsh = makeVirsh(o.connectionUri ?? 'qemu:///system', o.virshTimeoutMs);
    // A fetched image is checked against its declared disk_format before it enters the cache; an AMI's
    // kernel and ramdisk (aki, ari) are files qemu loads whole, never block devices, so have no format to check.
    this.cache = new ImageCache(o.instancesPath, o.images, async (path, image) => {
      if (image.disk_format !== 'aki' && image.disk_format !== 'ari') await checkImageFormat(path, image.disk_format, image.id);
    });
    this.virtType = o.virtType ?? 'qemu';
    this.nsTaps = o.networkNamespace ? new NamespacedTaps(o.networkNamespace) : undefined;
    this.relays = o.networkNamespace ? new NbdRelays(o.networkNamespace) : undefined;
  }

  private name(uuid: string): string {
    return `${PREFIX}${uuid}`;
  }

  private dir(uuid: string): string {
    return join(this.o.instancesPath, uuid);
  }

  private paths(uuid: string) {
    const dir = this.dir(uuid);
    return {
      dir, disk: join(dir, 'disk'), console: join(dir, 'console.log'), xml: join(dir, 'libvirt.xml'),
      kernel: join(dir, 'kernel'), ramdisk: join(dir, 'ramdisk'), configDrive: join(dir, 'disk.config'),
      /** The guest's NICs (MAC, tap, bridge), kept for re-definitions (resize) and restarts. */
      nics: join(dir, 'network.json'),
      /** Attached volumes (device, file, format), kept for re-definitions. */
      volumes: join(dir, 'volumes.json'),
    };
  }

  /** Run virsh; `ignore` lists failures that mean "already so" for this call. */
  private async run(args: string[], ignore: ('notFound' | 'notRunning')[] = []): Promise<string | undefined> {
    try {
      return await this.virsh.run(args);
    } catch (err) {
      if (err instanceof VirshError && ignore.some((k) => err[k])) return undefined;
      throw err;
    }
  }

  async initHost(_host: string): Promise<void> {
    await mkdir(this.o.instancesPath, { recursive: true });
    if (this.virtType === 'kvm' && !(await access('/dev/kvm', constants.R_OK | constants.W_OK).then(() => true, () => false))) {
      this.o.logger?.warn('virt_type = kvm but /dev/kvm is not usable here; guests run under TCG (virt_type = qemu)');
      this.virtType = 'qemu';
    }
    if (!this.virsh.uri.startsWith('test:')) {
      this.events = new LifecycleEvents(this.virsh.uri, (e) => {
        if (!e.domain.startsWith(PREFIX) || e.powerState === undefined) return;
        const uuid = e.domain.slice(PREFIX.length);
        for (const l of this.listeners) l(uuid, e.powerState);
      });
      this.events.start();
    }
  }

  onLifecycleEvent(listener: LifecycleListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.events?.stop();
    await this.virsh.close();
  }

  /** The guest's domain type: kvm only when asked for and usable. */
  get domainType(): 'qemu' | 'kvm' {
    return this.virtType;
  }

  async getHostResources(): Promise<HostResources> {
    let vcpus = cpus().length;
    let memoryMb = Math.floor(totalmem() / 1024 / 1024);
    try {
      const f = parseFields((await this.virsh.run(['nodeinfo'])) ?? '');
      vcpus = Number.parseInt(f['CPU(s)'] ?? '', 10) || vcpus;
      memoryMb = Math.floor((Number.parseInt(f['Memory size'] ?? '', 10) || memoryMb * 1024) / 1024);
    } catch { /* libvirtd away: the host's own figures */ }
    const fs = await statfs(this.o.instancesPath).catch(() => undefined);
    const localGb = fs ? Math.floor((fs.blocks * fs.bsize) / 1024 ** 3) : 0;
    return { hypervisor_type: this.virtType === 'kvm' ? 'KVM' : 'QEMU', cpu_arch: 'x86_64', vcpus, memory_mb: memoryMb, local_gb: localGb };
  }

  /** `props`: the properties of the image the guest was built from (kernel_id, ramdisk_id, os_command_line). */
  /** The guest's NICs on host networks (none: qemu's user network). */
  private taps(uuid: string): Promise<GuestTap[]> {
    return readJsonList<GuestTap>(this.paths(uuid).nics);
  }

  /** The guest's attached volumes. */
  private attachedVolumes(uuid: string): Promise<VolumeDisk[]> {
    return readJsonList<VolumeDisk>(this.paths(uuid).volumes);
  }

  /** How the domain reads a volume: its file, the export itself, or (network in a namespace) the export through a relay's socket. */
  private domainVolume(uuid: string, disk: VolumeDisk): DomainVolume {
    if (!disk.nbd) return disk;
    const { host, port, name } = disk.nbd;
    const nbd = this.relays ? { name, socket: this.relays.paths(this.dir(uuid), disk.device).socket } : { name, host, port };
    return { volumeId: disk.volumeId, device: disk.device, format: disk.format, nbd };
  }

  /** The relays of the guest's NBD volumes running (none without a namespace). */
  private async ensureRelays(uuid: string, disks?: VolumeDisk[]): Promise<void> {
    if (!this.relays) return;
    for (const d of disks ?? await this.attachedVolumes(uuid)) if (d.nbd) await this.relays.ensure(this.dir(uuid), d.device, d.nbd);
  }

  /** `virsh start` with the guest's taps where qemu can open them, then where they belong; its NBD volumes' relays first. */
  private async start(uuid: string): Promise<void> {
    await this.ensureRelays(uuid);
    const taps = this.nsTaps ? await this.taps(uuid) : [];
    if (this.nsTaps && taps.length) await this.nsTaps.beforeStart(taps);
    try {
      await this.run(['start', this.name(uuid)]);
    } catch (err) {
      // Nothing of a guest that did not start stays in our namespace.
      if (this.nsTaps && taps.length) await this.nsTaps.remove(taps);
      throw err;
    }
    if (this.nsTaps && taps.length) await this.nsTaps.afterStart(taps);
  }

  private xml(
    instance: Instance, flavor: Flavor, p: ReturnType<LibvirtDriver['paths']>, props: Record<string, string>, taps: GuestTap[],
    backing: { path: string; format: string } | undefined, volumes: VolumeDisk[],
  ): string {
    const root = volumes.find((v) => v.device === 'vda');
    return domainXml({
      volumes: volumes.filter((v) => v !== root).map((v) => this.domainVolume(instance.uuid, v)),
      rootVolume: root && this.domainVolume(instance.uuid, root),
      interfaces: taps.map((t) => (this.nsTaps ? { mac: t.mac, device: t.device } : t)),
      name: this.name(instance.uuid), uuid: instance.uuid, virtType: this.virtType, memoryMb: flavor.memory_mb, vcpus: flavor.vcpus,
      diskPath: root ? undefined : p.disk, backing, consolePath: p.console, displayName: instance.display_name, mac: guestMac(instance.uuid),
      kernel: props.kernel_id ? { path: p.kernel, initrdPath: props.ramdisk_id ? p.ramdisk : undefined, cmdline: props.os_command_line ?? DEFAULT_CMDLINE } : undefined,
      configDrivePath: instance.config_drive ? p.configDrive : undefined,
    });
  }

  /** Define the domain; `backing` is the overlay's (read from the overlay, which this driver wrote, when not given). */
  private async define(instance: Instance, flavor: Flavor, props: Record<string, string> = instance.image_properties ?? {}, backing?: { path: string; format: string }): Promise<void> {
    const p = this.paths(instance.uuid);
    const volumes = await this.attachedVolumes(instance.uuid);
    // A guest booted from a volume (vda among its volumes) has no overlay.
    if (!backing && !volumes.some((v) => v.device === 'vda')) {
      const overlay = await imageInfo(p.disk, 'qcow2');
      if (!overlay.backingFilename || !overlay.backingFormat) throw new HypervisorError(`The disk of instance ${instance.uuid} has lost its backing image`);
      backing = { path: overlay.backingFilename, format: overlay.backingFormat };
    }
    await writeFile(p.xml, this.xml(instance, flavor, p, props, await this.taps(instance.uuid), backing, volumes));
    await this.run(['define', p.xml]);
  }

  /**
   * The config drive's contents: the server's key pair and floating IP from the compute DB, its interfaces as
   * plugged in (`network`); a guest without any has the user-mode NIC (its MAC, DHCP).
   */
  private async configDriveSource(instance: Instance, network: NetworkInfo): Promise<MetadataSource> {
    const src = (await this.o.metadataSource?.(instance)) ?? { instance, nics: [] };
    return { ...src, nics: network.length ? guestNics(network) : [{ mac: guestMac(instance.uuid) }] };
  }

  /** An AMI's kernel and ramdisk, from the image cache into the guest's directory (Nova keeps its own copies there too). */
  private async fetchKernel(props: Record<string, string>, p: ReturnType<LibvirtDriver['paths']>): Promise<void> {
    if (!props.kernel_id) return;
    await copyFile(await this.cache.fetch(props.kernel_id), p.kernel);
    if (props.ramdisk_id) await copyFile(await this.cache.fetch(props.ramdisk_id), p.ramdisk);
  }

  async spawn(instance: Instance, image: ImageMeta, network: NetworkInfo = [], root?: VolumeDisk): Promise<void> {
    const p = this.paths(instance.uuid);
    if (await stat(p.dir).then(() => true, () => false)) throw new HypervisorError(`Instance ${instance.uuid} already has files in ${p.dir}`, 409);
    if (root && root.device !== 'vda') throw new HypervisorError(`A root volume is vda, not ${root.device}`, 400);
    let defined = false;
    try {
      let backing: { path: string; format: string } | undefined;
      if (root) {
        await mkdir(p.dir, { recursive: true });
        writeFileAtomicSync(p.volumes, Buffer.from(JSON.stringify([root])));
      } else {
        const base = await this.cache.fetch(image.id);
        // Checked again on every boot (a cache hit too): the format comes from disk_format, never from the bytes.
        const info = await checkImageFormat(base, image.disk_format, image.id);
        await mkdir(p.dir, { recursive: true });
        const rootBytes = instance.flavor.root_gb * 1024 ** 3;
        await createOverlay(base, info.format, p.disk, rootBytes > info.virtualSize ? rootBytes : undefined);
        backing = { path: base, format: info.format };
      }
      await this.fetchKernel(image.properties, p);
      const taps: GuestTap[] = network.map((i) => ({ mac: i.mac, device: i.device, bridge: i.network.bridge }));
      writeFileAtomicSync(p.nics, Buffer.from(JSON.stringify(taps)));
      if (instance.config_drive) await makeConfigDrive(await this.configDriveSource(instance, network), p.configDrive);
      await this.define(instance, instance.flavor, image.properties, backing);
      defined = true;
      await this.start(instance.uuid);
    } catch (err) {
      if (!defined) await rm(p.dir, { recursive: true, force: true });
      throw err;
    }
  }

  async destroy(instance: Instance): Promise<void> {
    const name = this.name(instance.uuid);
    await this.run(['destroy', name], ['notFound', 'notRunning']);
    await this.run(['undefine', '--managed-save', name], ['notFound']);
    if (this.nsTaps) await this.nsTaps.remove(await this.taps(instance.uuid));
    if (this.relays) for (const d of await this.attachedVolumes(instance.uuid)) if (d.nbd) await this.relays.stop(this.dir(instance.uuid), d.device);
    await rm(this.dir(instance.uuid), { recursive: true, force: true });
  }

  private async state(uuid: string): Promise<PowerState | undefined> {
    return (await this.getInfo(uuid))?.power_state;
  }

  /** Poll until the guest is off; false when `ms` passed first. */
  private async waitOff(uuid: string, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    for (;;) {
      const s = await this.state(uuid);
      if (s === undefined || s === PowerState.SHUTDOWN || s === PowerState.CRASHED) return true;
      if (Date.now() >= until) return false;
      await sleep(Math.min(200, Math.max(1, until - Date.now())));
    }
  }

  private async requireGuest(uuid: string): Promise<GuestInfo> {
    const info = await this.getInfo(uuid);
    if (!info) throw new HypervisorError(`Domain not found: no domain with matching uuid '${uuid}'`, 404);
    return info;
  }

  async reboot(instance: Instance, type: 'SOFT' | 'HARD'): Promise<void> {
    const name = this.name(instance.uuid);
    const info = await this.requireGuest(instance.uuid);
    if (type === 'SOFT') {
      if (info.power_state !== PowerState.RUNNING) throw new HypervisorError(`Requested operation is not valid: domain is not running`, 409);
      await this.run(['shutdown', name]);
      if (await this.waitOff(instance.uuid, this.o.softRebootTimeoutMs ?? 120_000)) {
        await this.start(instance.uuid);
        return;
      }
      this.o.logger?.info({ instance: instance.uuid }, 'guest did not stop on ACPI; resetting');
      await this.run(['reset', name]);
      return;
    }
    if (info.power_state === PowerState.RUNNING || info.power_state === PowerState.PAUSED) {
      await this.run(['reset', name]);
      if (info.power_state === PowerState.PAUSED) await this.run(['resume', name]);
    } else {
      await this.start(instance.uuid);
    }
  }

  async powerOff(instance: Instance): Promise<void> {
    const name = this.name(instance.uuid);
    const info = await this.requireGuest(instance.uuid);
    if (info.power_state === PowerState.SHUTDOWN || info.power_state === PowerState.CRASHED) return;
    if (info.power_state === PowerState.RUNNING) {
      await this.run(['shutdown', name], ['notRunning']);
      if (await this.waitOff(instance.uuid, this.o.shutdownTimeoutMs ?? 60_000)) return;
    }
    await this.run(['destroy', name], ['notRunning']);
  }

  async powerOn(instance: Instance): Promise<void> {
    await this.start(instance.uuid);
  }

  async pause(instance: Instance): Promise<void> {
    await this.run(['suspend', this.name(instance.uuid)]);
  }

  async unpause(instance: Instance): Promise<void> {
    await this.run(['resume', this.name(instance.uuid)]);
  }

  async suspend(instance: Instance): Promise<void> {
    await this.run(['managedsave', this.name(instance.uuid)]);
  }

  async resume(instance: Instance): Promise<void> {
    await this.start(instance.uuid);
  }

  /** The new memory/vCPUs go into the persistent definition: they apply when the guest next starts. */
  async resize(instance: Instance, flavor: Flavor): Promise<void> {
    await this.requireGuest(instance.uuid);
    await this.define(instance, flavor);
  }

  /** Pause (so the disk is still), flatten the overlay to a standalone qcow2, resume, upload it as the image's data. */
  async snapshot(instance: Instance, imageId: string): Promise<{ size: number }> {
    const p = this.paths(instance.uuid);
    const name = this.name(instance.uuid);
    const info = await this.requireGuest(instance.uuid);
    const tmp = join(p.dir, `snapshot-${imageId}.qcow2`);
    try {
      const wasRunning = info.power_state === PowerState.RUNNING;
      if (wasRunning) await this.run(['suspend', name]);
      try {
        await convert(p.disk, 'qcow2', tmp, 'qcow2');
      } finally {
        if (wasRunning) await this.run(['resume', name]);
      }
      const { size } = await stat(tmp);
      await this.o.images.patch(imageId, [{ op: 'replace', path: '/disk_format', value: 'qcow2' }, { op: 'replace', path: '/container_format', value: 'bare' }]);
      await this.o.images.upload(imageId, createReadStream(tmp), { size });
      return { size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * `virsh attach-device --config` (and `--live` when the guest runs or is
   * paused: virtio-blk hot-plug), then the volume is kept in volumes.json so
   * a re-definition (resize) keeps it. A managed-saved (suspended) guest
   * takes no device change: its saved state would not match. Another
   * host's volume is its NBD export (through a relay when our network is
   * in a namespace: started first, stopped again if the attach fails).
   */
  async attachVolume(instance: Instance, disk: VolumeDisk): Promise<void> {
    const info = await this.requireGuest(instance.uuid);
    if (info.power_state === PowerState.SUSPENDED) throw new HypervisorError(`Requested operation is not valid: domain has a managed save image`, 409);
    const volumes = await this.attachedVolumes(instance.uuid);
    if (volumes.some((v) => v.device === disk.device)) throw new HypervisorError(`Requested operation is not valid: target ${disk.device} already exists`, 409);
    const xmlPath = join(this.dir(instance.uuid), `volume-${disk.device}.xml`);
    await writeFile(xmlPath, volumeDiskXml(this.domainVolume(instance.uuid, disk), ''));
    const live = info.power_state === PowerState.RUNNING || info.power_state === PowerState.PAUSED;
    await this.ensureRelays(instance.uuid, [disk]);
    try {
      await this.run(['attach-device', this.name(instance.uuid), xmlPath, '--config', ...(live ? ['--live'] : [])]);
    } catch (err) {
      if (disk.nbd) await this.relays?.stop(this.dir(instance.uuid), disk.device);
      throw err;
    }
    writeFileAtomicSync(this.paths(instance.uuid).volumes, Buffer.from(JSON.stringify([...volumes, disk])));
  }

  /**
   * `virsh detach-device --config` (`--live` for a running guest, which
   * must let go: the request is repeated, as Nova does, until the disk is
   * gone from the live domain or the wait runs out).
   */
  async detachVolume(instance: Instance, device: string): Promise<void> {
    const name = this.name(instance.uuid);
    const volumes = await this.attachedVolumes(instance.uuid);
    const disk = volumes.find((v) => v.device === device);
    if (!disk) throw new HypervisorError(`No disk ${device} is attached to instance ${instance.uuid}`, 404);
    const info = await this.requireGuest(instance.uuid);
    if (info.power_state === PowerState.SUSPENDED) throw new HypervisorError(`Requested operation is not valid: domain has a managed save image`, 409);
    const xmlPath = join(this.dir(instance.uuid), `volume-${device}.xml`);
    await writeFile(xmlPath, volumeDiskXml(this.domainVolume(instance.uuid, disk), ''));
    const live = info.power_state === PowerState.RUNNING || info.power_state === PowerState.PAUSED;
    if (!live) {
      await this.run(['detach-device', name, xmlPath, '--config']);
    } else {
      await this.run(['detach-device', name, xmlPath, '--config', '--live']);
      const until = Date.now() + (this.o.detachTimeoutMs ?? 60_000);
      let asked = Date.now();
      while (await this.liveDisk(name, device)) {
        if (Date.now() > until) throw new HypervisorError(`The guest of instance ${instance.uuid} did not release ${device}`, 409);
        await sleep(250);
        if (Date.now() - asked > 5000 && (await this.liveDisk(name, device))) {
          await this.run(['detach-device', name, xmlPath, '--live'], ['notFound']).catch(() => {});
          asked = Date.now();
        }
      }
    }
    writeFileAtomicSync(this.paths(instance.uuid).volumes, Buffer.from(JSON.stringify(volumes.filter((v) => v.device !== device))));
    await rm(xmlPath, { force: true });
    if (disk.nbd) await this.relays?.stop(this.dir(instance.uuid), device);
  }

  /** A running guest's disk copied by its qemu (disk-backup.ts: `virsh backup-begin`, push mode). */
  async snapshotVolume(instance: Instance, device: string, target: DiskBackupTarget): Promise<boolean> {
    const info = await this.requireGuest(instance.uuid);
    if (info.power_state !== PowerState.RUNNING && info.power_state !== PowerState.PAUSED) return false;
    const name = this.name(instance.uuid);
    if (!(await this.liveDisk(name, device))) throw new HypervisorError(`No disk ${device} is attached to instance ${instance.uuid}`, 404);
    await pushDiskBackup(this.virsh, name, device, target, join(this.dir(instance.uuid), `backup-${device}.xml`));
    return true;
  }

  /** Whether the running domain still has the disk `device` (`virsh domblklist`). */
  private async liveDisk(name: string, device: string): Promise<boolean> {
    const out = (await this.run(['domblklist', name], ['notFound'])) ?? '';
    return out.split('\n').some((l) => l.trim().split(/\s+/)[0] === device);
  }

  async getConsoleOutput(instance: Instance, lines?: number): Promise<string> {
    const path = this.paths(instance.uuid).console;
    let text = '';
    try {
      const fh = await open(path, 'r');
      try {
        const { size } = await fh.stat();
        const len = Math.min(size, MAX_CONSOLE_BYTES);
        const buf = Buffer.alloc(len);
        await fh.read(buf, 0, len, size - len);
        text = buf.toString('utf8');
      } finally {
        await fh.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await this.requireGuest(instance.uuid);
    }
    if (lines === undefined) return text;
    const all = text.split('\n');
    if (all[all.length - 1] === '') all.pop();
    return all.slice(-lines).join('\n') + (all.length ? '\n' : '');
  }

  async getInfo(uuid: string): Promise<GuestInfo | undefined> {
    const out = await this.run(['dominfo', this.name(uuid)], ['notFound']);
    if (out === undefined) return undefined;
    const f = parseFields(out);
    let power = STATES[f.State ?? ''] ?? PowerState.NOSTATE;
    if (power === PowerState.SHUTDOWN && f['Managed save'] === 'yes') power = PowerState.SUSPENDED;
    return {
      uuid, power_state: power,
      memory_mb: Math.floor(Number.parseInt(f['Max memory'] ?? '0', 10) / 1024),
      vcpus: Number.parseInt(f['CPU(s)'] ?? '0', 10),
    };
  }

  /** This driver's guests: `instance-<uuid>` domains with a directory under instances_path. */
  async listInstances(): Promise<GuestInfo[]> {
    const names = ((await this.virsh.run(['list', '--all', '--name'])) ?? '').split('\n').map((l) => l.trim()).filter((n) => n.startsWith(PREFIX));
    const out: GuestInfo[] = [];
    for (const n of names) {
      const uuid = n.slice(PREFIX.length);
      if (!(await stat(this.dir(uuid)).then(() => true, () => false))) continue;
      const info = await this.getInfo(uuid);
      if (info) out.push(info);
    }
    return out;
  }
}
