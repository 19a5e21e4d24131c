/**
 * `BackupStore` over the compute DB's SQLite file (table `backups`,
 * migration 7). Async like the volume store, so a PostgreSQL one fits.
 */
import type Database from 'better-sqlite3';
import { novaTime } from '../../model.js';
import { selectWhere, updateWhereStatus } from '../sqlite-rows.js';
import { BackupNotFoundError, BackupStateError } from './backup-errors.js';
import type { Backup, BackupFilters, BackupStatus, BackupStore, NewBackup } from './backup-types.js';

type Row = Record<string, unknown>;
const toBackup = (r: Row): Backup => ({ ...(r as unknown as Backup), is_incremental: r.is_incremental === 1 });

export class SqliteBackupStore implements BackupStore {
  constructor(private readonly db: Database.Database) {}

  private getSync(id: string): Backup | undefined {
    const r = this.db.prepare('SELECT * FROM backups WHERE id = ?').get(id) as Row | undefined;
    return r && toBackup(r);
  }

  async create(b: NewBackup): Promise<Backup> {
    this.db.prepare(`INSERT INTO backups (id, project_id, user_id, volume_id, snapshot_id, host, name, description, status, container, size,
      parent_id, is_incremental, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'creating', ?, ?, ?, ?, ?)`).run(
      b.id, b.project_id, b.user_id, b.volume_id, b.snapshot_id ?? null, b.host, b.name, b.description, b.container, b.size,
      b.parent_id, b.parent_id ? 1 : 0, novaTime());
    return this.getSync(b.id)!;
  }

  async get(id: string): Promise<Backup | undefined> {
    return this.getSync(id);
  }

  async list(f: BackupFilters = {}): Promise<Backup[]> {
    return selectWhere(this.db, 'backups', { project_id: f.projectId, volume_id: f.volumeId, status: f.status, name: f.name, parent_id: f.parentId }).map(toBackup);
  }

  async update(id: string, values: Partial<Omit<Backup, 'id' | 'created_at'>>, expected?: readonly BackupStatus[]): Promise<Backup> {
    return updateWhereStatus(this.db, 'backups', id, values, expected, {
      get: (i) => this.getSync(i),
      encode: (c, v) => (c === 'is_incremental' ? (v ? 1 : 0) : v),
      missing: () => new BackupNotFoundError(id),
      wrongState: (st) => new BackupStateError(`Invalid backup: Backup status must be ${expected!.join(' or ')}, not ${st}.`),
    });
  }

  async destroy(id: string): Promise<void> {
    this.db.prepare('DELETE FROM backups WHERE id = ?').run(id);
  }

  async dependents(id: string): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM backups WHERE parent_id = ?').get(id) as { n: number }).n;
  }
}
