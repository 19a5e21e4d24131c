/**
 * `SnapshotStore` over the compute DB (either engine) (table `snapshots`,
 * migration 7). 
 */
import type { SqlExecutor } from '../../db/index.js';
import { novaTime } from '../../model.js';
import { selectWhere, updateWhereStatus } from '../sqlite-rows.js';
import { SnapshotNotFoundError, SnapshotStateError } from './snapshot-errors.js';
import type { NewSnapshot, Snapshot, SnapshotFilters, SnapshotStatus, SnapshotStore } from './snapshot-types.js';

type Row = Record<string, unknown>;
const toSnapshot = ({ rowid: _, ...r }: Row): Snapshot => ({ ...(r as unknown as Snapshot), metadata: JSON.parse((r.metadata as string | null) ?? '{}') });

export class SqlSnapshotStore implements SnapshotStore {
  constructor(private readonly db: SqlExecutor) {}

  private static async getIn(db: SqlExecutor, id: string) {
    const r = await db.get('SELECT * FROM snapshots WHERE id = ?', [id]);
    return r && toSnapshot(r);
  }

  async create(s: NewSnapshot): Promise<Snapshot> {
    await this.db.run(`INSERT INTO snapshots (id, volume_id, project_id, user_id, name, description, status, progress, volume_size, metadata, created_at)
      VALUES (?, ?, ?, ?, ?, ?, 'creating', '0%', ?, ?, ?)`, [
      s.id, s.volume_id, s.project_id, s.user_id, s.name, s.description, s.volume_size, JSON.stringify(s.metadata ?? {}), novaTime()]);
    return (await this.get(s.id))!;
  }

  async get(id: string): Promise<Snapshot | undefined> {
    return SqlSnapshotStore.getIn(this.db, id);
  }

  async list(f: SnapshotFilters = {}): Promise<Snapshot[]> {
    return (await selectWhere(this.db, 'snapshots', { project_id: f.projectId, volume_id: f.volumeId, status: f.status, name: f.name })).map(toSnapshot);
  }

  async update(id: string, values: Partial<Omit<Snapshot, 'id' | 'created_at'>>, expected?: readonly SnapshotStatus[]): Promise<Snapshot> {
    return updateWhereStatus(this.db, 'snapshots', id, values, expected, {
      get: (tx, i) => SqlSnapshotStore.getIn(tx, i),
      encode: (c, v) => (c === 'metadata' ? JSON.stringify(v) : v),
      missing: () => new SnapshotNotFoundError(id),
      wrongState: (st) => new SnapshotStateError(`Invalid snapshot: Snapshot ${id} status must be ${expected!.join(' or ')}, not ${st}.`),
    });
  }

  async destroy(id: string): Promise<void> {
    await this.db.run('DELETE FROM snapshots WHERE id = ?', [id]);
  }
}
