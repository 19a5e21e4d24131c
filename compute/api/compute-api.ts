/**
 * The API's business layer (Nova's nova/compute/api.py API): checks the
 * request against the state machine, records the new task state with a
 * compare-and-swap, then casts the work over the bus. Throws typed errors;
 * the HTTP routes turn them into Nova's fault bodies.
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, SwiftlyError, type Logger } from '../../common/index.js';
import { NotFoundError, type ComputeDb } from '../db/index.js';
import { InstanceInvalidStateError } from '../errors.js';
import type { ImageRecord, ImageService } from '../image/index.js';
import type { NetworkService, RequestedNetworks, SecurityGroup } from '../network/index.js';
import { PowerState, TaskState, VmState, type Flavor, type Instance } from '../model.js';
import type { RequestContext } from '../rpc/index.js';
import type { ComputeApi, ConductorApi } from '../rpcapi.js';
import { serviceIsUp } from '../service/index.js';
import type { Principal } from './auth.js';
import { checkInstanceState, type ActionName } from './state-machine.js';
import type { BootVolumeRequest } from './block-device-params.js';
import type { BootVolumes } from './boot-volume-api.js';

export interface ComputeApiOptions {
  db: ComputeDb;
  images: ImageService;
  network: NetworkService;
  conductor: ConductorApi;
  compute: ComputeApi;
  logger: Logger;
  serviceDownTimeMs?: number;
  /** How long `os-getConsoleOutput` waits for the compute host. */
  consoleTimeoutMs?: number;
  /** Boot from volume, and volumes deleted with their server (absent: no volume service). */
  bootVolumes?: BootVolumes;
}

/** Who asks, with the request id every message of this request carries. */
export interface ApiContext extends RequestContext {
  principal: Principal;
  /** The image service as this caller may see it (Glance's visibility rules, the caller's own token). Never sent over the bus. */
  images: ImageService;
}

export interface CreateServerRequest {
  name: string;
  /** The image to boot; '' or absent when `bootVolume` is given. */
  imageRef?: string;
  /** Boot from this volume (block_device_mapping_v2 with boot_index 0). */
  bootVolume?: BootVolumeRequest;
  flavorRef: string;
  metadata?: Record<string, string>;
  availability_zone?: string;
  key_name?: string;
  /** Attach a config drive (ISO9660, label config-2) to the guest. */
  config_drive?: boolean;
  /** base64, as the API took it. */
  user_data?: string;
  /** `networks`: absent = every network the project may use. */
  networks?: RequestedNetworks;
  /** Names of the project's security groups; absent = `default`. */
  security_groups?: string[];
}

export class ComputeApiService {
  constructor(private readonly o: ComputeApiOptions) {}

  private get db(): ComputeDb {
    return this.o.db;
  }

  /** An instance the caller may see (its project's, or any for an admin). */
  async getInstance(ctx: ApiContext, uuid: string): Promise<Instance> {
    const inst = await this.db.getInstance(uuid);
    if (!inst || (inst.project_id !== ctx.principal.projectId && !ctx.principal.isAdmin)) {
      throw new NotFoundError(`Instance ${uuid} could not be found.`);
    }
    return inst;
  }

  async getFlavor(flavorRef: string): Promise<Flavor> {
    const id = flavorRef.replace(/^.*\/flavors\//, '');
    const f = await this.db.getFlavor(id);
    if (!f) throw new NotFoundError(`Flavor ${id} could not be found.`);
    return f;
  }

  /** An active image the caller may use: asked as the caller, so another project's private image is not found. */
  private async activeImage(ctx: ApiContext, imageRef: string): Promise<ImageRecord> {
    const id = imageRef.replace(/^.*\/images\//, '');
    const image = await ctx.images.show(id);
    if (!image) throw new InvalidArgumentError('Can not find requested image');
    if (image.status !== 'active') throw new InvalidArgumentError(`Image ${id} is not active.`);
    return image;
  }

  async createServer(ctx: ApiContext, req: CreateServerRequest): Promise<{ instance: Instance; adminPass: string }> {
    let flavor: Flavor;
    try {
      flavor = await this.getFlavor(req.flavorRef);
    } catch {
      throw new InvalidArgumentError(`Flavor ${req.flavorRef} could not be found.`);
    }
    if (flavor.disabled) throw new InvalidArgumentError(`Flavor ${flavor.flavorid} is disabled.`);
    // A volume-backed server has no image of its own (Nova: image_ref ''), only the properties of the one its volume holds.
    let boot: { imageRef: string; properties: Record<string, string> };
    if (req.bootVolume) {
      if (!this.o.bootVolumes) throw new InvalidArgumentError('Block Device Mapping is Invalid: this cloud has no volume service.');
      const { properties, minRam } = await this.o.bootVolumes.check(ctx, req.bootVolume);
      if (minRam > flavor.memory_mb) throw new InvalidArgumentError("Flavor's memory is too small for requested image.");
      boot = { imageRef: '', properties };
    } else {
      if (!req.imageRef) throw new InvalidArgumentError('Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
      const image = await this.activeImage(ctx, req.imageRef);
      if (image.min_ram > flavor.memory_mb) throw new InvalidArgumentError("Flavor's memory is too small for requested image.");
      if (image.min_disk > flavor.root_gb && flavor.root_gb !== 0) throw new InvalidArgumentError("Flavor's disk is too small for requested image.");
      boot = { imageRef: image.id, properties: image.properties };
    }
    if (req.availability_zone) {
      const zones = new Set((await this.db.listServices('swiftly-compute')).map((s) => s.availability_zone));
      if (!zones.has(req.availability_zone)) throw new InvalidArgumentError('The requested availability zone is not available');
    }
    const net = this.o.network;
    if (req.key_name !== undefined && !await net.keypairs.get(ctx.principal.userId, req.key_name)) throw new InvalidArgumentError('Invalid key_name provided.');
    if (req.networks !== undefined) await net.validateRequested(ctx.principal.projectId, req.networks);
    const groups: SecurityGroup[] = [];
    for (const name of new Set(req.security_groups ?? ['default'])) {
      const g = name === 'default' ? await net.groups.ensureDefault(ctx.principal.projectId) : await net.groups.getByName(ctx.principal.projectId, name);
      if (!g) throw new InvalidArgumentError(`Security group ${name} not found for project ${ctx.principal.projectId}.`);
      groups.push(g);
    }
    const uuid = randomUUID();
    const instance = await this.db.createInstance({
      uuid, display_name: req.name, project_id: ctx.principal.projectId, user_id: ctx.principal.userId,
      image_ref: boot.imageRef, image_properties: boot.properties, flavor, host: null, node: null,
      availability_zone: req.availability_zone ?? null, vm_state: VmState.BUILDING, task_state: TaskState.SCHEDULING,
      power_state: PowerState.NOSTATE, metadata: req.metadata ?? {}, key_name: req.key_name ?? null,
      config_drive: req.config_drive ?? false, user_data: req.user_data ?? null,
      requested_networks: req.networks ?? null,
    });
    for (const g of groups) await net.groups.addInstance(g.id, uuid);
    if (req.bootVolume) {
      try {
        await this.o.bootVolumes!.record(ctx, uuid, req.bootVolume);
      } catch (err) {
        await this.db.destroyInstance(uuid);
        throw err;
      }
    }
    await this.db.startAction({ uuid, action: 'create', requestId: ctx.requestId, userId: ctx.principal.userId, projectId: ctx.principal.projectId });
    try {
      await this.o.conductor.buildInstances(ctx, uuid);
    } catch (err) {
      // The client is told the create failed: the half-made instance must not show up later.
      await this.bootVolumes(ctx, await this.db.destroyInstance(uuid));
      throw err;
    }
    return { instance, adminPass: randomUUID().replace(/-/g, '').slice(0, 12) };
  }

  /** Volumes a deleted server left `deleting` (delete_on_termination) are deleted on their hosts. */
  private async bootVolumes(ctx: ApiContext, doomed: string[]): Promise<void> {
    if (doomed.length) await this.o.bootVolumes?.deleteTerminated(ctx, doomed);
  }

  private async hostIsUp(host: string): Promise<boolean> {
    const svc = await this.db.getService('swiftly-compute', host);
    return !!svc && serviceIsUp(svc.last_seen_up, this.o.serviceDownTimeMs ?? 60_000);
  }

  /** Nova's delete: local when no compute holds the instance (never scheduled, or its host is down), else cast. */
  async deleteServer(ctx: ApiContext, uuid: string): Promise<void> {
    const inst = await this.getInstance(ctx, uuid);
    if (inst.task_state === TaskState.DELETING) return;
    await this.db.startAction({ uuid, action: 'delete', requestId: ctx.requestId, userId: ctx.principal.userId, projectId: ctx.principal.projectId });
    if (!inst.host || !await this.hostIsUp(inst.host)) {
      await this.bootVolumes(ctx, await this.db.destroyInstance(uuid));
      await this.db.finishAction(uuid, ctx.requestId, 'Success', inst.host ? `host ${inst.host} is down: deleted locally` : null);
      return;
    }
    const prev = inst.task_state;
    await this.db.updateInstance(uuid, { task_state: TaskState.DELETING }, { task_state: [prev] });
    try {
      await this.o.compute.cast(ctx, inst.host, 'terminate_instance', uuid);
    } catch (err) {
      await this.db.updateInstance(uuid, { task_state: prev }, { task_state: [TaskState.DELETING] });
      throw err;
    }
  }

  /**
   * Check the state, set the task state (compare-and-swap against the state
   * just checked, so two racing actions can't both pass), cast to the host.
   */
  private async startAction(
    ctx: ApiContext, uuid: string, action: ActionName, method: string, args: Record<string, unknown> = {},
    extra: Partial<Instance> = {}, novaAction: string = action,
  ): Promise<Instance> {
    const inst = await this.getInstance(ctx, uuid);
    const rule = checkInstanceState(inst, action);
    if (!inst.host) throw new InstanceInvalidStateError(`Instance ${uuid} has no host.`);
    let updated: Instance;
    try {
      updated = await this.db.updateInstance(uuid, { task_state: rule.taskState as TaskState, ...extra }, { vm_state: [inst.vm_state], task_state: [inst.task_state] });
    } catch (err) {
      throw new InstanceInvalidStateError(`Cannot '${novaAction}' instance ${uuid} while it is in task_state ${(await this.db.getInstance(uuid))?.task_state ?? 'deleted'}`);
    }
    await this.db.startAction({ uuid, action: novaAction, requestId: ctx.requestId, userId: ctx.principal.userId, projectId: ctx.principal.projectId });
    try {
      await this.o.compute.cast(ctx, inst.host, method, uuid, args);
    } catch (err) {
      await this.db.updateInstance(uuid, { task_state: inst.task_state }, { task_state: [rule.taskState] });
      await this.db.finishAction(uuid, ctx.requestId, 'Error', (err as Error).message);
      throw err;
    }
    return updated;
  }

  async reboot(ctx: ApiContext, uuid: string, type: 'SOFT' | 'HARD'): Promise<Instance> {
    return await this.startAction(ctx, uuid, type === 'HARD' ? 'reboot_hard' : 'reboot_soft', 'reboot_instance', { reboot_type: type }, {}, 'reboot');
  }

  async rebuild(ctx: ApiContext, uuid: string, imageRef: string, name?: string): Promise<Instance> {
    if ((await this.getInstance(ctx, uuid)).image_ref === '') throw new InvalidArgumentError('Unable to rebuild with a different image for a volume-backed server.');
    const image = await this.activeImage(ctx, imageRef);
    return await this.startAction(ctx, uuid, 'rebuild', 'rebuild_instance', { image_ref: image.id }, name ? { display_name: name } : {});
  }

  async resize(ctx: ApiContext, uuid: string, flavorRef: string): Promise<void> {
    const inst = await this.getInstance(ctx, uuid);
    let flavor: Flavor;
    try {
      flavor = await this.getFlavor(flavorRef);
    } catch {
      throw new InvalidArgumentError(`Flavor ${flavorRef} could not be found.`);
    }
    if (flavor.flavorid === inst.flavor.flavorid) throw new InvalidArgumentError('When resizing, instances must change flavor!');
    const rule = checkInstanceState(inst, 'resize');
    try {
      await this.db.updateInstance(uuid, { task_state: rule.taskState as TaskState }, { vm_state: [inst.vm_state], task_state: [null] });
    } catch {
      throw new InstanceInvalidStateError(`Cannot 'resize' instance ${uuid} while it is in task_state ${(await this.db.getInstance(uuid))?.task_state}`);
    }
    await this.db.startAction({ uuid, action: 'resize', requestId: ctx.requestId, userId: ctx.principal.userId, projectId: ctx.principal.projectId });
    try {
      await this.o.conductor.migrateServer(ctx, uuid, flavor);
    } catch (err) {
      await this.db.updateInstance(uuid, { task_state: null }, { task_state: [rule.taskState] });
      throw err;
    }
  }

  async confirmResize(ctx: ApiContext, uuid: string): Promise<Instance> {
    return await this.startAction(ctx, uuid, 'confirmResize', 'confirm_resize');
  }

  async revertResize(ctx: ApiContext, uuid: string): Promise<Instance> {
    return await this.startAction(ctx, uuid, 'revertResize', 'revert_resize');
  }

  async createImage(ctx: ApiContext, uuid: string, name: string, metadata: Record<string, string> = {}): Promise<ImageRecord> {
    const inst = await this.getInstance(ctx, uuid);
    checkInstanceState(inst, 'createImage');
    if (inst.image_ref === '') throw new InvalidArgumentError('createImage of a volume-backed server is not supported here: snapshot its volume instead (POST /v3/{project_id}/snapshots with force).');
    // Created as the caller: the snapshot is its project's, private.
    const image = await ctx.images.create({
      name, owner: ctx.principal.projectId, min_ram: 0, min_disk: inst.flavor.root_gb,
      properties: { ...inst.image_properties, ...metadata, instance_uuid: uuid, image_type: 'snapshot', base_image_ref: inst.image_ref },
    });
    try {
      await this.startAction(ctx, uuid, 'createImage', 'snapshot_instance', { image_id: image.id });
    } catch (err) {
      await ctx.images.delete(image.id);
      throw err;
    }
    return image;
  }

  async simpleAction(ctx: ApiContext, uuid: string, action: 'start' | 'stop' | 'pause' | 'unpause' | 'suspend' | 'resume'): Promise<Instance> {
    const method = { start: 'start_instance', stop: 'stop_instance', pause: 'pause_instance', unpause: 'unpause_instance', suspend: 'suspend_instance', resume: 'resume_instance' }[action];
    return await this.startAction(ctx, uuid, action, method);
  }

  async consoleOutput(ctx: ApiContext, uuid: string, length?: number): Promise<string> {
    const inst = await this.getInstance(ctx, uuid);
    const ok = [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED, VmState.RESIZED] as string[];
    if (!inst.host || !ok.includes(inst.vm_state)) {
      throw new InstanceInvalidStateError(`Cannot 'get_console_output' instance ${uuid} while it is in vm_state ${inst.vm_state}`);
    }
    try {
      return await this.o.compute.call<string>(ctx, inst.host, 'get_console_output', uuid, length !== undefined ? { length } : {}, this.o.consoleTimeoutMs ?? 10_000);
    } catch (err) {
      if (err instanceof SwiftlyError && err.status === 404) throw new InstanceInvalidStateError(`Instance ${uuid} is not ready`);
      throw err;
    }
  }
}
