/**
 * The volume host's side of backups (Cinder's backup manager, run here by
 * the volume service, which holds the files): `create_backup`,
 * `restore_backup`, `delete_backup` on topic `volume.<host>`. The object
 * store is reached over the Swift API with the user's token and storage
 * URL, which the API puts in the message (Cinder's per_user auth carries
 * the context's token the same way). Each starts only from the status the
 * API set, so a redelivered message is a no-op.
 */
import type { Logger } from '../../../common/index.js';
import { novaTime } from '../../model.js';
import { SwiftStore } from '../../image/index.js';
import type { RequestContext, RpcMethod } from '../../rpc/index.js';
import { VolumeStatus, type Volume, type VolumeBackend, type VolumeStore } from '../types.js';
import { metadataName, objectPrefix, sha256fileName, type BackupMetadata, type BackupSha256File } from './backup-format.js';
import { restoreBackup, type RestoreStep } from './backup-restorer.js';
import { BackupStatus, type Backup, type BackupStore } from './backup-types.js';
import { writeBackup, type Compression } from './backup-writer.js';
import { getJson } from './store-json.js';
import { rawZeroBlocks } from './zero-blocks.js';
import type { VolumeRawFiles } from './volume-raw.js';

/** The user's credentials for the object store, as the API sends them. */
export interface StoreAuth {
  token: string;
  storage_url: string;
}

export interface BackupConfig {
  /** `backup_swift_object_size` (bytes). */
  objectSize: number;
  /** `backup_swift_block_size` (bytes). */
  blockSize: number;
  /** `backup_compression_algorithm`: zlib or none. */
  compression: Compression;
  availabilityZone: string;
}

export interface BackupManagerOptions {
  volumes: VolumeStore;
  backend: VolumeBackend;
  backups: BackupStore;
  raw: VolumeRawFiles;
  config: BackupConfig;
  logger: Logger;
}

export class BackupManager {
  readonly methods: Record<string, RpcMethod>;
  private readonly log: Logger;

  constructor(private readonly o: BackupManagerOptions) {
    this.log = o.logger.child({ manager: 'backup' });
    const id = (a: Record<string, unknown>) => a.backup_id as string;
    const auth = (a: Record<string, unknown>) => a.store as StoreAuth;
    this.methods = {
      create_backup: (c, a) => this.create(c, id(a), auth(a)),
      restore_backup: (c, a) => this.restore(c, id(a), a.volume_id as string, auth(a)),
      delete_backup: (c, a) => this.delete(c, id(a), auth(a)),
    };
  }

  private store(auth: StoreAuth, container: string): SwiftStore {
    return new SwiftStore({ token: auth.token, storageUrl: auth.storage_url, container, segmentsContainer: null });
  }

  /** Progress in whole percent, written when it moves by 5 or more. */
  private progress(backupId: string): (done: number, total: number) => void {
    let shown = 0;
    return (done, total) => {
      const pct = Math.floor((done / Math.max(total, 1)) * 100);
      if (pct < shown + 5 || pct >= 100) return;
      shown = pct;
      this.o.backups.update(backupId, { progress: pct }).catch(() => {});
    };
  }

  private async create(ctx: RequestContext, backupId: string, auth: StoreAuth): Promise<void> {
    const b = await this.o.backups.get(backupId);
    if (!b || b.status !== BackupStatus.CREATING) return;
    const v = await this.o.volumes.get(b.volume_id);
    try {
      if (!v) throw new Error(`volume ${b.volume_id} is gone`);
      const store = this.store(auth, b.container);
      let parent: { metadata: BackupMetadata; sha256s: string[] } | undefined;
      if (b.parent_id) {
        const p = await this.o.backups.get(b.parent_id);
        if (!p?.service_metadata) throw new Error(`parent backup ${b.parent_id} is gone`);
        const ps = this.store(auth, p.container);
        const sha = await getJson<BackupSha256File>(ps, sha256fileName(p.service_metadata));
        parent = { metadata: await getJson<BackupMetadata>(ps, metadataName(p.service_metadata)), sha256s: sha.sha256s };
      }
      const prefix = objectPrefix(v.id, b.id, this.o.config.availabilityZone, new Date());
      await this.o.backups.update(b.id, { service_metadata: prefix, data_timestamp: novaTime() });
      const source = await this.o.raw.source(v, b.snapshot_id);
      const progress = this.progress(b.id);
      try {
        const r = await writeBackup(store, {
          backupId: b.id, volumeId: v.id, name: b.name, description: b.description, prefix,
          source: { path: source.path, sizeBytes: source.sizeBytes, format: v.format },
          objectSize: this.o.config.objectSize, blockSize: this.o.config.blockSize, compression: this.o.config.compression,
          parent, zeroBlocks: await rawZeroBlocks(source.path, this.o.config.blockSize), onProgress: (n) => progress(n, source.sizeBytes),
        });
        await this.o.backups.update(b.id, { status: BackupStatus.AVAILABLE, object_count: r.objectCount, progress: 100 }, [BackupStatus.CREATING]);
      } finally {
        await source.release();
      }
    } catch (err) {
      this.log.error({ requestId: ctx.requestId, backup: b.id, err: (err as Error).message }, 'backup create failed');
      await this.o.backups.update(b.id, { status: BackupStatus.ERROR, fail_reason: (err as Error).message }).catch(() => {});
    } finally {
      if (v) await this.o.volumes.update(v.id, { status: VolumeStatus.AVAILABLE }, [VolumeStatus.BACKING_UP]).catch(() => {});
    }
  }

  /** The chain from the full backup down to `b`. */
  private async chain(b: Backup, auth: StoreAuth): Promise<RestoreStep[]> {
    const steps: RestoreStep[] = [];
    for (let cur: Backup | undefined = b; cur; cur = cur.parent_id ? await this.o.backups.get(cur.parent_id) : undefined) {
      if (!cur.service_metadata) throw new Error(`backup ${cur.id} has no objects`);
      const store = this.store(auth, cur.container);
      steps.unshift({ metadata: await getJson<BackupMetadata>(store, metadataName(cur.service_metadata)), store });
      if (cur.parent_id && !(await this.o.backups.get(cur.parent_id))) throw new Error(`parent backup ${cur.parent_id} of ${cur.id} is gone`);
    }
    return steps;
  }

  private async restore(ctx: RequestContext, backupId: string, volumeId: string, auth: StoreAuth): Promise<void> {
    const b = await this.o.backups.get(backupId);
    if (!b || b.status !== BackupStatus.RESTORING) return;
    let v: Volume | undefined = await this.o.volumes.get(volumeId);
    try {
      if (!v) throw new Error(`volume ${volumeId} is gone`);
      // A new volume (restore without volume_id): its file is made here first.
      if (v.status === VolumeStatus.CREATING) {
        await this.o.backend.create(v, v.size);
        v = await this.o.volumes.update(v.id, { status: VolumeStatus.RESTORING_BACKUP }, [VolumeStatus.CREATING]);
      }
      if (v.status !== VolumeStatus.RESTORING_BACKUP) throw new Error(`volume ${v.id} is ${v.status}, not ${VolumeStatus.RESTORING_BACKUP}`);
      const chain = await this.chain(b, auth);
      const progress = this.progress(b.id);
      await this.o.raw.restoreInto(v, (raw) => restoreBackup(chain, { target: { path: raw }, zeroBlocks: rawZeroBlocks, onProgress: progress }).then(() => {}));
      await this.o.volumes.update(v.id, { status: VolumeStatus.AVAILABLE }, [VolumeStatus.RESTORING_BACKUP]);
    } catch (err) {
      this.log.error({ requestId: ctx.requestId, backup: b.id, volume: volumeId, err: (err as Error).message }, 'backup restore failed');
      if (v) await this.o.volumes.update(v.id, { status: VolumeStatus.ERROR }).catch(() => {});
    } finally {
      await this.o.backups.update(b.id, { status: BackupStatus.AVAILABLE, progress: 100 }, [BackupStatus.RESTORING]).catch(() => {});
    }
  }

  private async delete(ctx: RequestContext, backupId: string, auth: StoreAuth): Promise<void> {
    const b = await this.o.backups.get(backupId);
    if (!b || b.status !== BackupStatus.DELETING) return;
    try {
      if (b.service_metadata) {
        const store = this.store(auth, b.container);
        // The metadata object first: a half-deleted backup is then never read as whole.
        await store.delete(metadataName(b.service_metadata));
        for (const name of await store.list(b.service_metadata)) await store.delete(name);
      }
      await this.o.backups.destroy(b.id);
    } catch (err) {
      this.log.error({ requestId: ctx.requestId, backup: b.id, err: (err as Error).message }, 'backup delete failed');
      await this.o.backups.update(b.id, { status: BackupStatus.ERROR_DELETING, fail_reason: (err as Error).message }).catch(() => {});
    }
  }
}
