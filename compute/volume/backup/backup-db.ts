/**
 * `BackupStore` over the compute DB (either engine) (table `backups`,
 * migration 7). 
 */
import type { SqlExecutor } from '../../db/index.js';
import { novaTime } from '../../model.js';
import { selectWhere, updateWhereStatus } from '../sqlite-rows.js';
import { BackupNotFoundError, BackupStateError } from './backup-errors.js';
import type { Backup, BackupFilters, BackupStatus, BackupStore, NewBackup } from './backup-types.js';

type Row = Record<string, unknown>;
const toBackup = ({ rowid: _, ...r }: Row): Backup => ({ ...(r as unknown as Backup), is_incremental: r.is_incremental === 1 });

export class SqlBackupStore implements BackupStore {
  constructor(private readonly db: SqlExecutor) {}

  private static async getIn(db: SqlExecutor, id: string) {
    const r = await db.get('SELECT * FROM backups WHERE id = ?', [id]);
    return r && toBackup(r);
  }

  async create(b: NewBackup): Promise<Backup> {
    await this.db.run(`INSERT INTO backups (id, project_id, user_id, volume_id, snapshot_id, host, name, description, status, container, size,
      parent_id, is_incremental, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'creating', ?, ?, ?, ?, ?)`, [
      b.id, b.project_id, b.user_id, b.volume_id, b.snapshot_id ?? null, b.host, b.name, b.description, b.container, b.size,
      b.parent_id, b.parent_id ? 1 : 0, novaTime()]);
    return (await this.get(b.id))!;
  }

  async get(id: string): Promise<Backup | undefined> {
    return SqlBackupStore.getIn(this.db, id);
  }

  async list(f: BackupFilters = {}): Promise<Backup[]> {
    return (await selectWhere(this.db, 'backups', { project_id: f.projectId, volume_id: f.volumeId, status: f.status, name: f.name, parent_id: f.parentId })).map(toBackup);
  }

  async update(id: string, values: Partial<Omit<Backup, 'id' | 'created_at'>>, expected?: readonly BackupStatus[]): Promise<Backup> {
    return updateWhereStatus(this.db, 'backups', id, values, expected, {
      get: (tx, i) => SqlBackupStore.getIn(tx, i),
      encode: (c, v) => (c === 'is_incremental' ? (v ? 1 : 0) : v),
      missing: () => new BackupNotFoundError(id),
      wrongState: (st) => new BackupStateError(`Invalid backup: Backup status must be ${expected!.join(' or ')}, not ${st}.`),
    });
  }

  async destroy(id: string): Promise<void> {
    await this.db.run('DELETE FROM backups WHERE id = ?', [id]);
  }

  async dependents(id: string): Promise<number> {
    return (await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM backups WHERE parent_id = ?', [id]))!.n;
  }
}
