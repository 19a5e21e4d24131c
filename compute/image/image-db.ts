/**
 * The image service's records (Glance's `images` table, with properties and
 * tags as JSON): one SQLite file of its own. Status changes that race
 * (two uploads, an upload and a delete) are compare-and-set updates.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { novaTime } from '../model.js';
import type { ImageRecord, ImageStatus } from './image-service.js';

/** A stored image: ImageRecord plus Glance's fields compute doesn't need. */
export interface GlanceImage extends ImageRecord {
  protected: boolean;
  tags: string[];
  os_hidden: boolean;
}

export interface ImageFilter {
  /** The asking project; undefined = an admin, who sees all. */
  project?: string;
  name?: string;
  status?: string;
  /** A visibility, or `all` (everything the project may see, community images too). */
  visibility?: string;
  /** With `visibility = shared`: the caller's membership status to list (`accepted` by default; `all`). */
  memberStatus?: string;
  owner?: string;
  limit: number;
  marker?: string;
}

export type MemberStatus = 'pending' | 'accepted' | 'rejected';
export const MEMBER_STATUSES: readonly MemberStatus[] = ['pending', 'accepted', 'rejected'];

/** Glance's image member: a project an image is shared with, and whether it took it. */
export interface ImageMember {
  image_id: string;
  member_id: string;
  status: MemberStatus;
  created_at: string;
  updated_at: string;
}

type Row = Record<string, unknown>;

function toImage(r: Row): GlanceImage {
  return {
    id: r.id as string, name: r.name as string, status: r.status as ImageStatus,
    disk_format: r.disk_format as string, container_format: r.container_format as string,
    size: r.size as number, min_ram: r.min_ram as number, min_disk: r.min_disk as number,
    visibility: r.visibility as string, owner: r.owner as string | null,
    properties: JSON.parse(r.properties as string), created_at: r.created_at as string, updated_at: r.updated_at as string | null,
    checksum: r.checksum as string | null, os_hash_algo: r.os_hash_algo as string | null, os_hash_value: r.os_hash_value as string | null,
    protected: r.protected === 1, tags: JSON.parse(r.tags as string), os_hidden: r.os_hidden === 1,
  };
}

function toMember(r: Row): ImageMember {
  return { image_id: r.image_id as string, member_id: r.member as string, status: r.status as MemberStatus, created_at: r.created_at as string, updated_at: r.updated_at as string };
}

export class ImageDb {
  readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS images (
        id TEXT PRIMARY KEY,
        name TEXT,
        status TEXT NOT NULL,
        disk_format TEXT,
        container_format TEXT,
        size INTEGER,
        checksum TEXT,
        os_hash_algo TEXT,
        os_hash_value TEXT,
        min_ram INTEGER NOT NULL DEFAULT 0,
        min_disk INTEGER NOT NULL DEFAULT 0,
        visibility TEXT NOT NULL DEFAULT 'shared',
        owner TEXT,
        protected INTEGER NOT NULL DEFAULT 0,
        os_hidden INTEGER NOT NULL DEFAULT 0,
        tags TEXT NOT NULL DEFAULT '[]',
        properties TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT,
        deleted INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS images_list ON images (deleted, created_at, id);
      CREATE TABLE IF NOT EXISTS image_members (
        image_id TEXT NOT NULL,
        member TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (image_id, member)
      );
      CREATE INDEX IF NOT EXISTS image_members_member ON image_members (member, status);
    `);
  }

  create(image: Partial<GlanceImage> & { id?: string }): GlanceImage {
    const id = image.id ?? randomUUID();
    const now = novaTime();
    this.db.prepare(`INSERT INTO images (id, name, status, disk_format, container_format, min_ram, min_disk, visibility, owner, protected, os_hidden, tags, properties, created_at, updated_at)
      VALUES (@id, @name, 'queued', @disk_format, @container_format, @min_ram, @min_disk, @visibility, @owner, @protected, @os_hidden, @tags, @properties, @now, @now)`).run({
      id, name: image.name ?? null, disk_format: image.disk_format ?? null, container_format: image.container_format ?? null,
      min_ram: image.min_ram ?? 0, min_disk: image.min_disk ?? 0, visibility: image.visibility ?? 'shared', owner: image.owner ?? null,
      protected: image.protected ? 1 : 0, os_hidden: image.os_hidden ? 1 : 0, tags: JSON.stringify(image.tags ?? []),
      properties: JSON.stringify(image.properties ?? {}), now,
    });
    return this.get(id)!;
  }

  get(id: string): GlanceImage | undefined {
    const r = this.db.prepare(`SELECT * FROM images WHERE id = ? AND deleted = 0`).get(id) as Row | undefined;
    return r && toImage(r);
  }

  exists(id: string): boolean {
    return this.db.prepare(`SELECT 1 FROM images WHERE id = ?`).get(id) !== undefined;
  }

  /**
   * Glance's list, newest first like Glance's default sort. A project sees
   * its own images, public ones and shared ones it accepted; community
   * images only when it asks for them (`visibility=community` or `all`);
   * `visibility=shared` lists its memberships of `memberStatus`
   * (accepted by default, or `all`) and the shared images it owns. Admins
   * see all.
   */
  list(f: ImageFilter): GlanceImage[] {
    const where = ['deleted = 0'];
    const args: Record<string, unknown> = { limit: f.limit };
    const memberOf = (status: string) => status === 'all'
      ? `id IN (SELECT image_id FROM image_members WHERE member = @project)`
      : `id IN (SELECT image_id FROM image_members WHERE member = @project AND status = @memberStatus)`;
    if (f.project !== undefined) {
      args.project = f.project;
      args.memberStatus = f.memberStatus ?? 'accepted';
      const shared = `(visibility = 'shared' AND ${memberOf(args.memberStatus as string)})`;
      if (f.visibility === 'community') where.push(`visibility = 'community'`);
      else if (f.visibility === 'shared') where.push(`(owner = @project OR ${shared})`);
      else if (f.visibility === 'all') where.push(`(owner = @project OR visibility IN ('public', 'community') OR ${shared})`);
      else where.push(`(owner = @project OR visibility = 'public' OR ${shared})`);
    }
    if (f.visibility !== undefined && f.visibility !== 'all') {
      where.push('visibility = @visibility');
      args.visibility = f.visibility;
    }
    for (const k of ['name', 'status', 'owner'] as const) {
      if (f[k] !== undefined) {
        where.push(`${k} = @${k}`);
        args[k] = f[k];
      }
    }
    if (f.visibility === undefined) where.push('os_hidden = 0');
    if (f.marker !== undefined) {
      const m = this.db.prepare(`SELECT created_at, id FROM images WHERE id = ?`).get(f.marker) as Row | undefined;
      if (!m) throw Object.assign(new Error(`marker ${f.marker} not found`), { code: 'MARKER' });
      where.push(`(created_at < @mc OR (created_at = @mc AND id < @mid))`);
      args.mc = m.created_at;
      args.mid = m.id;
    }
    const sql = `SELECT * FROM images WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(args) as Row[]).map(toImage);
  }

  /** Set fields; `fromStatus` makes it a compare-and-set on the status. False when nothing matched. */
  update(id: string, values: Partial<Omit<GlanceImage, 'id'>>, fromStatus?: ImageStatus[]): boolean {
    const row: Record<string, unknown> = { updated_at: novaTime() };
    for (const [k, v] of Object.entries(values)) {
      if (k === 'properties' || k === 'tags') row[k] = JSON.stringify(v);
      else if (typeof v === 'boolean') row[k] = v ? 1 : 0;
      else row[k] = v;
    }
    const cols = Object.keys(row);
    let sql = `UPDATE images SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @__id AND deleted = 0`;
    if (fromStatus) sql += ` AND status IN (${fromStatus.map((s) => `'${s}'`).join(', ')})`;
    return this.db.prepare(sql).run({ ...row, __id: id }).changes === 1;
  }

  /** The project's membership of an image, if any. */
  member(imageId: string, member: string): ImageMember | undefined {
    const r = this.db.prepare(`SELECT * FROM image_members WHERE image_id = ? AND member = ?`).get(imageId, member) as Row | undefined;
    return r && toMember(r);
  }

  members(imageId: string): ImageMember[] {
    return (this.db.prepare(`SELECT * FROM image_members WHERE image_id = ? ORDER BY created_at, member`).all(imageId) as Row[]).map(toMember);
  }

  /** Add a pending member; false when the project is a member already. */
  addMember(imageId: string, member: string): boolean {
    const now = novaTime();
    return this.db.prepare(`INSERT OR IGNORE INTO image_members (image_id, member, status, created_at, updated_at) VALUES (?, ?, 'pending', ?, ?)`)
      .run(imageId, member, now, now).changes === 1;
  }

  setMemberStatus(imageId: string, member: string, status: MemberStatus): boolean {
    return this.db.prepare(`UPDATE image_members SET status = ?, updated_at = ? WHERE image_id = ? AND member = ?`).run(status, novaTime(), imageId, member).changes === 1;
  }

  removeMember(imageId: string, member: string): boolean {
    return this.db.prepare(`DELETE FROM image_members WHERE image_id = ? AND member = ?`).run(imageId, member).changes === 1;
  }

  /** Soft delete, as Glance: the id is never reused. */
  markDeleted(id: string): boolean {
    return this.db.prepare(`UPDATE images SET deleted = 1, status = 'deleted', updated_at = ? WHERE id = ? AND deleted = 0`).run(novaTime(), id).changes === 1;
  }

  close(): void {
    this.db.close();
  }
}
