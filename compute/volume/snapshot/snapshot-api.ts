/**
 * The snapshot API's business layer (Cinder's volume/api.py snapshot
 * calls): checks the volume and snapshot states, records the new status
 * with a compare-and-swap, casts the work to the volume's host. A project
 * sees only its own snapshots (an admin sees all).
 */
import { randomUUID } from 'node:crypto';
import { RpcClient, type RequestContext, type Transport } from '../../rpc/index.js';
import { VolumeNotFoundError } from '../errors.js';
import { VolumeStatus, type Volume, type VolumeStore } from '../types.js';
import { VOLUME_RPC_VERSION, VOLUME_TOPIC } from '../volume-rpcapi.js';
import { SnapshotNotFoundError, SnapshotStateError } from './snapshot-errors.js';
import { SnapshotStatus, type Snapshot, type SnapshotStore } from './snapshot-types.js';

/** Who asks (the volume API's context fits). */
export interface VolumeCaller extends RequestContext {
  principal: { projectId: string; userId: string; isAdmin: boolean };
}

export interface CreateSnapshotRequest {
  volumeId: string;
  name?: string | null;
  description?: string | null;
  force?: boolean;
  metadata?: Record<string, string>;
}

export class SnapshotApiService {
  private readonly rpc: RpcClient;

  constructor(readonly volumes: VolumeStore, readonly snapshots: SnapshotStore, transport: Transport) {
    this.rpc = new RpcClient(transport, { topic: VOLUME_TOPIC, version: VOLUME_RPC_VERSION });
  }

  private visible(ctx: VolumeCaller, projectId: string): boolean {
    return projectId === ctx.principal.projectId || ctx.principal.isAdmin;
  }

  async volume(ctx: VolumeCaller, id: string): Promise<Volume> {
    const v = await this.volumes.get(id);
    if (!v || !this.visible(ctx, v.project_id)) throw new VolumeNotFoundError(id);
    return v;
  }

  async get(ctx: VolumeCaller, id: string): Promise<Snapshot> {
    const s = await this.snapshots.get(id);
    if (!s || !this.visible(ctx, s.project_id)) throw new SnapshotNotFoundError(id);
    return s;
  }

  list(ctx: VolumeCaller, f: { allTenants?: boolean; volumeId?: string; status?: string; name?: string } = {}): Promise<Snapshot[]> {
    const projectId = f.allTenants && ctx.principal.isAdmin ? undefined : ctx.principal.projectId;
    return this.snapshots.list({ projectId, volumeId: f.volumeId, status: f.status, name: f.name });
  }

  async create(ctx: VolumeCaller, req: CreateSnapshotRequest): Promise<Snapshot> {
    const v = await this.volume(ctx, req.volumeId);
    // Cinder takes an in-use volume's snapshot only with force=true (crash-consistent): a running guest's hypervisor
    // copies it (its qemu holds the file's lock), else qemu-img on the volume host (snapshot-manager.ts).
    if (v.status === VolumeStatus.IN_USE && !req.force) {
      throw new SnapshotStateError(`Invalid volume: Volume ${v.id} status must be available, but current status is: in-use.`);
    }
    if (v.status !== VolumeStatus.AVAILABLE && v.status !== VolumeStatus.IN_USE) throw new SnapshotStateError(`Invalid volume: Volume ${v.id} status must be available, but current status is: ${v.status}.`);
    if (!v.host) throw new SnapshotStateError(`Invalid volume: Volume ${v.id} has no host.`);
    const s = await this.snapshots.create({
      id: randomUUID(), volume_id: v.id, project_id: v.project_id, user_id: ctx.principal.userId,
      name: req.name ?? null, description: req.description ?? null, volume_size: v.size, metadata: req.metadata,
    });
    await this.rpc.cast(ctx, 'create_snapshot', { snapshot_id: s.id }, { server: v.host });
    return s;
  }

  async delete(ctx: VolumeCaller, id: string): Promise<void> {
    const s = await this.get(ctx, id);
    const v = await this.volumes.get(s.volume_id);
    await this.snapshots.update(s.id, { status: SnapshotStatus.DELETING }, [SnapshotStatus.AVAILABLE, SnapshotStatus.ERROR]);
    if (!v?.host) {
      await this.snapshots.destroy(s.id);
      return;
    }
    await this.rpc.cast(ctx, 'delete_snapshot', { snapshot_id: s.id }, { server: v.host });
  }

  async update(ctx: VolumeCaller, id: string, values: { name?: string | null; description?: string | null }): Promise<Snapshot> {
    await this.get(ctx, id);
    const set: Partial<Snapshot> = {};
    if (values.name !== undefined) set.name = values.name;
    if (values.description !== undefined) set.description = values.description;
    return this.snapshots.update(id, set);
  }

  /** What a new volume needs of its source snapshot (the volume API's SnapshotDirectory). */
  async directoryGet(ctx: VolumeCaller, id: string): Promise<{ size: number; status: string; host: string | null } | undefined> {
    const s = await this.snapshots.get(id);
    if (!s || !this.visible(ctx, s.project_id)) return undefined;
    const v = await this.volumes.get(s.volume_id);
    return { size: s.volume_size, status: s.status, host: v?.host ?? null };
  }

  /** Snapshots a volume still has (Cinder refuses to delete a volume with any). */
  async countFor(volumeId: string): Promise<number> {
    return (await this.snapshots.list({ volumeId })).length;
  }
}
