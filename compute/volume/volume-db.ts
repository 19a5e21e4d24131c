/**
 * `VolumeStore` over the compute DB (tables `volumes` and
 * `volume_attachments`, migration 6), on either engine (SqlExecutor: SQLite
 * or PostgreSQL). Status changes are compare-and-swaps in one transaction.
 */
import { isUniqueViolation, type SqlExecutor, type SqlValue } from '../db/index.js';
import { novaTime } from '../model.js';
import { VolumeNotFoundError, VolumeStateError } from './errors.js';
import {
  VolumeStatus, type NewAttachment, type NewVolume, type Volume, type VolumeAttachment, type VolumeFilters, type VolumeStore,
} from './types.js';

type Row = Record<string, unknown>;

function toVolume(r: Row): Volume {
  const { rowid: _, ...rest } = r; // PostgreSQL's explicit rowid
  return { ...(rest as unknown as Volume), bootable: r.bootable === 1, metadata: JSON.parse((r.metadata as string | null) ?? '{}') };
}

export class SqlVolumeStore implements VolumeStore {
  constructor(private readonly sql: SqlExecutor) {}

  async create(v: NewVolume): Promise<Volume> {
    await this.sql.run(`INSERT INTO volumes (id, project_id, user_id, name, description, size, status, host, format, image_id, snapshot_id, bootable, metadata, created_at)
      VALUES (?, ?, ?, ?, ?, ?, 'creating', ?, ?, ?, ?, ?, ?, ?)`, [
      v.id, v.project_id, v.user_id, v.name, v.description, v.size, v.host ?? null, v.format, v.image_id ?? null, v.snapshot_id ?? null,
      v.bootable ? 1 : 0, JSON.stringify(v.metadata ?? {}), novaTime()]);
    return (await this.get(v.id))!;
  }

  async get(id: string): Promise<Volume | undefined> {
    const r = await this.sql.get(`SELECT * FROM volumes WHERE id = ?`, [id]);
    return r && toVolume(r);
  }

  async list(f: VolumeFilters = {}): Promise<Volume[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (f.projectId) { where.push('project_id = ?'); params.push(f.projectId); }
    if (f.status) { where.push('status = ?'); params.push(f.status); }
    if (f.name) { where.push('name = ?'); params.push(f.name); }
    if (f.host) { where.push('host = ?'); params.push(f.host); }
    const rows = await this.sql.all(`SELECT * FROM volumes ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id`, params);
    return rows.map(toVolume);
  }

  async update(id: string, values: Partial<Omit<Volume, 'id' | 'created_at'>>, expected?: readonly VolumeStatus[]): Promise<Volume> {
    return this.sql.transaction(async (tx) => {
      const store = new SqlVolumeStore(tx);
      const cur = await store.get(id);
      if (!cur) throw new VolumeNotFoundError(id);
      if (expected && !expected.includes(cur.status)) {
        throw new VolumeStateError(`Invalid volume: Volume ${id} status must be ${expected.join(' or ')}, but current status is: ${cur.status}.`);
      }
      const row: Record<string, unknown> = { ...values, updated_at: novaTime() };
      if ('bootable' in row) row.bootable = row.bootable ? 1 : 0;
      if ('metadata' in row) row.metadata = JSON.stringify(row.metadata ?? {});
      for (const [k, v] of Object.entries(row)) if (v === undefined) row[k] = null;
      const cols = Object.keys(row);
      await tx.run(`UPDATE volumes SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`, [...Object.values(row) as SqlValue[], id]);
      return (await store.get(id))!;
    });
  }

  async destroy(id: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.run(`DELETE FROM volume_attachments WHERE volume_id = ?`, [id]);
      await tx.run(`DELETE FROM volumes WHERE id = ?`, [id]);
    });
  }

  async reserveAttachment(a: NewAttachment, opts: { whileCreating?: boolean } = {}): Promise<VolumeAttachment> {
    return this.sql.transaction(async (tx) => {
      const cur = await new SqlVolumeStore(tx).get(a.volume_id);
      if (!cur) throw new VolumeNotFoundError(a.volume_id);
      const creating = opts.whileCreating && cur.status === VolumeStatus.CREATING;
      if (cur.status !== VolumeStatus.AVAILABLE && !creating) {
        throw new VolumeStateError(`Invalid volume: volume ${a.volume_id} status must be available, but current status is: ${cur.status}`);
      }
      const now = novaTime();
      if (!creating) await tx.run(`UPDATE volumes SET status = 'attaching', updated_at = ? WHERE id = ?`, [now, a.volume_id]);
      const row = { ...a, boot_index: a.boot_index ?? null, delete_on_termination: a.delete_on_termination ?? false, attached_at: now };
      try {
        await tx.run(`INSERT INTO volume_attachments (id, volume_id, instance_uuid, device, host, attached_at, boot_index, delete_on_termination) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [row.id, row.volume_id, row.instance_uuid, row.device, row.host, now, row.boot_index, row.delete_on_termination ? 1 : 0]);
      } catch (err) {
        if (isUniqueViolation(err)) throw new VolumeStateError(`Device ${a.device} of server ${a.instance_uuid} is already in use.`);
        throw err;
      }
      return row;
    });
  }

  async claimAttachment(id: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const a = await tx.get<{ volume_id: string }>(`SELECT volume_id FROM volume_attachments WHERE id = ?`, [id]);
      if (!a) throw new VolumeStateError(`Attachment ${id} is gone.`);
      const others = (await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM volume_attachments WHERE volume_id = ? AND id <> ?`, [a.volume_id, id]))!;
      const cur = await new SqlVolumeStore(tx).get(a.volume_id);
      if (!cur || cur.status !== VolumeStatus.AVAILABLE || Number(others.n) > 0) {
        throw new VolumeStateError(`Invalid volume: volume ${a.volume_id} status must be available, but current status is: ${cur?.status ?? 'deleted'}`);
      }
      await tx.run(`UPDATE volumes SET status = 'attaching', updated_at = ? WHERE id = ?`, [novaTime(), a.volume_id]);
    });
  }

  async attachments(filter: { volumeId?: string; instanceUuid?: string }): Promise<VolumeAttachment[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.volumeId) { where.push('volume_id = ?'); params.push(filter.volumeId); }
    if (filter.instanceUuid) { where.push('instance_uuid = ?'); params.push(filter.instanceUuid); }
    const rows = await this.sql.all<Row>(`SELECT * FROM volume_attachments ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY device, id`, params);
    return rows.map(({ rowid: _, ...a }) => ({
      ...(a as unknown as VolumeAttachment), boot_index: a.boot_index === null || a.boot_index === undefined ? null : Number(a.boot_index),
      delete_on_termination: Number(a.delete_on_termination) === 1,
    }));
  }

  async removeAttachment(id: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const a = await tx.get<{ volume_id: string }>(`SELECT volume_id FROM volume_attachments WHERE id = ?`, [id]);
      if (!a) return;
      await tx.run(`DELETE FROM volume_attachments WHERE id = ?`, [id]);
      const left = (await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM volume_attachments WHERE volume_id = ?`, [a.volume_id]))!;
      // A volume still being made (a root volume whose server failed first) keeps its status.
      if (Number(left.n) === 0) await tx.run(`UPDATE volumes SET status = 'available', updated_at = ? WHERE id = ? AND status IN ('attaching', 'in-use', 'detaching')`, [novaTime(), a.volume_id]);
    });
  }
}
