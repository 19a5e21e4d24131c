/**
 * Object metadata as Swift keeps it (a flat map of title-cased header names
 * to strings) and how swiftly stores it on disk.
 *
 * On-disk format (every `.data`, `.meta` and `.ts` file):
 *
 *     [object bytes][metadata JSON, UTF-8][u32 big-endian: JSON length]["SWYMETA1"]
 *
 * Swift keeps metadata in the xattr `user.swift.metadata` (a pickle). Node
 * has no xattr API and no native xattr package builds here without a
 * toolchain, so the metadata rides in a trailer of the same file instead:
 * the trailer is written before the fsync and the one rename that publishes
 * the file, so data and metadata appear together or not at all, exactly the
 * atomicity the xattr gives Swift. A trailer (not a header) keeps object
 * byte N at file offset N, so range reads need no shifting, and lets the
 * ETag computed while streaming be written after the body. `.meta` and
 * `.ts` files are a trailer with no object bytes. Values are the header
 * strings as Node reads them (latin1 code units = the raw bytes), so UTF-8
 * metadata round-trips byte for byte. A file whose trailer is missing or
 * unreadable is quarantined.
 */
import { SwiftlyError } from '../../common/index.js';

export type ObjectMetadata = Record<string, string>;

export const TRAILER_MAGIC = Buffer.from('SWYMETA1', 'latin1');
/** Bytes after the JSON: its length (4) and the magic (8). */
export const TRAILER_FIXED = 4 + TRAILER_MAGIC.length;
/** A trailer larger than this is corrupt (Swift's metadata limits are far smaller). */
const MAX_METADATA_BYTES = 16 * 1024 * 1024;

/** The bytes to append after an object's body. */
export function encodeTrailer(metadata: ObjectMetadata): Buffer {
  const json = Buffer.from(JSON.stringify(metadata), 'utf8');
  const fixed = Buffer.alloc(TRAILER_FIXED);
  fixed.writeUInt32BE(json.length, 0);
  TRAILER_MAGIC.copy(fixed, 4);
  return Buffer.concat([json, fixed]);
}

/** Raised for a file whose trailer cannot be read; the caller quarantines it. */
export class CorruptMetadataError extends SwiftlyError {
  constructor(message: string) {
    super('ERR_DISK', message, { status: 500 });
    this.name = 'CorruptMetadataError';
  }
}

/** Length of the JSON given the fixed tail of a file, after checking the magic. */
export function trailerJsonLength(fixedTail: Buffer, fileSize: number): number {
  if (fixedTail.length !== TRAILER_FIXED || !fixedTail.subarray(4).equals(TRAILER_MAGIC)) {
    throw new CorruptMetadataError('metadata trailer missing');
  }
  const len = fixedTail.readUInt32BE(0);
  if (len > MAX_METADATA_BYTES || len + TRAILER_FIXED > fileSize) throw new CorruptMetadataError('metadata trailer length out of range');
  return len;
}

export function decodeMetadataJson(json: Buffer): ObjectMetadata {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    throw new CorruptMetadataError('metadata is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CorruptMetadataError('metadata is not a map');
  for (const v of Object.values(parsed)) if (typeof v !== 'string') throw new CorruptMetadataError('metadata value is not a string');
  return parsed as ObjectMetadata;
}

/** Python's `str.title()`, which Swift's HeaderKeyDict applies to header names. */
export function titleCase(name: string): string {
  let out = '';
  let prevLetter = false;
  for (const ch of name) {
    const isLetter = ch.toLowerCase() !== ch.toUpperCase();
    out += isLetter ? (prevLetter ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    prevLetter = isLetter;
  }
  return out;
}

const USER_META = 'x-object-meta-';
const SYS_META = 'x-object-sysmeta-';
const TRANSIENT_SYSMETA = 'x-object-transient-sysmeta-';

function longerPrefixed(key: string, prefix: string): boolean {
  const k = key.toLowerCase();
  return k.length > prefix.length && k.startsWith(prefix);
}

export const isUserMeta = (key: string): boolean => longerPrefixed(key, USER_META);
export const isSysMeta = (key: string): boolean => longerPrefixed(key, SYS_META);
export const isTransientSysmeta = (key: string): boolean => longerPrefixed(key, TRANSIENT_SYSMETA);
export const isSysOrUserMeta = (key: string): boolean => isUserMeta(key) || isSysMeta(key);

/** Case-insensitive lookup in a metadata map. */
export function metaGet(metadata: ObjectMetadata, name: string): string | undefined {
  if (name in metadata) return metadata[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(metadata)) if (k.toLowerCase() === lower) return v;
  return undefined;
}
