/**
 * Attaching volumes to servers (Nova's compute/api.py attach_volume and
 * detach_volume, with Cinder's reserve → initialize_connection → attach
 * steps): the volume is reserved with a compare-and-swap (available →
 * attaching, so two servers can't take one volume: 409), its host says how
 * to reach it (its file when the server runs on the volume host, else an
 * NBD export it starts for the server's host), the server's host attaches
 * it (a call: the answer comes once the disk is there), and the volume is
 * `in-use`. Any failure gives the volume back (available) and stops the
 * export; so does a detach (Cinder's terminate_connection).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../common/index.js';
import { InstanceInvalidStateError } from '../errors.js';
import { VmState, type Instance } from '../model.js';
import type { ComputeApi } from '../rpcapi.js';
import {
  VolumeNotFoundError, VolumeStateError, VolumeStatus, type VolumeApiService, type VolumeAttachment, type VolumeContext, type VolumeRpcApi,
} from '../volume/index.js';

/** vm states a server takes an attach or detach in (Nova: ACTIVE, PAUSED, STOPPED; no task running). */
const ATTACHABLE: readonly string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED];
const DEVICES = 'bcdefghijklmnopqrstuvwxyz'.split('').map((c) => `/dev/vd${c}`);

export interface VolumeAttachOptions {
  volumes: VolumeApiService;
  rpc: VolumeRpcApi;
  compute: ComputeApi;
  logger: Logger;
  /** How long the server's host may take to attach or detach (a hot-unplug waits for the guest). */
  timeoutMs?: number;
}

export class VolumeAttachService {
  constructor(private readonly o: VolumeAttachOptions) {}

  private checkServer(inst: Instance, method: 'attach_volume' | 'detach_volume'): string {
    if (!ATTACHABLE.includes(inst.vm_state)) throw new InstanceInvalidStateError(`Cannot '${method}' instance ${inst.uuid} while it is in vm_state ${inst.vm_state}`);
    if (inst.task_state !== null) throw new InstanceInvalidStateError(`Cannot '${method}' instance ${inst.uuid} while it is in task_state ${inst.task_state}`);
    if (!inst.host) throw new InstanceInvalidStateError(`Instance ${inst.uuid} has no host.`);
    return inst.host;
  }

  list(inst: Instance): Promise<VolumeAttachment[]> {
    return this.o.volumes.store.attachments({ instanceUuid: inst.uuid });
  }

  async attach(ctx: VolumeContext, inst: Instance, volumeId: string, device?: string): Promise<VolumeAttachment> {
    const host = this.checkServer(inst, 'attach_volume');
    const volume = await this.o.volumes.get(ctx, volumeId);
    if (volume.status !== VolumeStatus.AVAILABLE) {
      throw new VolumeStateError(`Invalid volume: volume ${volumeId} status must be available, but current status is: ${volume.status}`);
    }
    if (!volume.host) throw new VolumeStateError(`Invalid volume: volume ${volumeId} has no host`);
    const used = new Set((await this.list(inst)).map((a) => a.device));
    if (device !== undefined && (!DEVICES.includes(device) || used.has(device))) {
      throw new VolumeStateError(`The supplied device path (${device}) is ${used.has(device) ? 'in use' : 'invalid'}.`, used.has(device) ? 409 : 400);
    }
    const dev = device ?? DEVICES.find((d) => !used.has(d));
    if (!dev) throw new VolumeStateError(`No free disk device names for prefix 'vd'`, 400);
    const attachment = await this.o.volumes.store.reserveAttachment({ id: randomUUID(), volume_id: volumeId, instance_uuid: inst.uuid, device: dev, host });
    const volumeHost = volume.host;
    let connected = false;
    try {
      const conn = await this.o.rpc.initializeConnection(ctx, volumeHost, volumeId, { host });
      connected = true;
      await this.o.compute.call(ctx, host, 'attach_volume', inst.uuid, { device: dev, connection_info: conn }, this.o.timeoutMs);
      await this.o.volumes.store.update(volumeId, { status: VolumeStatus.IN_USE }, [VolumeStatus.ATTACHING]);
    } catch (err) {
      this.o.logger.warn({ instance: inst.uuid, volume: volumeId, err: (err as Error).message }, 'volume attach failed; the volume is released');
      if (connected) await this.terminate(ctx, volumeHost, volumeId, host);
      await this.o.volumes.store.removeAttachment(attachment.id);
      throw err;
    }
    return attachment;
  }

  async detach(ctx: VolumeContext, inst: Instance, volumeId: string): Promise<void> {
    const attachment = (await this.list(inst)).find((a) => a.volume_id === volumeId);
    if (!attachment) throw new VolumeNotFoundError(volumeId);
    if (attachment.boot_index === 0) throw new VolumeStateError("Can't detach root device volume", 400);
    const host = this.checkServer(inst, 'detach_volume');
    await this.o.volumes.store.update(volumeId, { status: VolumeStatus.DETACHING }, [VolumeStatus.IN_USE]);
    try {
      await this.o.compute.call(ctx, host, 'detach_volume', inst.uuid, { device: attachment.device, volume_id: volumeId }, this.o.timeoutMs);
    } catch (err) {
      await this.o.volumes.store.update(volumeId, { status: VolumeStatus.IN_USE }, [VolumeStatus.DETACHING]).catch(() => {});
      throw err;
    }
    const volume = await this.o.volumes.store.get(volumeId);
    if (volume?.host) await this.terminate(ctx, volume.host, volumeId, host);
    await this.o.volumes.store.removeAttachment(attachment.id);
  }

  /**
   * Stop what the volume host exported for `computeHost`. The guest has let
   * go (or never held it), so a volume host that can't be told does not keep
   * the volume from being given back: logged as an error, and the export it
   * left is the one the next attach to that host gets back.
   */
  private async terminate(ctx: VolumeContext, volumeHost: string, volumeId: string, computeHost: string): Promise<void> {
    if (volumeHost === computeHost) return; // its own file: nothing was exported
    await this.o.rpc.terminateConnection(ctx, volumeHost, volumeId, { host: computeHost })
      .catch((err: Error) => this.o.logger.error({ volume: volumeId, host: volumeHost, err: err.message }, 'could not stop the volume\'s export'));
  }
}
