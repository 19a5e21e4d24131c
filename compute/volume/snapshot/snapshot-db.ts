/**
 * `SnapshotStore` over the compute DB's SQLite file (table `snapshots`,
 * migration 7). Async like the volume store, so a PostgreSQL one fits.
 */
import type Database from 'better-sqlite3';
import { novaTime } from '../../model.js';
import { selectWhere, updateWhereStatus } from '../sqlite-rows.js';
import { SnapshotNotFoundError, SnapshotStateError } from './snapshot-errors.js';
import type { NewSnapshot, Snapshot, SnapshotFilters, SnapshotStatus, SnapshotStore } from './snapshot-types.js';

type Row = Record<string, unknown>;
const toSnapshot = (r: Row): Snapshot => ({ ...(r as unknown as Snapshot), metadata: JSON.parse((r.metadata as string | null) ?? '{}') });

export class SqliteSnapshotStore implements SnapshotStore {
  constructor(private readonly db: Database.Database) {}

  private getSync(id: string): Snapshot | undefined {
    const r = this.db.prepare('SELECT * FROM snapshots WHERE id = ?').get(id) as Row | undefined;
    return r && toSnapshot(r);
  }

  async create(s: NewSnapshot): Promise<Snapshot> {
    this.db.prepare(`INSERT INTO snapshots (id, volume_id, project_id, user_id, name, description, status, progress, volume_size, metadata, created_at)
      VALUES (?, ?, ?, ?, ?, ?, 'creating', '0%', ?, ?, ?)`).run(
      s.id, s.volume_id, s.project_id, s.user_id, s.name, s.description, s.volume_size, JSON.stringify(s.metadata ?? {}), novaTime());
    return this.getSync(s.id)!;
  }

  async get(id: string): Promise<Snapshot | undefined> {
    return this.getSync(id);
  }

  async list(f: SnapshotFilters = {}): Promise<Snapshot[]> {
    return selectWhere(this.db, 'snapshots', { project_id: f.projectId, volume_id: f.volumeId, status: f.status, name: f.name }).map(toSnapshot);
  }

  async update(id: string, values: Partial<Omit<Snapshot, 'id' | 'created_at'>>, expected?: readonly SnapshotStatus[]): Promise<Snapshot> {
    return updateWhereStatus(this.db, 'snapshots', id, values, expected, {
      get: (i) => this.getSync(i),
      encode: (c, v) => (c === 'metadata' ? JSON.stringify(v) : v),
      missing: () => new SnapshotNotFoundError(id),
      wrongState: (st) => new SnapshotStateError(`Invalid snapshot: Snapshot ${id} status must be ${expected!.join(' or ')}, not ${st}.`),
    });
  }

  async destroy(id: string): Promise<void> {
    this.db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
  }
}
