/**
 * `VolumeStore` over the compute DB's SQLite file (tables `volumes` and
 * `volume_attachments`, migration 6). better-sqlite3 is synchronous; the
 * methods are async so callers are written for a PostgreSQL store too.
 * Status changes are compare-and-swaps in one immediate transaction.
 */
import type Database from 'better-sqlite3';
import { novaTime } from '../model.js';
import { VolumeNotFoundError, VolumeStateError } from './errors.js';
import {
  VolumeStatus, type NewVolume, type Volume, type VolumeAttachment, type VolumeFilters, type VolumeStore,
} from './types.js';

type Row = Record<string, unknown>;

function toVolume(r: Row): Volume {
  return { ...(r as unknown as Volume), bootable: r.bootable === 1, metadata: JSON.parse((r.metadata as string | null) ?? '{}') };
}

export class SqliteVolumeStore implements VolumeStore {
  constructor(private readonly db: Database.Database) {}

  private getSync(id: string): Volume | undefined {
    const r = this.db.prepare(`SELECT * FROM volumes WHERE id = ?`).get(id) as Row | undefined;
    return r && toVolume(r);
  }

  async create(v: NewVolume): Promise<Volume> {
    this.db.prepare(`INSERT INTO volumes (id, project_id, user_id, name, description, size, status, host, format, image_id, snapshot_id, bootable, metadata, created_at)
      VALUES (?, ?, ?, ?, ?, ?, 'creating', ?, ?, ?, ?, ?, ?, ?)`).run(
      v.id, v.project_id, v.user_id, v.name, v.description, v.size, v.host ?? null, v.format, v.image_id ?? null, v.snapshot_id ?? null,
      v.bootable ? 1 : 0, JSON.stringify(v.metadata ?? {}), novaTime());
    return this.getSync(v.id)!;
  }

  async get(id: string): Promise<Volume | undefined> {
    return this.getSync(id);
  }

  async list(f: VolumeFilters = {}): Promise<Volume[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.projectId) { where.push('project_id = ?'); params.push(f.projectId); }
    if (f.status) { where.push('status = ?'); params.push(f.status); }
    if (f.name) { where.push('name = ?'); params.push(f.name); }
    if (f.host) { where.push('host = ?'); params.push(f.host); }
    const rows = this.db.prepare(`SELECT * FROM volumes ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id`).all(...params) as Row[];
    return rows.map(toVolume);
  }

  async update(id: string, values: Partial<Omit<Volume, 'id' | 'created_at'>>, expected?: readonly VolumeStatus[]): Promise<Volume> {
    return this.db.transaction(() => {
      const cur = this.getSync(id);
      if (!cur) throw new VolumeNotFoundError(id);
      if (expected && !expected.includes(cur.status)) {
        throw new VolumeStateError(`Invalid volume: Volume ${id} status must be ${expected.join(' or ')}, but current status is: ${cur.status}.`);
      }
      const row: Record<string, unknown> = { ...values, updated_at: novaTime() };
      if ('bootable' in row) row.bootable = row.bootable ? 1 : 0;
      if ('metadata' in row) row.metadata = JSON.stringify(row.metadata ?? {});
      const cols = Object.keys(row);
      this.db.prepare(`UPDATE volumes SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @__id`).run({ ...row, __id: id });
      return this.getSync(id)!;
    }).immediate();
  }

  async destroy(id: string): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM volume_attachments WHERE volume_id = ?`).run(id);
      this.db.prepare(`DELETE FROM volumes WHERE id = ?`).run(id);
    }).immediate();
  }

  async reserveAttachment(a: Omit<VolumeAttachment, 'attached_at'>): Promise<VolumeAttachment> {
    return this.db.transaction(() => {
      const cur = this.getSync(a.volume_id);
      if (!cur) throw new VolumeNotFoundError(a.volume_id);
      if (cur.status !== VolumeStatus.AVAILABLE) {
        throw new VolumeStateError(`Invalid volume: volume ${a.volume_id} status must be available, but current status is: ${cur.status}`);
      }
      const now = novaTime();
      this.db.prepare(`UPDATE volumes SET status = 'attaching', updated_at = ? WHERE id = ?`).run(now, a.volume_id);
      try {
        this.db.prepare(`INSERT INTO volume_attachments (id, volume_id, instance_uuid, device, host, attached_at) VALUES (?, ?, ?, ?, ?, ?)`)
          .run(a.id, a.volume_id, a.instance_uuid, a.device, a.host, now);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new VolumeStateError(`Device ${a.device} of server ${a.instance_uuid} is already in use.`);
        throw err;
      }
      return { ...a, attached_at: now };
    }).immediate();
  }

  async attachments(filter: { volumeId?: string; instanceUuid?: string }): Promise<VolumeAttachment[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.volumeId) { where.push('volume_id = ?'); params.push(filter.volumeId); }
    if (filter.instanceUuid) { where.push('instance_uuid = ?'); params.push(filter.instanceUuid); }
    return this.db.prepare(`SELECT * FROM volume_attachments ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY device, id`).all(...params) as VolumeAttachment[];
  }

  async removeAttachment(id: string): Promise<void> {
    this.db.transaction(() => {
      const a = this.db.prepare(`SELECT volume_id FROM volume_attachments WHERE id = ?`).get(id) as { volume_id: string } | undefined;
      if (!a) return;
      this.db.prepare(`DELETE FROM volume_attachments WHERE id = ?`).run(id);
      const left = this.db.prepare(`SELECT COUNT(*) AS n FROM volume_attachments WHERE volume_id = ?`).get(a.volume_id) as { n: number };
      if (left.n === 0) this.db.prepare(`UPDATE volumes SET status = 'available', updated_at = ? WHERE id = ?`).run(novaTime(), a.volume_id);
    }).immediate();
  }
}
