/**
 * The compute manager (Nova's nova/compute/manager.py): consumes
 * `compute` and `compute.<host>`, drives the hypervisor, and moves the
 * instance through Nova's vm_state/task_state machine. Each operation
 * starts only if the instance is still in the task state the API set
 * (compare-and-swap), so a late or redelivered message is a no-op.
 */
import type { Logger } from '../../common/index.js';
import type { ComputeDb } from '../db/index.js';
import type { HypervisorDriver, ImageMeta } from '../driver/index.js';
import { ComputeResourcesUnavailableError } from '../errors.js';
import type { ImageRecord, ImageService } from '../image/index.js';
import type { HostNetworking, Network, NetworkInfo } from '../network/index.js';
import { novaTime, PowerState, TaskState, VmState, type Flavor, type Instance } from '../model.js';
import type { RequestContext, RpcEndpoint } from '../rpc/index.js';
import { COMPUTE_RPC_VERSION, type BuildRetry, type ComputeApi, type ConductorApi } from '../rpcapi.js';
import type { Manager, PeriodicTask } from '../service/index.js';
import { deleteTerminatedVolumes, type ConnectionInfo, type VolumeRpcApi, type VolumeStore } from '../volume/index.js';
import { RootVolumes, volumeDisk } from './root-volume.js';
import { ResourceTracker } from './resource-tracker.js';
import type { AllocationRatios } from '../scheduler/host-state.js';

export interface ComputeManagerOptions {
  host: string;
  db: ComputeDb;
  driver: HypervisorDriver;
  images: ImageService;
  conductor: ConductorApi;
  compute: ComputeApi;
  logger: Logger;
  /** This host's networking (addresses, bridge, DHCP, NAT, filters); none: guests get no network. */
  network?: HostNetworking;
  ratios?: AllocationRatios;
  /** Nova: update_resources_interval. */
  resourceIntervalMs?: number;
  /** Nova: sync_power_state_interval. */
  syncPowerStateIntervalMs?: number;
  /**
   * The volume rows and the volume hosts' RPC: servers that boot from a volume, volumes deleted with their server,
   * and a deleted server's volumes on other hosts have their exports stopped.
   */
  volumes?: { store: VolumeStore; rpc: VolumeRpcApi };
  /** How long a build waits for its root volume to be made (Nova: block_device_allocate_retries × interval). */
  blockDeviceWaitMs?: number;
}

type Args = Record<string, unknown>;

/** What a driver is told of the image it boots. */
const imageMeta = (image: ImageRecord): ImageMeta => ({ id: image.id, name: image.name, size: image.size, disk_format: image.disk_format, properties: image.properties });
type Work = (inst: Instance) => Promise<Partial<Instance>>;

export class ComputeManager implements Manager {
  readonly endpoint: RpcEndpoint;
  readonly periodicTasks: readonly PeriodicTask[];
  readonly tracker: ResourceTracker;
  private readonly host: string;
  private readonly db: ComputeDb;
  private readonly driver: HypervisorDriver;
  private readonly log: Logger;
  private readonly roots?: RootVolumes;

  constructor(private readonly options: ComputeManagerOptions) {
    this.host = options.host;
    this.roots = options.volumes && new RootVolumes(options.volumes, options.host, options.blockDeviceWaitMs);
    this.db = options.db;
    this.driver = options.driver;
    this.log = options.logger.child({ manager: 'compute', host: options.host });
    this.tracker = new ResourceTracker(options.db, options.host, options.driver, options.ratios);
    const uuid = (a: Args) => a.instance_uuid as string;
    this.endpoint = {
      version: COMPUTE_RPC_VERSION,
      methods: {
        build_and_run_instance: (c, a) => this.buildAndRun(c, uuid(a), a.retry as BuildRetry),
        terminate_instance: (c, a) => this.terminate(c, uuid(a)),
        reboot_instance: (c, a) => this.act(c, uuid(a), [TaskState.REBOOTING, TaskState.REBOOTING_HARD], async (i) => {
          await this.driver.reboot(i, a.reboot_type === 'HARD' ? 'HARD' : 'SOFT');
          return { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING };
        }),
        stop_instance: (c, a) => this.act(c, uuid(a), [TaskState.POWERING_OFF], async (i) => {
          await this.driver.powerOff(i);
          return { vm_state: VmState.STOPPED, power_state: PowerState.SHUTDOWN };
        }),
        start_instance: (c, a) => this.act(c, uuid(a), [TaskState.POWERING_ON], async (i) => {
          await this.driver.powerOn(i);
          return { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING };
        }),
        pause_instance: (c, a) => this.act(c, uuid(a), [TaskState.PAUSING], async (i) => {
          await this.driver.pause(i);
          return { vm_state: VmState.PAUSED, power_state: PowerState.PAUSED };
        }),
        unpause_instance: (c, a) => this.act(c, uuid(a), [TaskState.UNPAUSING], async (i) => {
          await this.driver.unpause(i);
          return { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING };
        }),
        suspend_instance: (c, a) => this.act(c, uuid(a), [TaskState.SUSPENDING], async (i) => {
          await this.driver.suspend(i);
          return { vm_state: VmState.SUSPENDED, power_state: PowerState.SUSPENDED };
        }),
        resume_instance: (c, a) => this.act(c, uuid(a), [TaskState.RESUMING], async (i) => {
          await this.driver.resume(i);
          return { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING };
        }),
        rebuild_instance: (c, a) => this.rebuild(c, uuid(a), a.image_ref as string),
        snapshot_instance: (c, a) => this.snapshot(c, uuid(a), a.image_id as string),
        prep_resize: (c, a) => this.prepResize(c, uuid(a), a.flavor as Flavor, a.source_host as string),
        resize_instance: (_c, a) => this.dropGuest(uuid(a)),
        confirm_resize: (c, a) => this.act(c, uuid(a), [TaskState.RESIZE_CONFIRMING], async (i) => ({
          vm_state: i.power_state === PowerState.SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE,
          old_flavor: null, new_flavor: null, resize_source_host: null,
        })),
        revert_resize: (c, a) => this.revertResize(c, uuid(a)),
        finish_revert_resize: (_c, a) => this.finishRevertResize(uuid(a), a.flavor as Flavor),
        attach_volume: (_c, a) => this.attachVolume(uuid(a), a.device as string, a.connection_info as ConnectionInfo),
        detach_volume: (_c, a) => this.detachVolume(uuid(a), a.device as string),
        volume_snapshot_create: (_c, a) => this.snapshotVolume(uuid(a), a.device as string, a.target as { path: string; format: 'raw' | 'qcow2' }),
        refresh_security_groups: async (_c, a) => {
          await this.options.network?.refreshSecurityGroups(uuid(a));
        },
        teardown_network: async (_c, a) => {
          await this.options.network?.driver.teardownNetwork(a.network as Network);
        },
        associate_floating_ip: async (_c, a) => {
          if (!this.options.network) throw new Error(`host ${this.host} has no network driver`);
          await this.options.network.driver.applyFloating(a.fixed_address as string, a.floating_address as string);
        },
        disassociate_floating_ip: async (_c, a) => {
          if (!this.options.network) throw new Error(`host ${this.host} has no network driver`);
          await this.options.network.driver.removeFloating(a.fixed_address as string, a.floating_address as string);
        },
        get_console_output: async (_c, a) => {
          const inst = await this.db.getInstance(uuid(a));
          if (!inst) throw Object.assign(new Error(`Instance ${uuid(a)} could not be found.`), { status: 404, name: 'InstanceNotFound' });
          return this.driver.getConsoleOutput(inst, typeof a.length === 'number' ? a.length : undefined);
        },
      },
    };
    options.driver.onLifecycleEvent?.((id) => {
      this.handleLifecycleEvent(id).catch((err) => this.log.warn({ instance: id, err: (err as Error).message }, 'lifecycle event not applied'));
    });
    this.periodicTasks = [
      { name: 'update_available_resource', intervalMs: options.resourceIntervalMs ?? 10_000, run: () => this.tracker.updateAvailableResource() },
      { name: 'sync_power_states', intervalMs: options.syncPowerStateIntervalMs ?? 10_000, run: () => this.syncPowerStates() },
    ];
  }

  /** Reconcile after a (re)start: builds cut short by a crash end in ERROR with their claim released. */
  async initHost(): Promise<void> {
    await this.driver.initHost(this.host);
    await this.tracker.updateAvailableResource();
    for (const inst of await this.db.listInstances({ host: this.host })) {
      try {
        if (inst.vm_state === VmState.BUILDING) {
          await this.driver.destroy(inst).catch(() => {});
          await this.tracker.abortClaim(inst.uuid);
          await this.db.updateInstance(inst.uuid, { vm_state: VmState.ERROR, task_state: null, power_state: PowerState.NOSTATE });
          await this.db.addFault(inst.uuid, 500, `Compute host ${this.host} restarted while the instance was building`, 'init_host', this.host);
          this.log.warn({ instance: inst.uuid }, 'instance was building when the host went down; set to ERROR');
        } else if (inst.task_state === TaskState.DELETING) {
          await this.terminate({ requestId: 'req-init-host' }, inst.uuid);
        } else {
          // The data plane may have been lost with the host (bridges, dnsmasq, rules): set it up again.
          await this.options.network?.plug(inst);
          if (inst.task_state !== null) {
            const info = await this.driver.getInfo(inst.uuid);
            await this.db.updateInstance(inst.uuid, { task_state: null, power_state: info?.power_state ?? PowerState.NOSTATE });
          }
        }
      } catch (err) {
        this.log.error({ instance: inst.uuid, err: (err as Error).message }, 'init_host: could not reconcile instance');
      }
    }
    await this.tracker.refreshUsage();
  }

  /**
   * Run one operation: only if the instance is still in `expected` task
   * state; on success apply `work`'s values and clear the task state; on
   * failure record a fault and clear the task state (Nova's
   * reverts_task_state + wrap_instance_fault).
   */
  private async act(ctx: RequestContext, uuid: string, expected: (string | null)[], work: Work, opts: { failState?: Partial<Instance>; through?: string[] } = {}): Promise<void> {
    const inst = await this.db.getInstance(uuid);
    if (!inst || !expected.includes(inst.task_state)) {
      this.log.info({ requestId: ctx.requestId, instance: uuid, task_state: inst?.task_state }, 'instance no longer in the expected task state; skipped');
      return;
    }
    try {
      const values = await work(inst);
      await this.db.updateInstance(uuid, { ...values, task_state: null }, { task_state: [...expected, ...(opts.through ?? [])] });
      await this.db.finishAction(uuid, ctx.requestId, 'Success');
    } catch (err) {
      const e = err as Error & { status?: number };
      this.log.error({ requestId: ctx.requestId, instance: uuid, err: e.message }, 'instance operation failed');
      const info = await this.driver.getInfo(uuid).catch(() => undefined);
      try {
        await this.db.updateInstance(uuid, { task_state: null, power_state: info?.power_state ?? PowerState.NOSTATE, ...opts.failState });
        await this.db.addFault(uuid, e.status ?? 500, e.message, e.name, this.host);
        await this.db.finishAction(uuid, ctx.requestId, 'Error', e.message);
      } catch { /* deleted meanwhile */ }
    }
  }

  private async buildAndRun(ctx: RequestContext, uuid: string, retry: BuildRetry): Promise<void> {
    const inst = await this.db.getInstance(uuid);
    if (!inst || inst.vm_state !== VmState.BUILDING || inst.task_state !== TaskState.SCHEDULING) return;
    try {
      await this.tracker.claim(uuid, inst.flavor);
    } catch (err) {
      if (!(err instanceof ComputeResourcesUnavailableError)) throw err;
      this.log.info({ requestId: ctx.requestId, instance: uuid, reason: err.message }, 'claim failed; rescheduling');
      await this.options.conductor.buildInstances(ctx, uuid, retry);
      return;
    }
    try {
      const spawning = await this.db.updateInstance(uuid, { task_state: TaskState.SPAWNING }, { task_state: [TaskState.SCHEDULING] });
      const root = await this.roots?.prepare(ctx, spawning);
      let meta: ImageMeta;
      if (root) meta = await this.bootImage(spawning, root.imageId);
      else {
        const image = await this.options.images.show(spawning.image_ref);
        if (!image || image.status !== 'active') throw Object.assign(new Error(`Image ${spawning.image_ref} could not be found or is not active.`), { name: 'ImageNotFound' });
        meta = imageMeta(image);
      }
      const nics = await this.plugNetwork(spawning, true);
      await this.driver.spawn(spawning, meta, nics, root?.disk);
      if (root) await this.roots!.attached(root);
      await this.db.updateInstance(uuid, {
        vm_state: VmState.ACTIVE, task_state: null, power_state: PowerState.RUNNING, launched_at: novaTime(), progress: 100,
      }, { task_state: [TaskState.SPAWNING] });
      await this.db.finishAction(uuid, ctx.requestId, 'Success');
      // Servers whose rules name this one's groups now accept its addresses.
      await this.refreshOthers(ctx, uuid, await this.groupsOf(uuid));
    } catch (err) {
      const e = err as Error & { status?: number };
      const now = await this.db.getInstance(uuid);
      if (!now || now.task_state === TaskState.DELETING) return; // deleted meanwhile: terminate cleans up
      this.log.error({ requestId: ctx.requestId, instance: uuid, err: e.message }, 'build failed');
      await this.driver.destroy(now).catch(() => {});
      await this.options.network?.unplug(now).catch((e: Error) => this.log.warn({ instance: uuid, err: e.message }, 'unplug after a failed build failed'));
      // Nova deallocates a failed build's network: its addresses go back to the pool.
      await this.options.network?.service.releaseForInstance(uuid);
      await this.tracker.abortClaim(uuid);
      await this.db.updateInstance(uuid, { vm_state: VmState.ERROR, task_state: null, power_state: PowerState.NOSTATE });
      await this.db.addFault(uuid, e.status ?? 500, e.message, e.name, this.host);
      await this.db.finishAction(uuid, ctx.requestId, 'Error', e.message);
    }
  }

  private async terminate(ctx: RequestContext, uuid: string): Promise<void> {
    const inst = await this.db.getInstance(uuid);
    if (!inst) return;
    const groups = await this.groupsOf(uuid);
    await this.driver.destroy(inst);
    // The guest is gone: a data plane that fails to forget it must not keep it from being deleted.
    await this.options.network?.unplug(inst).catch((err: Error) => this.log.error({ instance: uuid, err: err.message }, 'could not unplug a deleted server\'s network'));
    await this.releaseVolumes(ctx, uuid);
    const doomed = await this.db.destroyInstance(uuid);
    if (this.options.volumes) await deleteTerminatedVolumes(this.options.volumes, ctx, doomed, this.log);
    await this.db.finishAction(uuid, ctx.requestId, 'Success');
    await this.tracker.refreshUsage();
    await this.refreshOthers(ctx, uuid, groups);
  }

  /**
   * A deleted server's volumes on other hosts: their exports stop (the DB
   * gives the volumes back with the server's row). The guest is gone, so a
   * volume host that can't be told is logged and does not keep the server.
   */
  private async releaseVolumes(ctx: RequestContext, uuid: string): Promise<void> {
    const v = this.options.volumes;
    if (!v) return;
    for (const a of await v.store.attachments({ instanceUuid: uuid })) {
      const volume = await v.store.get(a.volume_id);
      if (!volume?.host || volume.host === this.host) continue;
      await v.rpc.terminateConnection(ctx, volume.host, volume.id, { host: this.host })
        .catch((err: Error) => this.log.error({ instance: uuid, volume: volume.id, err: err.message }, 'could not stop a deleted server\'s volume export'));
    }
  }

  /**
   * Attach a volume the API reserved (a call: the API answers once it is
   * attached): `file`, the volume host's own file (this host is the volume
   * host); `nbd`, the volume host's export of it, read as raw.
   */
  private async attachVolume(uuid: string, device: string, conn: ConnectionInfo): Promise<void> {
    const inst = await this.db.getInstance(uuid);
    if (!inst) throw Object.assign(new Error(`Instance ${uuid} could not be found.`), { status: 404 });
    await this.driver.attachVolume(inst, volumeDisk(conn, device));
  }

  private async detachVolume(uuid: string, device: string): Promise<void> {
    const inst = await this.db.getInstance(uuid);
    if (!inst) throw Object.assign(new Error(`Instance ${uuid} could not be found.`), { status: 404 });
    await this.driver.detachVolume(inst, device.replace(/^\/dev\//, ''));
  }

  /** A point-in-time copy of a running guest's volume, by its hypervisor; false: not running, or a driver that can't. */
  private async snapshotVolume(uuid: string, device: string, target: { path: string; format: 'raw' | 'qcow2' }): Promise<boolean> {
    const inst = await this.db.getInstance(uuid);
    if (!inst) throw Object.assign(new Error(`Instance ${uuid} could not be found.`), { status: 404 });
    if (!this.driver.snapshotVolume) return false;
    return this.driver.snapshotVolume(inst, device.replace(/^\/dev\//, ''), target);
  }

  /** Plug the guest's network in on this host; what the hypervisor attaches it with. */
  private async plugNetwork(inst: Instance, allocate = false): Promise<NetworkInfo> {
    return this.options.network ? this.options.network.plug(inst, allocate) : [];
  }

  private async groupsOf(uuid: string): Promise<string[]> {
    return (await this.options.network?.service.groups.forInstance(uuid))?.map((g) => g.id) ?? [];
  }

  /**
   * Ask the hosts of the servers whose filters name `groups`' members to
   * re-apply them (Nova's trigger_members_refresh); a host that can't be
   * told is logged, its filters catch up at its next restart.
   */
  private async refreshOthers(ctx: RequestContext, self: string, groups: string[]): Promise<void> {
    const service = this.options.network?.service;
    if (!service) return;
    const targets = new Set<string>();
    for (const g of groups) for (const parent of await service.groups.referencing(g)) for (const m of await service.groups.members(parent)) targets.add(m);
    targets.delete(self);
    for (const uuid of targets) {
      const inst = await this.db.getInstance(uuid);
      if (!inst?.host) continue;
      await this.options.compute.cast(ctx, inst.host, 'refresh_security_groups', uuid)
        .catch((err: Error) => this.log.warn({ instance: uuid, err: err.message }, 'could not ask for a security group refresh'));
    }
  }

  private rebuild(ctx: RequestContext, uuid: string, imageRef: string): Promise<void> {
    return this.act(ctx, uuid, [TaskState.REBUILDING], async (inst) => {
      const image = await this.options.images.show(imageRef);
      if (!image || image.status !== 'active') throw Object.assign(new Error(`Image ${imageRef} could not be found.`), { name: 'ImageNotFound' });
      await this.db.updateInstance(uuid, { task_state: TaskState.REBUILD_SPAWNING }, { task_state: [TaskState.REBUILDING] });
      await this.driver.destroy(inst);
      await this.driver.spawn({ ...inst, image_ref: imageRef }, imageMeta(image), await this.plugNetwork(inst));
      return { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING, image_ref: imageRef, image_properties: image.properties, launched_at: novaTime() };
    }, { failState: { vm_state: VmState.ERROR }, through: [TaskState.REBUILD_SPAWNING] });
  }

  private snapshot(ctx: RequestContext, uuid: string, imageId: string): Promise<void> {
    return this.act(ctx, uuid, [TaskState.IMAGE_SNAPSHOT], async (inst) => {
      await this.db.updateInstance(uuid, { task_state: TaskState.IMAGE_UPLOADING }, { task_state: [TaskState.IMAGE_SNAPSHOT] });
      try {
        await this.options.images.update(imageId, { status: 'saving' });
        const { size } = await this.driver.snapshot(inst, imageId);
        await this.options.images.update(imageId, { status: 'active', size });
      } catch (err) {
        await this.options.images.update(imageId, { status: 'killed' }).catch(() => {});
        throw err;
      }
      return {};
    }, { through: [TaskState.IMAGE_UPLOADING] });
  }

  /** On the destination: claim the new flavor, move or reshape the guest, end in VERIFY_RESIZE. */
  private async prepResize(ctx: RequestContext, uuid: string, flavor: Flavor, sourceHost: string): Promise<void> {
    const inst = await this.db.getInstance(uuid);
    if (!inst || inst.task_state !== TaskState.RESIZE_PREP) return;
    try {
      await this.tracker.resizeClaim(uuid, flavor, sourceHost, inst.flavor);
    } catch (err) {
      const e = err as Error;
      await this.db.updateInstance(uuid, { task_state: null });
      await this.db.addFault(uuid, 500, e.message, e.name, this.host);
      await this.db.finishAction(uuid, ctx.requestId, 'Error', e.message);
      return;
    }
    const wasRunning = inst.power_state === PowerState.RUNNING;
    await this.act(ctx, uuid, [TaskState.RESIZE_PREP], async (cur) => {
      await this.db.updateInstance(uuid, { task_state: TaskState.RESIZE_MIGRATING }, { task_state: [TaskState.RESIZE_PREP] });
      if (sourceHost === this.host) {
        if (wasRunning) await this.driver.powerOff(cur);
        await this.driver.resize(cur, flavor);
        if (wasRunning) await this.driver.powerOn(cur);
      } else {
        await this.options.compute.call(ctx, sourceHost, 'resize_instance', uuid);
        await this.driver.spawn({ ...cur, flavor }, await this.bootImage(cur), await this.plugNetwork(cur));
        if (!wasRunning) await this.driver.powerOff(cur);
      }
      await this.db.updateInstance(uuid, { task_state: TaskState.RESIZE_FINISH }, { task_state: [TaskState.RESIZE_MIGRATING] });
      return { vm_state: VmState.RESIZED, flavor, power_state: wasRunning ? PowerState.RUNNING : PowerState.SHUTDOWN };
    }, { failState: { vm_state: VmState.ERROR }, through: [TaskState.RESIZE_MIGRATING, TaskState.RESIZE_FINISH] });
  }

  /** On a resize's source: the guest leaves this host. */
  private async dropGuest(uuid: string): Promise<void> {
    const inst = await this.db.getInstance(uuid);
    if (!inst) return;
    await this.driver.powerOff(inst).catch(() => {});
    await this.driver.destroy(inst);
    await this.options.network?.unplug(inst);
  }

  private revertResize(ctx: RequestContext, uuid: string): Promise<void> {
    return this.act(ctx, uuid, [TaskState.RESIZE_REVERTING], async (inst) => {
      const old = inst.old_flavor ?? inst.flavor;
      const source = inst.resize_source_host ?? this.host;
      const running = inst.power_state === PowerState.RUNNING;
      if (source === this.host) {
        if (running) await this.driver.powerOff(inst);
        await this.driver.resize(inst, old);
        if (running) await this.driver.powerOn(inst);
      } else {
        await this.driver.destroy(inst);
        await this.options.network?.unplug(inst);
        await this.options.compute.call(ctx, source, 'finish_revert_resize', uuid, { flavor: old });
      }
      const values: Partial<Instance> = {
        vm_state: running ? VmState.ACTIVE : VmState.STOPPED, flavor: old, old_flavor: null, new_flavor: null,
        resize_source_host: null, host: source, node: source,
      };
      return values;
    }).then(() => this.tracker.refreshUsage());
  }

  /** On a resize's source, reverting: the guest comes back with its old flavor. */
  private async finishRevertResize(uuid: string, flavor: Flavor): Promise<void> {
    const inst = await this.db.getInstance(uuid);
    if (!inst) return;
    await this.driver.spawn({ ...inst, flavor }, await this.bootImage(inst), await this.plugNetwork(inst));
  }

  /**
   * The image an instance was booted from, for booting it again elsewhere.
   * Gone from the registry: no disk_format, which a driver that reads image
   * data refuses rather than guess.
   */
  private async bootImage(inst: Instance, imageRef = inst.image_ref): Promise<ImageMeta> {
    const image = imageRef ? await this.options.images.show(imageRef) : undefined;
    if (!image) return { id: imageRef, name: imageRef, size: 0, disk_format: '', properties: inst.image_properties };
    return { ...imageMeta(image), properties: inst.image_properties };
  }

  /** One instance against the hypervisor's view (Nova's _sync_instance_power_state); idle instances only. */
  private async syncInstancePowerState(inst: Instance): Promise<void> {
    if (inst.task_state !== null || inst.vm_state === VmState.BUILDING || inst.vm_state === VmState.ERROR) return;
    const info = await this.driver.getInfo(inst.uuid);
    // Only if nothing moved since the read: an action that ran meanwhile knows better.
    const expect = { task_state: [null], vm_state: [inst.vm_state] };
    try {
      if (!info) {
        await this.db.updateInstance(inst.uuid, { vm_state: VmState.ERROR, power_state: PowerState.NOSTATE }, expect);
        await this.db.addFault(inst.uuid, 500, 'Instance is missing from the hypervisor', 'sync_power_states', this.host);
      } else if (inst.vm_state === VmState.ACTIVE && (info.power_state === PowerState.SHUTDOWN || info.power_state === PowerState.CRASHED)) {
        await this.db.updateInstance(inst.uuid, { vm_state: VmState.STOPPED, power_state: info.power_state }, expect);
      } else if (info.power_state !== inst.power_state) {
        await this.db.updateInstance(inst.uuid, { power_state: info.power_state }, expect);
      }
    } catch { /* an action started meanwhile: its own end state wins */ }
  }

  /** A lifecycle event from the driver (Nova's handle_lifecycle_event): re-read that guest now rather than at the next periodic sync. */
  private async handleLifecycleEvent(uuid: string): Promise<void> {
    const inst = await this.db.getInstance(uuid);
    if (!inst || inst.host !== this.host) return;
    await this.syncInstancePowerState(inst);
  }

  /**
   * Nova's _sync_power_states: the hypervisor is the truth for power state;
   * a guest found off while the DB says active ends STOPPED; a guest the
   * hypervisor lost ends in ERROR. Guests of deleted instances are removed.
   */
  async syncPowerStates(): Promise<void> {
    const known = new Map((await this.driver.listInstances()).map((g) => [g.uuid, g]));
    for (const inst of await this.db.listInstances({ host: this.host })) {
      known.delete(inst.uuid);
      await this.syncInstancePowerState(inst);
    }
    for (const guest of known.values()) {
      const inst = await this.db.getInstance(guest.uuid, true);
      const inFlight = inst && !inst.deleted && (inst.host === this.host || inst.resize_source_host === this.host || inst.vm_state === VmState.BUILDING);
      if (!inFlight) {
        this.log.warn({ instance: guest.uuid }, 'removing a guest with no live instance on this host');
        await this.driver.destroy({ uuid: guest.uuid } as Instance).catch(() => {});
      }
    }
  }
}
