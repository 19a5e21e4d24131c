/**
 * A hypervisor in memory that behaves like one: each operation takes time
 * (scaled by `timeScale`), guests move through power states in the order a
 * real one would, a console log grows as the guest "boots", and operations
 * that make no sense in the guest's state fail as libvirt would.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PowerState, type Flavor, type Instance } from '../model.js';
import type { NetworkInfo } from '../network/types.js';
import { HypervisorError, type GuestInfo, type HostResources, type HypervisorDriver, type ImageMeta, type VolumeDisk } from './hypervisor-driver.js';

export interface FakeDriverOptions {
  vcpus?: number;
  memoryMb?: number;
  localGb?: number;
  cpuArch?: string;
  /** Multiplies every delay; 0 makes operations immediate (still asynchronous). */
  timeScale?: number;
}

interface FakeGuest {
  uuid: string;
  name: string;
  power_state: PowerState;
  memory_mb: number;
  vcpus: number;
  /** Flavor applied at the next start (resize). */
  pending?: Flavor;
  console: string[];
  boots: number;
  image: ImageMeta;
  network: NetworkInfo;
  /** Attached volumes by device. */
  volumes: Map<string, VolumeDisk>;
}

/** Milliseconds each operation takes on a small real guest, roughly. */
const DELAYS = {
  spawn: 400, destroy: 60, softReboot: 250, hardReboot: 120, powerOff: 120, powerOn: 250,
  pause: 20, unpause: 20, suspend: 150, resume: 150, snapshot: 200, resize: 40, attach: 30, detach: 30,
};

export class FakeDriver implements HypervisorDriver {
  readonly type = 'fake';
  private readonly guests = new Map<string, FakeGuest>();
  private readonly scale: number;
  private host = 'fake';

  constructor(private readonly options: FakeDriverOptions = {}) {
    this.scale = options.timeScale ?? 1;
  }

  private wait(op: keyof typeof DELAYS): Promise<void> {
    return sleep(Math.round(DELAYS[op] * this.scale));
  }

  private guest(instance: Instance | string): FakeGuest {
    const uuid = typeof instance === 'string' ? instance : instance.uuid;
    const g = this.guests.get(uuid);
    if (!g) throw new HypervisorError(`Domain not found: no domain with matching uuid '${uuid}'`, 404);
    return g;
  }

  private requireState(g: FakeGuest, allowed: PowerState[], op: string): void {
    if (!allowed.includes(g.power_state)) {
      throw new HypervisorError(`Requested operation is not valid: cannot ${op} domain ${g.uuid} in power state ${g.power_state}`, 409);
    }
  }

  private boot(g: FakeGuest): void {
    g.boots++;
    if (g.pending) {
      g.memory_mb = g.pending.memory_mb;
      g.vcpus = g.pending.vcpus;
      g.pending = undefined;
    }
    g.console.push(
      `[    0.000000] Linux version 6.1.0-fake (swiftly fake hypervisor) boot ${g.boots}`,
      `[    0.000000] Memory: ${g.memory_mb}MB, ${g.vcpus} vCPU(s), image ${g.image.name}`,
      // What a guest's DHCP client prints once dnsmasq answered (busybox udhcpc's words).
      ...g.network.map((n, i) => `udhcpc: eth${i} (${n.mac}) lease of ${n.address} obtained from ${n.network.gateway}`),
      `login: ${g.name} is up`,
    );
    g.power_state = PowerState.RUNNING;
  }

  async initHost(host: string): Promise<void> {
    this.host = host;
  }

  async getHostResources(): Promise<HostResources> {
    return {
      hypervisor_type: 'fake',
      cpu_arch: this.options.cpuArch ?? 'x86_64',
      vcpus: this.options.vcpus ?? 8,
      memory_mb: this.options.memoryMb ?? 16384,
      local_gb: this.options.localGb ?? 200,
    };
  }

  async spawn(instance: Instance, image: ImageMeta, network: NetworkInfo = [], root?: VolumeDisk): Promise<void> {
    if (this.guests.has(instance.uuid)) throw new HypervisorError(`domain ${instance.uuid} already exists`, 409);
    const g: FakeGuest = {
      uuid: instance.uuid, name: instance.display_name, power_state: PowerState.NOSTATE,
      memory_mb: instance.flavor.memory_mb, vcpus: instance.flavor.vcpus, console: [], boots: 0, image, network,
      volumes: new Map(root ? [[root.device, { ...root }]] : []),
    };
    this.guests.set(instance.uuid, g);
    await this.wait('spawn');
    if (this.guests.get(instance.uuid) !== g) throw new HypervisorError(`domain ${instance.uuid} vanished while spawning`);
    this.boot(g);
  }

  async destroy(instance: Instance): Promise<void> {
    if (!this.guests.has(instance.uuid)) return;
    await this.wait('destroy');
    this.guests.delete(instance.uuid);
  }

  async reboot(instance: Instance, type: 'SOFT' | 'HARD'): Promise<void> {
    const g = this.guest(instance);
    if (type === 'SOFT') this.requireState(g, [PowerState.RUNNING], 'soft reboot');
    g.power_state = PowerState.SHUTDOWN;
    g.console.push(type === 'SOFT' ? 'reboot: Restarting system' : '');
    await this.wait(type === 'SOFT' ? 'softReboot' : 'hardReboot');
    this.boot(g);
  }

  async powerOff(instance: Instance): Promise<void> {
    const g = this.guest(instance);
    await this.wait('powerOff');
    g.console.push('reboot: Power down');
    g.power_state = PowerState.SHUTDOWN;
  }

  async powerOn(instance: Instance): Promise<void> {
    const g = this.guest(instance);
    this.requireState(g, [PowerState.SHUTDOWN, PowerState.CRASHED, PowerState.NOSTATE], 'start');
    await this.wait('powerOn');
    this.boot(g);
  }

  async pause(instance: Instance): Promise<void> {
    const g = this.guest(instance);
    this.requireState(g, [PowerState.RUNNING], 'pause');
    await this.wait('pause');
    g.power_state = PowerState.PAUSED;
  }

  async unpause(instance: Instance): Promise<void> {
    const g = this.guest(instance);
    this.requireState(g, [PowerState.PAUSED], 'unpause');
    await this.wait('unpause');
    g.power_state = PowerState.RUNNING;
  }

  async suspend(instance: Instance): Promise<void> {
    const g = this.guest(instance);
    this.requireState(g, [PowerState.RUNNING, PowerState.PAUSED], 'suspend');
    await this.wait('suspend');
    g.power_state = PowerState.SUSPENDED;
  }

  async resume(instance: Instance): Promise<void> {
    const g = this.guest(instance);
    this.requireState(g, [PowerState.SUSPENDED], 'resume');
    await this.wait('resume');
    g.power_state = PowerState.RUNNING;
  }

  async resize(instance: Instance, flavor: Flavor): Promise<void> {
    const g = this.guest(instance);
    await this.wait('resize');
    g.pending = flavor;
  }

  async snapshot(instance: Instance, _imageId: string): Promise<{ size: number }> {
    const g = this.guest(instance);
    await this.wait('snapshot');
    return { size: Math.max(g.image.size, 1) };
  }

  /** As libvirt: a suspended (managed-saved) guest takes no device change; a device name once. */
  async attachVolume(instance: Instance, disk: VolumeDisk): Promise<void> {
    const g = this.guest(instance);
    this.requireState(g, [PowerState.RUNNING, PowerState.PAUSED, PowerState.SHUTDOWN], 'attach a disk to');
    if (g.volumes.has(disk.device)) throw new HypervisorError(`Requested operation is not valid: target ${disk.device} already exists`, 409);
    await this.wait('attach');
    g.volumes.set(disk.device, { ...disk });
    if (g.power_state === PowerState.RUNNING) g.console.push(`virtio_blk virtio: [${disk.device}] attached (volume ${disk.volumeId})`);
  }

  async detachVolume(instance: Instance, device: string): Promise<void> {
    const g = this.guest(instance);
    this.requireState(g, [PowerState.RUNNING, PowerState.PAUSED, PowerState.SHUTDOWN], 'detach a disk from');
    if (!g.volumes.has(device)) throw new HypervisorError(`disk ${device} not found`, 404);
    await this.wait('detach');
    g.volumes.delete(device);
  }

  /** The volumes a guest has, by device (tests). */
  volumesOf(uuid: string): VolumeDisk[] {
    return [...(this.guests.get(uuid)?.volumes.values() ?? [])];
  }

  async getConsoleOutput(instance: Instance, lines?: number): Promise<string> {
    const g = this.guest(instance);
    const all = g.console;
    return (lines !== undefined ? all.slice(-lines) : all).join('\n') + (all.length ? '\n' : '');
  }

  async getInfo(uuid: string): Promise<GuestInfo | undefined> {
    const g = this.guests.get(uuid);
    return g && { uuid: g.uuid, power_state: g.power_state, memory_mb: g.memory_mb, vcpus: g.vcpus };
  }

  async listInstances(): Promise<GuestInfo[]> {
    return [...this.guests.values()].map((g) => ({ uuid: g.uuid, power_state: g.power_state, memory_mb: g.memory_mb, vcpus: g.vcpus }));
  }

  /** Tests: the guest stops behind the manager's back (crash, shutdown from inside). */
  simulateGuestShutdown(uuid: string, state: PowerState = PowerState.SHUTDOWN): void {
    this.guest(uuid).power_state = state;
  }
}
