/**
 * The volume host's side of snapshots: `create_snapshot` and
 * `delete_snapshot` on topic `volume.<host>` (served by the volume
 * manager's endpoint). Each starts only from the status the API set, so a
 * redelivered message is a no-op.
 *
 * A volume in use by a running guest on this host is copied by that
 * guest's hypervisor, through the compute host (Nova's
 * volume_snapshot_create: libvirt's push-mode backup), since its qemu holds
 * the file's write lock; any other volume is snapshotted here (file-snapshots.ts).
 */
import type { Logger } from '../../../common/index.js';
import type { RequestContext, RpcMethod } from '../../rpc/index.js';
import type { ComputeApi } from '../../rpcapi.js';
import { VolumeStatus, type Volume, type VolumeStore } from '../types.js';
import type { FileSnapshots } from './file-snapshots.js';
import { SnapshotNotFoundError } from './snapshot-errors.js';
import { SnapshotStatus, type SnapshotStore } from './snapshot-types.js';

export interface SnapshotManagerOptions {
  volumes: VolumeStore;
  snapshots: SnapshotStore;
  files: FileSnapshots;
  logger: Logger;
  /** This volume host's name. */
  host: string;
  /** Compute hosts' RPC, to have a running guest's hypervisor copy its volume; absent: always snapshotted here. */
  compute?: ComputeApi;
  /** How long a copy through a guest may take (ms). */
  guestCopyTimeoutMs?: number;
}

export class SnapshotManager {
  readonly methods: Record<string, RpcMethod>;
  private readonly log: Logger;

  constructor(private readonly o: SnapshotManagerOptions) {
    this.log = o.logger.child({ manager: 'snapshot' });
    const id = (a: Record<string, unknown>) => a.snapshot_id as string;
    this.methods = {
      create_snapshot: (c, a) => this.create(c, id(a)),
      delete_snapshot: (c, a) => this.delete(c, id(a)),
    };
  }

  private async create(ctx: RequestContext, snapshotId: string): Promise<void> {
    const s = await this.o.snapshots.get(snapshotId);
    if (!s || s.status !== SnapshotStatus.CREATING) return;
    try {
      const v = await this.o.volumes.get(s.volume_id);
      if (!v) throw new Error(`volume ${s.volume_id} is gone`);
      if (!(await this.throughGuest(ctx, v, s.id))) await this.o.files.create(v, s.id);
      await this.o.snapshots.update(s.id, { status: SnapshotStatus.AVAILABLE, progress: '100%' }, [SnapshotStatus.CREATING]);
    } catch (err) {
      this.log.error({ requestId: ctx.requestId, snapshot: s.id, err: (err as Error).message }, 'snapshot create failed');
      await this.o.snapshots.update(s.id, { status: SnapshotStatus.ERROR }).catch(() => {});
    }
  }

  /**
   * An in-use volume attached to a server on this host: that server's host copies it if the guest runs (true).
   * A server on another host reads the volume over NBD (qemu-nbd holds it): not copied that way.
   */
  private async throughGuest(ctx: RequestContext, v: Volume, snapshotId: string): Promise<boolean> {
    if (v.status !== VolumeStatus.IN_USE || !this.o.compute) return false;
    const a = (await this.o.volumes.attachments({ volumeId: v.id }))[0];
    if (!a || a.host !== this.o.host) return false;
    const target = { path: this.o.files.copyPath(v, snapshotId), format: v.format };
    return this.o.compute.volumeSnapshotCreate(ctx, a.host, a.instance_uuid, a.device, target, this.o.guestCopyTimeoutMs ?? 600_000);
  }

  private async delete(ctx: RequestContext, snapshotId: string): Promise<void> {
    const s = await this.o.snapshots.get(snapshotId);
    if (!s || s.status !== SnapshotStatus.DELETING) return;
    try {
      const v = await this.o.volumes.get(s.volume_id);
      if (v) await this.o.files.delete(v, s.id);
      await this.o.snapshots.destroy(s.id);
    } catch (err) {
      this.log.error({ requestId: ctx.requestId, snapshot: s.id, err: (err as Error).message }, 'snapshot delete failed');
      await this.o.snapshots.update(s.id, { status: SnapshotStatus.ERROR_DELETING }).catch(() => {});
    }
  }

  /** What the volume manager asks when it makes a volume from a snapshot. */
  source(): { copyTo(snapshotId: string, dest: string, destFormat: string): Promise<void> } {
    return {
      copyTo: async (snapshotId, dest, destFormat) => {
        const s = await this.o.snapshots.get(snapshotId);
        if (!s) throw new SnapshotNotFoundError(snapshotId);
        const v = await this.o.volumes.get(s.volume_id);
        if (!v) throw new Error(`volume ${s.volume_id} of snapshot ${snapshotId} is gone`);
        await this.o.files.copyTo(v, snapshotId, dest, destFormat);
      },
    };
  }
}
