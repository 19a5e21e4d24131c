/**
 * An object row of a container DB and Swift's rule for merging a new row
 * into an existing one (`update_new_item_from_existing`): the data
 * (size, etag, deleted), content-type and metadata parts each keep the
 * value of their own newest timestamp, and the three timestamps are stored
 * encoded in `created_at`.
 */
import { Timestamp } from '../../common/index.js';
import { decodeTimestamps, encodeTimestamps } from '../db/encoded-timestamps.js';

export interface ObjectRow {
  name: string;
  created_at: string;
  size: number;
  content_type: string;
  etag: string;
  deleted: number;
  storage_policy_index: number;
  ctype_timestamp?: string | null;
  meta_timestamp?: string | null;
  /** The row's original created_at while it is merged (Swift's data_timestamp). */
  data_timestamp?: string;
  ROWID?: number;
}

const TOKEN = "[^()<>@,;:\\\\\"/\\[\\]?={}\\x00-\\x20\\x7f]+";
const EXTENSION_RE = new RegExp(`(?:\\s*;\\s*(${TOKEN})\\s*(?:=\\s*(${TOKEN}|"(?:[^"\\\\]|\\\\.)*"))?)`, 'g');

/** Swift's `parse_content_type`: the type and its `(key, value)` params. */
export function parseContentType(contentType: string): [string, [string, string][]] {
  const semi = contentType.indexOf(';');
  if (semi === -1) return [contentType, []];
  const params: [string, string][] = [];
  for (const m of (';' + contentType.slice(semi + 1)).matchAll(EXTENSION_RE)) params.push([m[1].trim(), (m[2] ?? '').trim()]);
  return [contentType.slice(0, semi), params];
}

/** Swift's `extract_swift_bytes`: the content type without `swift_bytes`, and its value. */
export function extractSwiftBytes(contentType: string): [string, string | undefined] {
  if (!contentType.includes(';')) return [contentType, undefined];
  let [ct, params] = parseContentType(contentType);
  let swiftBytes: string | undefined;
  for (const [k, v] of params) {
    if (k === 'swift_bytes') swiftBytes = v;
    else ct += `;${k}=${v}`;
  }
  return [ct, swiftBytes];
}

/**
 * Folds `existing` into `item` (mutating `item`) and returns true when
 * some part of `item` is newer than `existing` (so it must be stored).
 */
export function updateNewItemFromExisting(item: ObjectRow, existing: ObjectRow | undefined): boolean {
  item.data_timestamp ??= item.created_at;
  let [tsData, tsCtype, tsMeta] = decodeTimestamps(item.data_timestamp);
  if (item.ctype_timestamp) {
    tsCtype = Timestamp.parse(item.ctype_timestamp);
    tsMeta = tsCtype;
  }
  if (item.meta_timestamp) tsMeta = Timestamp.parse(item.meta_timestamp);
  if (!existing) {
    item.created_at = encodeTimestamps(tsData, tsCtype, tsMeta);
    return true;
  }
  const [recData, recCtype, recMeta] = decodeTimestamps(existing.created_at);
  let [itemCt, itemBytes] = extractSwiftBytes(item.content_type);
  const [exCt, exBytes] = extractSwiftBytes(existing.content_type);
  const newer = [true, true, true];
  if (recData.compare(tsData) >= 0) {
    item.size = existing.size;
    item.etag = existing.etag;
    item.deleted = existing.deleted;
    itemBytes = exBytes;
    tsData = recData;
    newer[0] = false;
  }
  if (recCtype.compare(tsCtype) >= 0) {
    itemCt = exCt;
    tsCtype = recCtype;
    newer[1] = false;
  }
  if (recMeta.compare(tsMeta) >= 0) {
    tsMeta = recMeta;
    newer[2] = false;
  }
  item.created_at = encodeTimestamps(tsData, tsCtype, tsMeta);
  item.content_type = itemBytes ? `${itemCt};swift_bytes=${itemBytes}` : itemCt;
  return newer.some(Boolean);
}
