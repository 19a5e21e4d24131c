/**
 * Parsing and checking the body of a manifest PUT (Swift's
 * `parse_and_validate_input`): a JSON list of `{path, etag?, size_bytes?,
 * range?}` or `{data}` (base64) entries. Every entry's problems are
 * collected, one line each, for one 400.
 */
import { parseRange, rangesForLength, type RangeSpec } from '../../../common/index.js';

export interface PathSegmentInput {
  path: string;
  etag?: string | null;
  size_bytes?: number | null;
  /** The range as given and, once parsed, its one spec. */
  range?: string;
  rangeSpec?: RangeSpec;
}

export interface DataSegmentInput {
  /** Base64, padding normalised. */
  data: string;
}

export type SegmentInput = PathSegmentInput | DataSegmentInput;

export class ManifestInputError extends Error {
  constructor(readonly body: string, readonly plain = false) {
    super(body);
  }
}

/** Strict base64 (Swift's strict_b64decode): the alphabet only, padding optional. */
export function strictB64decode(value: unknown): Buffer | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return undefined;
  const bare = v.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  return Buffer.from(bare, 'base64');
}

function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v);
  return undefined;
}

/**
 * Parses and checks the manifest; `self` is the manifest's own
 * `/<container>/<object>` (decoded) so it can't name itself.
 */
export function parseManifestInput(body: Buffer, self: string): SegmentInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ManifestInputError('Manifest must be valid JSON.\n');
  }
  if (!Array.isArray(parsed)) throw new ManifestInputError('Manifest must be a list.\n');
  const errors: string[] = [];
  const out: SegmentInput[] = [];
  parsed.forEach((seg: unknown, i: number) => {
    if (typeof seg !== 'object' || seg === null || Array.isArray(seg)) {
      errors.push(`Index ${i}: not a JSON object`);
      return;
    }
    const d = seg as Record<string, unknown>;
    const type = 'data' in d ? 'data' : 'path' in d ? 'path' : undefined;
    if (!type) {
      errors.push(`Index ${i}: expected keys to include one of 'data' or 'path'`);
      return;
    }
    const allowed = type === 'data' ? ['data'] : ['path', 'range', 'etag', 'size_bytes'];
    const extra = Object.keys(d).filter((k) => !allowed.includes(k)).sort();
    if (extra.length) {
      errors.push(`Index ${i}: extraneous keys ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
      return;
    }
    if (type === 'data') {
      const data = strictB64decode(d.data);
      if (!data) return void errors.push(`Index ${i}: data must be valid base64`);
      if (data.length < 1) return void errors.push(`Index ${i}: too small; each segment must be at least 1 byte.`);
      out.push({ data: data.toString('base64') });
      return;
    }
    if (typeof d.path !== 'string') return void errors.push(`Index ${i}: "path" must be a string`);
    if (!(d.etag === undefined || d.etag === null || typeof d.etag === 'string')) {
      return void errors.push(`Index ${i}: "etag" must be a string or null (if provided)`);
    }
    if (!d.path.replace(/^\/+|\/+$/g, '').includes('/')) {
      return void errors.push(`Index ${i}: path does not refer to an object. Path must be of the form /container/object.`);
    }
    const entry: PathSegmentInput = { path: d.path, etag: d.etag as string | null | undefined };
    if (d.size_bytes !== undefined && d.size_bytes !== null) {
      const size = parseSize(d.size_bytes);
      if (size === undefined) return void errors.push(`Index ${i}: invalid size_bytes`);
      if (size < 1 && i !== parsed.length - 1) return void errors.push(`Index ${i}: too small; each segment must be at least 1 byte.`);
      entry.size_bytes = size;
    }
    if ('/' + d.path.replace(/^\/+/, '') === self) return void errors.push(`Index ${i}: manifest must not include itself as a segment`);
    if (d.range) {
      const specs = typeof d.range === 'string' ? parseRange(`bytes=${d.range}`) : undefined;
      if (!specs) return void errors.push(`Index ${i}: invalid range`);
      if (specs.length > 1) return void errors.push(`Index ${i}: multiple ranges (only one allowed)`);
      if (entry.size_bytes !== undefined && entry.size_bytes !== null && rangesForLength(specs, entry.size_bytes).length !== 1) {
        return void errors.push(`Index ${i}: unsatisfiable range`);
      }
      entry.range = d.range as string;
      entry.rangeSpec = specs[0];
    }
    out.push(entry);
  });
  if (parsed.length && parsed.every((d) => typeof d === 'object' && d !== null && 'data' in d)) {
    errors.push('Inline data segments require at least one object-backed segment.');
  }
  if (errors.length) throw new ManifestInputError(errors.map((e) => e + '\n').join(''), true);
  return out;
}
