/**
 * The backup API's business layer (Cinder's backup/api.py): create (full
 * or incremental, of a volume or one of its snapshots), delete (refused
 * while incremental backups depend on it), restore to a new volume or onto
 * an existing available one. It checks states, records them with
 * compare-and-swaps and casts the work to the volume's host, with the
 * user's token and storage URL for the object store.
 */
import { randomUUID } from 'node:crypto';
import { RpcClient, type RequestContext, type Transport } from '../../rpc/index.js';
import { VolumeNotFoundError } from '../errors.js';
import { VolumeStatus, type Volume, type VolumeFormat, type VolumeStore } from '../types.js';
import { VOLUME_RPC_VERSION, VOLUME_TOPIC } from '../volume-rpcapi.js';
import type { SnapshotStore } from '../snapshot/snapshot-types.js';
import type { StoreAuth } from './backup-manager.js';
import { BackupNotFoundError, BackupStateError } from './backup-errors.js';
import { BackupStatus, type Backup, type BackupStore } from './backup-types.js';

/** Who asks (the volume API's context fits), with the token the store is reached with. */
export interface BackupCaller extends RequestContext {
  principal: { projectId: string; userId: string; isAdmin: boolean };
}

export interface BackupApiOptions {
  volumes: VolumeStore;
  snapshots: SnapshotStore;
  backups: BackupStore;
  transport: Transport;
  /** `backup_swift_container`. */
  container: string;
  /** `backup_swift_url`: the storage URL up to the project (`http://proxy:8080/v1/AUTH_`). */
  swiftUrl: string;
  /** The format of volumes made by a restore. */
  volumeFormat: VolumeFormat;
}

export interface CreateBackupRequest {
  volumeId: string;
  container?: string | null;
  name?: string | null;
  description?: string | null;
  incremental?: boolean;
  force?: boolean;
  snapshotId?: string | null;
}

export class BackupApiService {
  private readonly rpc: RpcClient;

  constructor(private readonly o: BackupApiOptions) {
    this.rpc = new RpcClient(o.transport, { topic: VOLUME_TOPIC, version: VOLUME_RPC_VERSION });
  }

  private visible(ctx: BackupCaller, projectId: string): boolean {
    return projectId === ctx.principal.projectId || ctx.principal.isAdmin;
  }

  private auth(ctx: BackupCaller, token: string): StoreAuth {
    return { token, storage_url: `${this.o.swiftUrl}${ctx.principal.projectId}` };
  }

  private async volume(ctx: BackupCaller, id: string): Promise<Volume> {
    const v = await this.o.volumes.get(id);
    if (!v || !this.visible(ctx, v.project_id)) throw new VolumeNotFoundError(id);
    return v;
  }

  async get(ctx: BackupCaller, id: string): Promise<Backup> {
    const b = await this.o.backups.get(id);
    if (!b || !this.visible(ctx, b.project_id)) throw new BackupNotFoundError(id);
    return b;
  }

  list(ctx: BackupCaller, f: { allTenants?: boolean; volumeId?: string; status?: string; name?: string } = {}): Promise<Backup[]> {
    const projectId = f.allTenants && ctx.principal.isAdmin ? undefined : ctx.principal.projectId;
    return this.o.backups.list({ projectId, volumeId: f.volumeId, status: f.status, name: f.name });
  }

  hasDependents(id: string): Promise<number> {
    return this.o.backups.dependents(id);
  }

  async create(ctx: BackupCaller, token: string, req: CreateBackupRequest): Promise<Backup> {
    const v = await this.volume(ctx, req.volumeId);
    if (v.status !== VolumeStatus.AVAILABLE && v.status !== VolumeStatus.IN_USE) {
      throw new BackupStateError(`Invalid volume: Volume to be backed up must be available or in-use, but the current status is "${v.status}".`);
    }
    if (v.status === VolumeStatus.IN_USE && !req.force && !req.snapshotId) {
      throw new BackupStateError('Invalid volume: Backing up an in-use volume must use the force flag.');
    }
    if (!v.host) throw new BackupStateError(`Invalid volume: Volume ${v.id} has no host.`);
    if (req.snapshotId) {
      const s = await this.o.snapshots.get(req.snapshotId);
      if (!s || s.volume_id !== v.id) throw new BackupStateError(`Invalid snapshot: Snapshot ${req.snapshotId} is not a snapshot of volume ${v.id}.`, 404);
      if (s.status !== 'available') throw new BackupStateError(`Invalid snapshot: Snapshot to be backed up must be available, but the current status is "${s.status}".`);
    }
    let parentId: string | null = null;
    if (req.incremental) {
      // Cinder: the newest available backup of the volume is the parent.
      const parent = (await this.o.backups.list({ volumeId: v.id, status: BackupStatus.AVAILABLE }))
        .sort((a, b) => (b.data_timestamp ?? b.created_at).localeCompare(a.data_timestamp ?? a.created_at))[0];
      if (!parent) throw new BackupStateError('Invalid backup: No backups available to do an incremental backup.');
      parentId = parent.id;
    }
    const b = await this.o.backups.create({
      id: randomUUID(), project_id: v.project_id, user_id: ctx.principal.userId, volume_id: v.id, snapshot_id: req.snapshotId ?? null,
      host: v.host, name: req.name ?? null, description: req.description ?? null, container: req.container || this.o.container,
      size: v.size, parent_id: parentId,
    });
    // An available volume is held while it is read; an in-use one stays in-use (read as it is, crash-consistent).
    if (v.status === VolumeStatus.AVAILABLE && !req.snapshotId) {
      try {
        await this.o.volumes.update(v.id, { status: VolumeStatus.BACKING_UP }, [VolumeStatus.AVAILABLE]);
      } catch (err) {
        await this.o.backups.destroy(b.id);
        throw err;
      }
    }
    await this.rpc.cast(ctx, 'create_backup', { backup_id: b.id, store: this.auth(ctx, token) }, { server: v.host });
    return b;
  }

  async delete(ctx: BackupCaller, token: string, id: string): Promise<void> {
    const b = await this.get(ctx, id);
    if (b.status !== BackupStatus.AVAILABLE && b.status !== BackupStatus.ERROR) {
      throw new BackupStateError('Invalid backup: Backup status must be available or error');
    }
    if (await this.o.backups.dependents(b.id)) throw new BackupStateError('Invalid backup: Incremental backups exist for this backup.');
    await this.o.backups.update(b.id, { status: BackupStatus.DELETING }, [BackupStatus.AVAILABLE, BackupStatus.ERROR]);
    if (!b.host) {
      await this.o.backups.destroy(b.id);
      return;
    }
    await this.rpc.cast(ctx, 'delete_backup', { backup_id: b.id, store: this.auth(ctx, token) }, { server: b.host });
  }

  /** Restore onto `volumeId` (available, at least the backup's size) or a new volume; resolves with the volume. */
  async restore(ctx: BackupCaller, token: string, id: string, req: { volumeId?: string | null; name?: string | null }): Promise<{ backup: Backup; volume: Volume }> {
    const b = await this.get(ctx, id);
    if (b.status !== BackupStatus.AVAILABLE) throw new BackupStateError('Invalid backup: Backup status must be available');
    let v: Volume;
    if (req.volumeId) {
      v = await this.volume(ctx, req.volumeId);
      if (v.size < b.size) throw new BackupStateError(`Invalid volume: volume size ${v.size} is too small to restore backup of size ${b.size}.`);
      if (v.host !== b.host) throw new BackupStateError(`Invalid volume: volume ${v.id} is on host ${v.host}, the backup's host is ${b.host}.`);
      v = await this.o.volumes.update(v.id, { status: VolumeStatus.RESTORING_BACKUP }, [VolumeStatus.AVAILABLE]).catch((err) => {
        throw err instanceof Error && /status/.test(err.message)
          ? new BackupStateError(`Invalid volume: Volume to be restored to must be available`) : err;
      });
    } else {
      v = await this.o.volumes.create({
        id: randomUUID(), project_id: ctx.principal.projectId, user_id: ctx.principal.userId, name: req.name ?? `restore_backup_${b.id}`,
        description: null, size: b.size, format: this.o.volumeFormat, host: b.host,
      });
    }
    try {
      await this.o.backups.update(b.id, { status: BackupStatus.RESTORING, progress: 0 }, [BackupStatus.AVAILABLE]);
    } catch (err) {
      if (req.volumeId) await this.o.volumes.update(v.id, { status: VolumeStatus.AVAILABLE }).catch(() => {});
      else await this.o.volumes.destroy(v.id);
      throw err;
    }
    await this.rpc.cast(ctx, 'restore_backup', { backup_id: b.id, volume_id: v.id, store: this.auth(ctx, token) }, { server: b.host! });
    return { backup: b, volume: v };
  }
}
