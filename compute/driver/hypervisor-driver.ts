/**
 * What a compute manager needs from a hypervisor (Nova's
 * nova/virt/driver.py ComputeDriver, reduced). Implementations: `FakeDriver`
 * (in memory), `LibvirtDriver` (real guests through virsh). A driver knows guests by instance uuid;
 * the manager owns the DB and the state machine, the driver only acts and
 * reports the hypervisor's view.
 */
import type { Flavor, Instance, PowerState } from '../model.js';
import type { NetworkInfo } from '../network/types.js';

/** What the host offers, reported to the resource tracker. */
export interface HostResources {
  hypervisor_type: string;
  cpu_arch: string;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
}

/** The hypervisor's view of one guest. */
export interface GuestInfo {
  uuid: string;
  power_state: PowerState;
  memory_mb: number;
  vcpus: number;
}

/** The image a guest boots from, as the image service describes it. */
export interface ImageMeta {
  id: string;
  name: string;
  size: number;
  /** The image's declared format (Glance's disk_format): how a driver reads its bytes, never probed. */
  disk_format: string;
  properties: Record<string, string>;
}

/** A volume host's NBD export of a volume: `host:port`, export `name`. */
export interface NbdSource {
  host: string;
  port: number;
  name: string;
}

/**
 * A volume as a guest disk: the volume's own file (this host is its volume
 * host), or the volume host's NBD export of it (another host's volume).
 * Exactly one of `path` and `nbd`.
 */
export interface VolumeDisk {
  volumeId: string;
  /** The guest's device name without `/dev/` (`vdb`, …; `vda` for a root volume): a virtio-blk disk. */
  device: string;
  path?: string;
  nbd?: NbdSource;
  /** How the bytes are laid out: `raw` or `qcow2`, never probed (an NBD export is `raw`: its host reads the file's format). */
  format: string;
}

/** A guest's power state changed behind the manager's back (Nova's lifecycle events). */
export type LifecycleListener = (uuid: string, powerState: PowerState) => void;

export interface HypervisorDriver {
  /** `fake`, `libvirt`, … (Nova's compute_driver). */
  readonly type: string;
  /** Called once at start-up, before any other call. */
  initHost(host: string): Promise<void>;
  getHostResources(): Promise<HostResources>;
  /**
   * Create and start a guest; resolves once it runs. `network`: its
   * interfaces, already plugged in on the host (tap device name, MAC,
   * address); empty or absent: no host networking. `root`: the guest boots
   * from this volume (device `vda`) instead of a disk made from `image`,
   * which then only lends its properties (kernel, ramdisk, command line).
   */
  spawn(instance: Instance, image: ImageMeta, network?: NetworkInfo, root?: VolumeDisk): Promise<void>;
  /** Stop and remove a guest; a guest the driver doesn't know is not an error. */
  destroy(instance: Instance): Promise<void>;
  reboot(instance: Instance, type: 'SOFT' | 'HARD'): Promise<void>;
  powerOff(instance: Instance): Promise<void>;
  powerOn(instance: Instance): Promise<void>;
  pause(instance: Instance): Promise<void>;
  unpause(instance: Instance): Promise<void>;
  suspend(instance: Instance): Promise<void>;
  resume(instance: Instance): Promise<void>;
  /** Apply a new flavor (memory, vCPUs); takes effect with the guest's next start. */
  resize(instance: Instance, flavor: Flavor): Promise<void>;
  /** Copy the guest's disk into image `imageId`; returns the bytes written. */
  snapshot(instance: Instance, imageId: string): Promise<{ size: number }>;
  /**
   * Attach a volume as a virtio-blk disk: hot-plugged into a running (or
   * paused) guest and kept in its definition, so it stays across a stop,
   * start or resize; only defined for a stopped one.
   */
  attachVolume(instance: Instance, disk: VolumeDisk): Promise<void>;
  /** Detach the disk `device`; resolves once the guest has let go of it (a running guest must release a hot-unplug). */
  detachVolume(instance: Instance, device: string): Promise<void>;
  /**
   * A point-in-time copy of the attached disk `device` of a running (or
   * paused) guest, written by the hypervisor to a new file `target.path`
   * while the guest goes on (Nova's volume_snapshot_create for attached
   * volumes). Resolves false when the guest is not running: nothing holds
   * the disk, so the caller copies the file itself. Drivers without it:
   * the caller always copies the file.
   */
  snapshotVolume?(instance: Instance, device: string, target: { path: string; format: 'raw' | 'qcow2' }): Promise<boolean>;
  /** The tail of the guest's serial console (`lines` last lines when given). */
  getConsoleOutput(instance: Instance, lines?: number): Promise<string>;
  /** Undefined when the hypervisor has no such guest. */
  getInfo(uuid: string): Promise<GuestInfo | undefined>;
  /** Every guest the hypervisor runs on this host. */
  listInstances(): Promise<GuestInfo[]>;
  /** Drivers that hear of power changes as they happen (libvirt's lifecycle events) call `listener`. */
  onLifecycleEvent?(listener: LifecycleListener): void;
  /** Release what the driver holds open (event streams, connections). */
  close?(): Promise<void>;
}

/** The driver refused or failed an operation (Nova: a virt exception). */
export class HypervisorError extends Error {
  constructor(message: string, readonly status = 500) {
    super(message);
    this.name = 'HypervisorError';
  }
}
