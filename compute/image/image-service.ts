/**
 * How compute sees images: look one up for a boot, register a snapshot.
 * `LocalImageService` keeps records in the compute DB; the image service of
 * the object store (Glance v2 API, next issue) implements the same
 * interface over HTTP.
 */
import { randomUUID } from 'node:crypto';
import type { ComputeDb, SqlValue } from '../db/index.js';
import { novaTime } from '../model.js';

export type ImageStatus = 'queued' | 'saving' | 'active' | 'killed' | 'deleted';

export interface ImageRecord {
  id: string;
  name: string;
  status: ImageStatus;
  disk_format: string;
  container_format: string;
  size: number;
  min_ram: number;
  min_disk: number;
  visibility: string;
  owner: string | null;
  properties: Record<string, string>;
  created_at: string;
  updated_at: string | null;
  /** md5 hex of the data, once uploaded (image service only). */
  checksum?: string | null;
  /** `sha512` once uploaded (Glance's multihash). */
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
}

/** Who asks the image service, as the compute API learned it (the token is the user's own). */
export interface ImageCaller {
  token: string;
  projectId: string;
  isAdmin: boolean;
}

export interface ImageService {
  show(id: string): Promise<ImageRecord | undefined>;
  list(): Promise<ImageRecord[]>;
  create(image: { name: string; owner?: string; properties?: Record<string, string>; min_ram?: number; min_disk?: number }): Promise<ImageRecord>;
  update(id: string, values: Partial<Pick<ImageRecord, 'status' | 'size' | 'properties'>>): Promise<ImageRecord>;
  delete(id: string): Promise<boolean>;
  /**
   * The same images as `caller` may see them (Glance's visibility rules:
   * public, its own, shared with it, community; listed: not community),
   * what the compute API uses for a user's request. The service's own view
   * (compute's credentials) stays for the compute host's work.
   */
  forUser(caller: ImageCaller): ImageService;
}

type Row = Record<string, unknown>;
const toImage = (r: Row): ImageRecord => ({ ...(r as unknown as ImageRecord), properties: JSON.parse(r.properties as string) });

/**
 * The local registry (no image service configured). It has no members, so a
 * `shared` image is its owner's only; snapshots are private to their owner.
 */
export class LocalImageService implements ImageService {
  constructor(private readonly db: ComputeDb, private readonly caller?: ImageCaller) {}

  forUser(caller: ImageCaller): ImageService {
    return new LocalImageService(this.db, caller);
  }

  private visible(image: ImageRecord, listing: boolean): boolean {
    const c = this.caller;
    if (!c || c.isAdmin || image.owner === c.projectId || image.visibility === 'public') return true;
    return image.visibility === 'community' && !listing;
  }

  async show(id: string): Promise<ImageRecord | undefined> {
    const r = await this.db.sql.get(`SELECT * FROM images WHERE id = ? AND status != 'deleted'`, [id]);
    const image = r && toImage(r);
    return image && this.visible(image, false) ? image : undefined;
  }

  async list(): Promise<ImageRecord[]> {
    return (await this.db.sql.all(`SELECT * FROM images WHERE status != 'deleted' ORDER BY created_at, id`)).map(toImage).filter((i) => this.visible(i, true));
  }

  async create(image: { name: string; owner?: string; properties?: Record<string, string>; min_ram?: number; min_disk?: number }): Promise<ImageRecord> {
    const id = randomUUID();
    const owner = this.caller && !this.caller.isAdmin ? this.caller.projectId : image.owner ?? null;
    await this.db.sql.run(`INSERT INTO images (id, name, status, owner, visibility, properties, min_ram, min_disk, created_at) VALUES (?, ?, 'queued', ?, 'private', ?, ?, ?, ?)`,
      [id, image.name, owner, JSON.stringify(image.properties ?? {}), image.min_ram ?? 0, image.min_disk ?? 0, novaTime()]);
    return (await this.show(id))!;
  }

  async update(id: string, values: Partial<Pick<ImageRecord, 'status' | 'size' | 'properties'>>): Promise<ImageRecord> {
    const row: Record<string, SqlValue> = { updated_at: novaTime() };
    if (values.status !== undefined) row.status = values.status;
    if (values.size !== undefined) row.size = values.size;
    if (values.properties) row.properties = JSON.stringify(values.properties);
    const cols = Object.keys(row);
    await this.db.sql.run(`UPDATE images SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`, [...Object.values(row), id]);
    return (await this.show(id))!;
  }

  async delete(id: string): Promise<boolean> {
    const image = await this.show(id);
    if (!image || (this.caller && !this.caller.isAdmin && image.owner !== this.caller.projectId)) return false;
    return (await this.db.sql.run(`UPDATE images SET status = 'deleted', updated_at = ? WHERE id = ? AND status != 'deleted'`, [novaTime(), id])).changes === 1;
  }
}
