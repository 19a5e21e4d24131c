/**
 * The DiskFile contract: how the object server reads and writes one object
 * replica, whatever keeps the bytes (Swift's `obj/diskfile.py` header).
 *
 * - `manager.diskFile(...)` checks the device (507 when unavailable) and
 *   names the object; it touches nothing on disk.
 * - `open(now)` reports the object's state from its on-disk files: there,
 *   deleted (tombstone), expired (X-Delete-At ≤ now) or missing. An open
 *   object holds its data file open, so a concurrent overwrite or cleanup
 *   cannot cut a read short; `close()` releases it.
 * - `writer()` stages a new version in the device's tmp dir: write the body
 *   to `stream`, then `put(metadata)` (trailer + fsync), then
 *   `commit(timestamp)` publishes it with one rename and a directory fsync
 *   and cleans up older files. `abort()` at any point removes the temp
 *   file; nothing staged is ever visible before `commit`.
 * - `writeMetadata` (fast-POST `.meta`) and `delete` (`.ts` tombstone) are
 *   durable before they resolve, like `commit`.
 */
import type { Readable, Writable } from 'node:stream';
import type { Timestamp } from '../../common/index.js';
import type { ObjectMetadata } from './metadata.js';

export interface OpenObject {
  /** The merged metadata: `.data`, overlaid by `.meta` as Swift merges them. */
  metadata: ObjectMetadata;
  dataMetadata: ObjectMetadata;
  /** The newest `.meta`'s own metadata, when there is one. */
  metaMetadata?: ObjectMetadata;
  dataTimestamp: Timestamp;
  contentTypeTimestamp: Timestamp;
  contentLength: number;
  /**
   * Streams object bytes [start, end) from disk in `chunkSize` reads. A
   * read of the whole object is checked against the stored ETag as it
   * passes (Swift's reader does): its last VERIFIED_TAIL_BYTES come only
   * once the MD5 matched, and on a mismatch the object is quarantined and
   * the stream ends that many bytes short (see `quarantined`). Reads of
   * part of an object cannot be checked.
   */
  read(start: number, end: number): Readable;
  /** Whether a read found the data not matching its ETag and quarantined the object. */
  readonly quarantined: boolean;
  /**
   * Object bytes [start, end) when they are in memory already (a small
   * object read whole at open), so an answer can be sent without a stream;
   * otherwise undefined, and `read` streams them. All of the object is
   * checked against its ETag first: on a mismatch it is quarantined and
   * DiskFileQuarantinedError thrown.
   */
  bytes(start: number, end: number): Buffer | undefined;
  /** Releases the file, once any quarantine a read started is done. */
  close(): Promise<void>;
}

export type ObjectState =
  | { status: 'exists'; object: OpenObject }
  | { status: 'expired'; timestamp: Timestamp; object: OpenObject }
  | { status: 'deleted'; timestamp: Timestamp }
  | { status: 'missing' };

export interface DiskFileWriter {
  /** Where the body goes; the caller ends it. */
  readonly stream: Writable;
  /** Appends the metadata and makes the temp file durable. */
  put(metadata: ObjectMetadata): Promise<void>;
  /** Publishes the staged file as `<timestamp>.data`. */
  commit(timestamp: Timestamp): Promise<void>;
  /** Removes the temp file (safe to call more than once, and after commit). */
  abort(): Promise<void>;
}

export interface DiskFile {
  /** The device's root (checked when the DiskFile was made). */
  readonly devicePath: string;
  readonly hash: string;
  readonly suffix: string;
  /**
   * `keepCache`: the caller's wish that what the object's reads bring into
   * the page cache stay there (Swift's keep_cache; granted only below
   * keep_cache_size). Off by default: reads drop what they read behind them.
   */
  open(now: Timestamp, options?: { openExpired?: boolean; keepCache?: boolean }): Promise<ObjectState>;
  writer(): Promise<DiskFileWriter>;
  /** Writes a `.meta` file; `ctypeTimestamp` when it carries a Content-Type. */
  writeMetadata(metadata: ObjectMetadata, timestamp: Timestamp, ctypeTimestamp?: Timestamp): Promise<void>;
  /** Writes a `.ts` tombstone. */
  delete(timestamp: Timestamp): Promise<void>;
}

export interface DiskFileManager {
  /** Throws DeviceUnavailableError when the device is missing or unmounted. */
  diskFile(device: string, partition: string, account: string, container: string, obj: string, policyIndex: number): Promise<DiskFile>;
  /** The device's root, after the same checks. */
  devicePath(device: string): Promise<string>;
}
