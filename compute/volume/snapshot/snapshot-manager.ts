/**
 * The volume host's side of snapshots: `create_snapshot` and
 * `delete_snapshot` on topic `volume.<host>` (served by the volume
 * manager's endpoint). Each starts only from the status the API set, so a
 * redelivered message is a no-op.
 */
import type { Logger } from '../../../common/index.js';
import type { RequestContext, RpcMethod } from '../../rpc/index.js';
import type { VolumeStore } from '../types.js';
import type { FileSnapshots } from './file-snapshots.js';
import { SnapshotNotFoundError } from './snapshot-errors.js';
import { SnapshotStatus, type SnapshotStore } from './snapshot-types.js';

export interface SnapshotManagerOptions {
  volumes: VolumeStore;
  snapshots: SnapshotStore;
  files: FileSnapshots;
  logger: Logger;
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
      await this.o.files.create(v, s.id);
      await this.o.snapshots.update(s.id, { status: SnapshotStatus.AVAILABLE, progress: '100%' }, [SnapshotStatus.CREATING]);
    } catch (err) {
      this.log.error({ requestId: ctx.requestId, snapshot: s.id, err: (err as Error).message }, 'snapshot create failed');
      await this.o.snapshots.update(s.id, { status: SnapshotStatus.ERROR }).catch(() => {});
    }
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
