/**
 * Glance v2's bodies: an image is its core attributes with its extra
 * properties flattened beside them; JSON-patch (RFC 6902 subset Glance
 * takes: add/replace/remove of `/attribute`) changes both.
 */
import type { GlanceImage } from './image-db.js';
import { CONTAINER_FORMATS, DISK_FORMATS, VISIBILITIES, httpError } from './glance-service.js';

/** Attributes the server owns: a create or patch naming them is refused (403). */
export const READ_ONLY = ['id', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size', 'created_at', 'updated_at', 'self', 'file', 'schema', 'direct_url', 'locations'];
const CORE = ['owner', 'name', 'disk_format', 'container_format', 'visibility', 'min_ram', 'min_disk', 'protected', 'tags', 'os_hidden'];

export function imageView(i: GlanceImage): Record<string, unknown> {
  return {
    ...i.properties,
    id: i.id, name: i.name, status: i.status, visibility: i.visibility, protected: i.protected, os_hidden: i.os_hidden,
    checksum: i.checksum ?? null, os_hash_algo: i.os_hash_algo ?? null, os_hash_value: i.os_hash_value ?? null,
    owner: i.owner, size: i.status === 'active' ? i.size : i.size || null, min_ram: i.min_ram, min_disk: i.min_disk,
    disk_format: i.disk_format, container_format: i.container_format, virtual_size: null, tags: i.tags,
    created_at: i.created_at, updated_at: i.updated_at ?? i.created_at,
    self: `/v2/images/${i.id}`, file: `/v2/images/${i.id}/file`, schema: '/v2/schemas/image',
  };
}

/** Validate and split one attribute into core fields / properties. */
function setAttribute(target: Partial<GlanceImage> & { properties: Record<string, string> }, key: string, value: unknown): void {
  if (READ_ONLY.includes(key)) throw httpError(403, `Attribute '${key}' is read-only.`);
  switch (key) {
    case 'name':
      if (value !== null && (typeof value !== 'string' || value.length > 255)) throw httpError(400, 'Invalid value for name');
      target.name = value as string;
      return;
    case 'disk_format':
      if (value !== null && !DISK_FORMATS.includes(value as string)) throw httpError(400, `Invalid disk format '${String(value)}' for image.`);
      target.disk_format = value as string;
      return;
    case 'container_format':
      if (value !== null && !CONTAINER_FORMATS.includes(value as string)) throw httpError(400, `Invalid container format '${String(value)}' for image.`);
      target.container_format = value as string;
      return;
    case 'visibility':
      if (!VISIBILITIES.includes(value as string)) throw httpError(400, `Invalid visibility value: ${String(value)}`);
      target.visibility = value as string;
      return;
    case 'min_ram':
    case 'min_disk':
      if (!Number.isInteger(value) || (value as number) < 0) throw httpError(400, `Invalid value for ${key}: must be a non-negative integer`);
      target[key] = value as number;
      return;
    case 'protected':
    case 'os_hidden':
      if (typeof value !== 'boolean') throw httpError(400, `Invalid value for ${key}: must be a boolean`);
      target[key] = value;
      return;
    case 'owner':
      if (value !== null && typeof value !== 'string') throw httpError(400, 'Invalid value for owner');
      target.owner = value as string | null;
      return;
    case 'tags':
      if (!Array.isArray(value) || value.some((t) => typeof t !== 'string')) throw httpError(400, 'tags must be a list of strings');
      target.tags = [...new Set(value as string[])];
      return;
    default:
      if (typeof value !== 'string') throw httpError(400, `Property ${key} must be a string`);
      if (key.length > 255 || value.length > 65535) throw httpError(400, `Property ${key} is too long`);
      target.properties[key] = value;
  }
}

/** A create body → the record's fields. */
export function createFields(body: Record<string, unknown>): Partial<GlanceImage> & { properties: Record<string, string>; id?: string } {
  const out: Partial<GlanceImage> & { properties: Record<string, string>; id?: string } = { properties: {} };
  for (const [k, v] of Object.entries(body)) {
    if (k === 'id') {
      if (typeof v !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) throw httpError(400, 'id must be a UUID');
      out.id = v.toLowerCase();
      continue;
    }
    setAttribute(out, k, v);
  }
  return out;
}

export interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

/**
 * Apply Glance's JSON-patch to an image, returning the fields to store.
 * `allowStatus`: a swiftly extension for admins (drivers with no data to
 * upload, e.g. the fake driver's snapshots): `replace /status` and `/size`.
 */
export function applyPatch(image: GlanceImage, ops: unknown, allowStatus: boolean): Partial<GlanceImage> {
  if (!Array.isArray(ops)) throw httpError(400, 'Request body must be a JSON array of operation objects.');
  const next = { name: image.name, disk_format: image.disk_format, container_format: image.container_format, visibility: image.visibility,
    min_ram: image.min_ram, min_disk: image.min_disk, protected: image.protected, os_hidden: image.os_hidden, tags: [...image.tags],
    owner: image.owner, properties: { ...image.properties } } as Partial<GlanceImage> & { properties: Record<string, string> };
  for (const raw of ops as PatchOp[]) {
    if (typeof raw !== 'object' || raw === null || typeof raw.path !== 'string' || !['add', 'replace', 'remove'].includes(raw.op)) {
      throw httpError(400, 'Operation objects must have "op" (add, replace or remove) and "path".');
    }
    const key = raw.path.replace(/^\//, '').replace(/~1/g, '/').replace(/~0/g, '~');
    if (!key || key.includes('/')) throw httpError(400, `Invalid JSON pointer for this resource: '${raw.path}'`);
    if (key === 'status' && allowStatus && raw.op === 'replace') {
      if (!['queued', 'saving', 'active', 'killed'].includes(raw.value as string)) throw httpError(400, `Invalid status ${String(raw.value)}`);
      next.status = raw.value as GlanceImage['status'];
      continue;
    }
    if (key === 'size' && allowStatus && raw.op === 'replace') {
      if (!Number.isInteger(raw.value) || (raw.value as number) < 0) throw httpError(400, 'Invalid size');
      next.size = raw.value as number;
      continue;
    }
    if ((key === 'disk_format' || key === 'container_format') && image.status !== 'queued') throw httpError(403, `Attribute '${key}' can be only replaced for a queued image.`);
    if (raw.op === 'remove') {
      if (READ_ONLY.includes(key) || CORE.includes(key)) throw httpError(403, `Attribute '${key}' is read-only or cannot be removed.`);
      if (!(key in next.properties)) throw httpError(409, `Property ${key} does not exist.`);
      delete next.properties[key];
      continue;
    }
    if (!('value' in raw)) throw httpError(400, `Operation "${raw.op}" requires a member named "value".`);
    if (raw.op === 'replace' && !CORE.includes(key) && !READ_ONLY.includes(key) && !(key in next.properties)) throw httpError(409, `Property ${key} does not exist.`);
    setAttribute(next, key, raw.value);
  }
  return next;
}
