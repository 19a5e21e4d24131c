/**
 * FsDiskFile: the DiskFile contract on a local filesystem in Swift's
 * layout, under `<devices>/<device>/`:
 *
 *     objects[-N]/<partition>/<suffix>/<hash>/<timestamp>.data|.meta|.ts
 *     objects[-N]/<partition>/hashes.json, hashes.invalid
 *     tmp[-N]/                 staged writes (same filesystem: rename is atomic)
 *     async_pending[-N]/       container updates to retry
 *     quarantined/objects[-N]/<hash>/   hash dirs with unreadable files
 *
 * `<hash>` is hashPath(a, c, o), `<suffix>` its last three hex digits, `-N`
 * the storage policy index when not 0. Metadata lives in a trailer of each
 * file (see metadata.ts).
 */
import { promises as fsp, closeSync, createReadStream, fstatSync, openSync, read as fsRead, readSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { checkDevice } from '../device-check.js';
import { join, dirname } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { dropCache, dropCacheSync, fsyncDir, hashPath, Timestamp, type HashPathSecrets, type Logger } from '../../common/index.js';
import type { DiskFile, DiskFileManager, DiskFileWriter, ObjectState, OpenObject } from './disk-file.js';
import { DeviceUnavailableError, DiskFileCollisionError, DiskWriteError } from './errors.js';
import {
  CorruptMetadataError, TRAILER_FIXED, decodeMetadataJson, encodeTrailer, isSysMeta, trailerJsonLength, type ObjectMetadata,
} from './metadata.js';
import { filesToRemove, gatherOnDiskFiles, makeOnDiskFilename, type FileExt } from './on-disk-files.js';
import { createTemp, isNotFound, publishFile, realDiskIo, renameDurably, type DiskIo } from './fs-io.js';
import { invalidateSuffix } from './suffix-hashes.js';
import { etagMismatch, verifyingRead, type BodyRead } from './verified-read.js';

const policyDir = (base: string, policyIndex: number): string => (policyIndex === 0 ? base : `${base}-${policyIndex}`);
export const dataDirName = (policyIndex: number): string => policyDir('objects', policyIndex);
export const tmpDirName = (policyIndex: number): string => policyDir('tmp', policyIndex);
export const asyncDirName = (policyIndex: number): string => policyDir('async_pending', policyIndex);

/** Data-file keys that stay authoritative when a `.meta` is merged over (Swift's set). */
const DATAFILE_KEYS = new Set(['content-length', 'deleted', 'etag', 'x-static-large-object', 'name']);

export interface FsDiskFileOptions {
  devices: string;
  mountCheck: boolean;
  reclaimAge: number;
  diskChunkSize: number;
  /** Objects this size and larger are never kept in the page cache when read (Swift's keep_cache_size; default 5 MiB). */
  keepCacheSize?: number;
  hashSecrets: HashPathSecrets;
  logger?: Logger;
  /** The fs calls writes make (a test's own to inject failures; default the real ones). */
  io?: DiskIo;
}

export class FsDiskFileManager implements DiskFileManager {
  readonly io: DiskIo;
  constructor(readonly options: FsDiskFileOptions) {
    this.io = options.io ?? realDiskIo;
  }

  async devicePath(device: string): Promise<string> {
    const path = await checkDevice(this.options.devices, device, this.options.mountCheck);
    if (!path) throw new DeviceUnavailableError(device);
    return path;
  }

  async diskFile(device: string, partition: string, account: string, container: string, obj: string, policyIndex: number): Promise<FsDiskFile> {
    const devPath = await this.devicePath(device);
    const hash = hashPath(this.options.hashSecrets, account, container, obj);
    return new FsDiskFile(this, devPath, partition, hash, `/${account}/${container}/${obj}`, policyIndex);
  }
}

export class FsDiskFile implements DiskFile {
  readonly suffix: string;
  readonly partitionPath: string;
  readonly hashDir: string;
  readonly tmpDir: string;

  constructor(
    private readonly manager: FsDiskFileManager,
    readonly devicePath: string,
    readonly partition: string,
    readonly hash: string,
    /** `/a/c/o`, stored as `name` and checked on open (Swift's collision check). */
    readonly name: string,
    readonly policyIndex: number,
  ) {
    this.suffix = hash.slice(-3);
    this.partitionPath = join(devicePath, dataDirName(policyIndex), partition);
    this.hashDir = join(this.partitionPath, this.suffix, hash);
    this.tmpDir = join(devicePath, tmpDirName(policyIndex));
  }

  async open(now: Timestamp, options: { openExpired?: boolean; keepCache?: boolean } = {}): Promise<ObjectState> {
    // A concurrent write may remove a file between the listing and the
    // open; list again then.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.openOnce(now, options.openExpired ?? false, options.keepCache ?? false);
      } catch (err) {
        if (isNotFound(err) && attempt < 3) continue;
        if (err instanceof CorruptMetadataError) {
          await this.quarantine(err);
          return { status: 'missing' };
        }
        throw err;
      }
    }
  }

  private async openOnce(now: Timestamp, openExpired: boolean, keepCache: boolean): Promise<ObjectState> {
    // Synchronous, as Swift's hub does them: a listing and a metadata read
    // of files in the page cache cost less than their thread-pool round trips.
    let names: string[];
    try {
      names = readdirSync(this.hashDir);
    } catch (err) {
      if (isNotFound(err)) return { status: 'missing' };
      throw err;
    }
    const files = gatherOnDiskFiles(names);
    if (!files.data) return files.ts ? { status: 'deleted', timestamp: files.ts.timestamp } : { status: 'missing' };
    const fd = openSync(join(this.hashDir, files.data.filename), 'r');
    let object: FsOpenObject;
    try {
      const { metadata: dataMetadata, dataLength, whole } = readTrailer(fd);
      if (dataMetadata.name !== undefined && dataMetadata.name !== this.name) {
        throw new DiskFileCollisionError(`Client path ${this.name} does not match path stored in object metadata ${dataMetadata.name}`);
      }
      if (dataMetadata['Content-Length'] !== undefined && Number(dataMetadata['Content-Length']) !== dataLength) {
        throw new CorruptMetadataError(`data length ${dataLength} does not match Content-Length ${dataMetadata['Content-Length']}`);
      }
      const metaMetadata = files.meta ? readMetadataFile(join(this.hashDir, files.meta.filename)) : undefined;
      if (metaMetadata && files.ctype && files.ctype !== files.meta) {
        const ctypeMetadata = readMetadataFile(join(this.hashDir, files.ctype.filename));
        const ct = ctypeMetadata['Content-Type-Timestamp'] ?? '';
        if (ctypeMetadata['Content-Type'] !== undefined && ct > (metaMetadata['Content-Type-Timestamp'] ?? '') && ct > files.data.timestamp.internal) {
          metaMetadata['Content-Type'] = ctypeMetadata['Content-Type'];
          metaMetadata['Content-Type-Timestamp'] = ct;
        }
      }
      const metadata = mergeMetadata(dataMetadata, metaMetadata, files.data.timestamp);
      const ctypeTs = Timestamp.tryParse(metadata['Content-Type-Timestamp']) ?? Timestamp.parse(dataMetadata['X-Timestamp'] ?? files.data.timestamp);
      const keep = keepCache && dataLength < (this.manager.options.keepCacheSize ?? DEFAULT_KEEP_CACHE_SIZE);
      object = new FsOpenObject(fd, metadata, dataMetadata, metaMetadata, files.data.timestamp, ctypeTs, dataLength, this.manager.options.diskChunkSize, keep, whole);
      object.onRot = (reason) => this.quarantine(reason);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    const deleteAt = Number(object.metadata['X-Delete-At'] || 0);
    if (!openExpired && deleteAt && deleteAt <= now.seconds) {
      return { status: 'expired', timestamp: Timestamp.parse(object.metadata['X-Timestamp'] ?? files.data.timestamp), object };
    }
    return { status: 'exists', object };
  }

  async writer(): Promise<DiskFileWriter> {
    let temp: { path: string; fd: number };
    try {
      temp = createTemp(this.tmpDir, this.manager.io);
    } catch (err) {
      throw new DiskWriteError(`creating a temp file in ${this.tmpDir}`, err);
    }
    return new FsDiskFileWriter(this, temp.fd, temp.path, this.manager.io);
  }

  async writeMetadata(metadata: ObjectMetadata, timestamp: Timestamp, ctypeTimestamp?: Timestamp): Promise<void> {
    await this.publish(makeOnDiskFilename(timestamp, '.meta', ctypeTimestamp), encodeTrailer({ ...metadata, name: this.name }));
  }

  async delete(timestamp: Timestamp): Promise<void> {
    await this.publish(makeOnDiskFilename(timestamp, '.ts'), encodeTrailer({ 'X-Timestamp': timestamp.internal, name: this.name }));
  }

  private async publish(filename: string, content: Buffer): Promise<void> {
    try {
      await publishFile(this.tmpDir, this.hashDir, filename, content, this.manager.io);
    } catch (err) {
      throw new DiskWriteError(`publishing ${filename}`, err);
    }
    await this.afterWrite();
  }

  /** Cleanup of older files and suffix invalidation, after a write landed. */
  async afterWrite(): Promise<void> {
    await this.cleanup();
    await invalidateSuffix(this.partitionPath, this.suffix);
  }

  /** Removes the hash dir's obsolete files (Swift's hash_cleanup_listdir). */
  async cleanup(now: Timestamp = Timestamp.now()): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(this.hashDir);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const remove = filesToRemove(gatherOnDiskFiles(names), now, this.manager.options.reclaimAge);
    // A replaced .data may be large, and freeing its blocks takes ext4 tens of
    // milliseconds: that goes to the thread pool (Swift's cleanup runs in its
    // tpool too). Tombstones and .meta files are small: unlinked here.
    const onPool: Promise<void>[] = [];
    for (const f of remove) {
      const path = join(this.hashDir, f.filename);
      if (f.ext === '.data') onPool.push(fsp.unlink(path).catch((err) => { if (!isNotFound(err)) throw err; }));
      else unlinkQuietly(path);
    }
    await Promise.all(onPool);
    if (remove.length === names.length) {
      try {
        rmdirSync(this.hashDir);
      } catch {
        // not empty after all (a concurrent write), or gone already
      }
    }
  }

  /** Moves the hash dir aside to `quarantined/objects[-N]/<hash>[-<uuid>]`. */
  async quarantine(reason: Error): Promise<void> {
    const qdir = join(this.devicePath, 'quarantined', dataDirName(this.policyIndex));
    await fsp.mkdir(qdir, { recursive: true });
    let target = join(qdir, this.hash);
    if (await fsp.stat(target).catch(() => undefined)) target = `${target}-${randomUUID().replace(/-/g, '')}`;
    try {
      await fsp.rename(this.hashDir, target);
      await fsyncDir(qdir);
      await fsyncDir(dirname(this.hashDir));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.manager.options.logger?.warn({ path: this.hashDir, target, reason: reason.message }, 'quarantined object');
    await invalidateSuffix(this.partitionPath, this.suffix).catch(() => undefined);
  }
}

/** Swift's merge: the `.meta` replaces user metadata; data-file and sysmeta keys stay. */
function mergeMetadata(data: ObjectMetadata, meta: ObjectMetadata | undefined, dataTimestamp: Timestamp): ObjectMetadata {
  if (!meta) return { ...data };
  const merged: ObjectMetadata = { ...meta };
  for (const [k, v] of Object.entries(data)) if (DATAFILE_KEYS.has(k.toLowerCase()) || isSysMeta(k)) merged[k] = v;
  const metaCtypeTs = meta['Content-Type-Timestamp'];
  if (data['Content-Type'] !== undefined && (metaCtypeTs === undefined || dataTimestamp.internal > metaCtypeTs)) {
    merged['Content-Type'] = data['Content-Type'];
    delete merged['Content-Type-Timestamp'];
  }
  return merged;
}

/** Swift's keep_cache_size: objects this size and larger are dropped from the page cache behind their reads. */
export const DEFAULT_KEEP_CACHE_SIZE = 5242880;

/**
 * Bytes read between two drops of what was read from the page cache, when
 * an object is not kept there (Swift drops every 1 MiB, in its hub; here
 * the drop goes to the thread pool, so fewer and larger).
 */
const DROP_CACHE_WINDOW = 8 << 20;

/**
 * Bytes read from a file's end at first: the whole trailer of almost every
 * object, and the whole file of a small one (whose GET then needs no more reads).
 */
const TAIL_GUESS = 16384;

/** Reads exactly `len` bytes at `position` (short only at end of file → corrupt). */
function readExactly(fd: number, len: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(len);
  let off = 0;
  while (off < len) {
    const n = readSync(fd, buf, off, len - off, position + off);
    if (n === 0) throw new CorruptMetadataError('file shorter than its metadata says');
    off += n;
  }
  return buf;
}

/** The trailer of an open file, in one read when it fits the first guess; `whole` is the file when that read held all of it. */
function readTrailer(fd: number): { metadata: ObjectMetadata; dataLength: number; whole?: Buffer } {
  const { size } = fstatSync(fd);
  if (size < TRAILER_FIXED) throw new CorruptMetadataError('file too short for metadata');
  const tailLen = Math.min(size, TAIL_GUESS);
  const tail = readExactly(fd, tailLen, size - tailLen);
  const jsonLen = trailerJsonLength(tail.subarray(tailLen - TRAILER_FIXED), size);
  const json = jsonLen + TRAILER_FIXED <= tailLen
    ? tail.subarray(tailLen - TRAILER_FIXED - jsonLen, tailLen - TRAILER_FIXED)
    : readExactly(fd, jsonLen, size - TRAILER_FIXED - jsonLen);
  return { metadata: decodeMetadataJson(json), dataLength: size - TRAILER_FIXED - jsonLen, whole: tailLen === size ? tail : undefined };
}

function readMetadataFile(path: string): ObjectMetadata {
  const fd = openSync(path, 'r');
  try {
    return readTrailer(fd).metadata;
  } finally {
    closeSync(fd);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * The fs calls a body's read stream makes on the object's fd: its reads,
 * and a close that leaves the fd alone. A destroyed fs.ReadStream closes
 * its fd even with `autoClose: false`, so the object's own close() then
 * closed that number a second time, by then maybe another request's file
 * or socket (seen: an object server's worker dying of EBADF after a client
 * left mid-GET, another one's thread pool stuck for seconds).
 */
const BODY_FS: { read: BodyRead; close: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void } = {
  read: (fd, buf, off, len, pos, cb) => fsRead(fd, buf, off, len, pos, cb),
  close: (_fd, cb) => cb(null),
};

class FsOpenObject implements OpenObject {
  private closed = false;
  /** Whether the pages read at open have been dropped (once per open object, however many ranges are read). */
  private wholeDropped = false;
  /** Body streams not yet closed: the fd is closed only after them (a read may still be on the thread pool). */
  private readonly streams = new Set<Readable>();
  /** Page-cache drops on the thread pool: the fd is closed only after them too. */
  private readonly drops = new Set<Promise<void>>();
  /** Whether the bytes read at open matched the ETag (checked once, when all of them are asked for). */
  private wholeVerified = false;
  /** A quarantine under way: close() waits for it, so the next request finds the object gone. */
  private quarantining: Promise<void> | undefined;
  /** Moves the object to quarantine (its DiskFile's); a whole read that does not match its ETag calls it. */
  onRot: (reason: Error) => Promise<void> = async () => undefined;
  constructor(
    private readonly fd: number,
    readonly metadata: ObjectMetadata,
    readonly dataMetadata: ObjectMetadata,
    readonly metaMetadata: ObjectMetadata | undefined,
    readonly dataTimestamp: Timestamp,
    readonly contentTypeTimestamp: Timestamp,
    readonly contentLength: number,
    private readonly chunkSize: number,
    /** Whether what is read stays in the page cache (Swift's keep_cache, already weighed against keep_cache_size). */
    private readonly keepCache: boolean,
    /** The whole file when it was small enough to be read with its trailer. */
    private readonly whole?: Buffer,
  ) {}

  get quarantined(): boolean {
    return this.quarantining !== undefined;
  }

  /** The ETag the data must hash to (undefined: none stored, nothing to check). */
  private get etag(): string | undefined {
    const etag = this.dataMetadata.ETag;
    return etag === undefined ? undefined : etag.replace(/^"(.*)"$/, '$1').toLowerCase();
  }

  bytes(start: number, end: number): Buffer | undefined {
    if (!this.whole) return undefined;
    // Read already, with the trailer: what is not to be kept can go now.
    if (!this.keepCache && !this.wholeDropped) {
      this.wholeDropped = true;
      dropCacheSync(this.fd);
    }
    const data = this.whole.subarray(start, Math.max(start, Math.min(end, this.contentLength)));
    if (start === 0 && data.length === this.contentLength && !this.wholeVerified && this.etag !== undefined) {
      const rot = etagMismatch(data, this.etag);
      if (rot) {
        this.quarantining ??= this.onRot(rot);
        throw rot;
      }
      this.wholeVerified = true;
    }
    return data;
  }

  read(start: number, end: number): Readable {
    if (end <= start) return Readable.from([]);
    const data = this.bytes(start, end);
    if (data) {
      return new Readable({
        read() {
          this.push(data);
          this.push(null);
        },
      });
    }
    const dropping = this.keepCache ? undefined : this.droppingBehind(start);
    let fs = dropping?.fs ?? BODY_FS;
    const etag = this.etag;
    if (start === 0 && end === this.contentLength && etag !== undefined) {
      fs = { read: verifyingRead(fs.read, end, etag, (reason) => (this.quarantining ??= this.onRot(reason))), close: fs.close };
    }
    const stream = createReadStream('', { fd: this.fd, start, end: end - 1, autoClose: false, highWaterMark: this.chunkSize, fs });
    this.streams.add(stream);
    stream.once('close', () => {
      this.streams.delete(stream);
      if (dropping) this.drop(dropping.dropRest());
    });
    // With autoClose off an ended stream never closes: the rest is dropped at its end.
    if (dropping) stream.once('end', () => this.drop(dropping.dropRest()));
    return stream;
  }

  /** BODY_FS whose reads drop each DROP_CACHE_WINDOW read from the page cache (Swift's reader with keep_cache off). */
  private droppingBehind(start: number): { fs: typeof BODY_FS; dropRest(): Promise<void> } {
    let dropped = start;
    let readTo = start;
    const dropUpTo = (to: number): Promise<void> => {
      const from = dropped;
      dropped = to;
      if (to <= from) return Promise.resolve();
      // Read to the data's end: the trailer's pages (read at open) go too.
      return dropCache(this.fd, from, to >= this.contentLength ? 0 : to - from);
    };
    const read: BodyRead = (fd, buf, off, len, pos, cb) => {
      fsRead(fd, buf, off, len, pos, (err, n, b) => {
        if (!err) {
          readTo = pos + n;
          if (readTo - dropped >= DROP_CACHE_WINDOW) this.drop(dropUpTo(readTo));
        }
        cb(err, n, b);
      });
    };
    return { fs: { read, close: BODY_FS.close }, dropRest: () => dropUpTo(readTo) };
  }

  private drop(p: Promise<void>): void {
    this.drops.add(p);
    void p.then(() => this.drops.delete(p));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // An ended stream has no read left in flight.
    const open = [...this.streams].filter((st) => !st.closed && !st.readableEnded);
    if (open.length) {
      await Promise.all(open.map((st) => new Promise((resolve) => {
        st.once('close', resolve);
        st.on('error', () => undefined);
        st.destroy();
      })));
    }
    if (this.drops.size) await Promise.all(this.drops);
    closeSync(this.fd);
    await this.quarantining;
  }
}

/** A drop of at most this many bytes is made in the event loop's thread (a small object's page or two). */
const SYNC_DROP_BYTES = 1 << 20;

/** Bytes of a PUT's body queued for the disk before the socket is paused. */
const WRITE_QUEUE_BYTES = 1 << 20;

/**
 * Bytes appended between early writebacks of a big object: an fdatasync
 * started in the background (never waited for by the body) so the disk
 * writes while the rest arrives, and the fsync before the rename finds
 * little left to do — instead of all of a 256 MiB object at the end.
 * Durability is unchanged: that final fsync still comes before the rename.
 * What each writeback made clean is then dropped from the page cache, as
 * Swift drops what its mb_per_sync fdatasyncs wrote, so an upload keeps
 * reusing the same few pages instead of growing the cache by its size.
 */
const WRITEBACK_BYTES = 16 << 20;

class FsDiskFileWriter implements DiskFileWriter {
  readonly stream: Writable;
  private closed = false;
  private published = false;
  /** The write on the thread pool, if any: the fd is closed only after it (a reused fd number must not take its bytes). */
  private inFlight: Promise<unknown> = Promise.resolve();
  /** The early writeback under way, if any (settles without throwing); the fd is closed only after it too. */
  private writeback: Promise<void> | undefined;
  /**
   * The first write or sync that failed. An early writeback's error must be
   * kept here: Linux reports a writeback error once per open file, so the
   * final fsync may then succeed although pages were lost.
   */
  private failure: DiskWriteError | undefined;
  /** Bytes appended in all. */
  private appended = 0;
  /** Where the last early writeback ended: bytes before it are synced (or being synced) and dropped from the page cache after. */
  private writtenBack = 0;

  /** `fd` is open on `tmp`; every write appends at its position (body, then the trailer). */
  constructor(private readonly diskFile: FsDiskFile, private readonly fd: number, private readonly tmp: string, private readonly io: DiskIo) {
    const append = (bufs: Buffer[], cb: (err?: Error | null) => void): void => {
      // A failed writeback fails the body at once, not after the rest of it was written for nothing.
      if (this.failure) return cb(this.failure);
      const p = io.writev(fd, bufs);
      this.inFlight = p.catch(() => undefined);
      p.then(() => {
        let n = 0;
        for (const b of bufs) n += b.length;
        this.appended += n;
        this.startWriteback();
        cb();
      }, (err: unknown) => cb(this.fail('write', err)));
    };
    // Up to 1 MiB queued while a write is on the thread pool: the body's
    // socket keeps being read (no pause/resume per 64 KiB chunk) and what
    // queued goes down in one writev, without a copy.
    this.stream = new Writable({
      highWaterMark: WRITE_QUEUE_BYTES,
      write: (chunk: Buffer, _enc, cb) => append([chunk], cb),
      writev: (chunks, cb) => append(chunks.map((c) => c.chunk as Buffer), cb),
    });
  }

  /** Records the first failure (the one reported) and returns it. */
  private fail(step: string, err: unknown): DiskWriteError {
    this.failure ??= err instanceof DiskWriteError ? err : new DiskWriteError(`${step} of ${this.tmp}`, err);
    return this.failure;
  }

  /** Runs one step of the write, turning its error into the writer's failure. */
  private async step(name: string, run: () => Promise<void>): Promise<void> {
    if (this.failure) throw this.failure;
    try {
      await run();
    } catch (err) {
      throw this.fail(name, err);
    }
  }

  /** Starts an early writeback once WRITEBACK_BYTES more were appended, one at a time. */
  private startWriteback(): void {
    if (this.writeback || this.closed || this.failure || this.appended - this.writtenBack < WRITEBACK_BYTES) return;
    const from = this.writtenBack;
    const upTo = (this.writtenBack = this.appended);
    this.writeback = this.io.fdatasync(this.fd).then(
      () => dropCache(this.fd, from, upTo - from),
      (err: unknown) => void this.fail('fdatasync', err),
    ).finally(() => {
      this.writeback = undefined;
    });
  }

  async put(metadata: ObjectMetadata): Promise<void> {
    await this.step('trailer write', () => this.io.write(this.fd, encodeTrailer({ ...metadata, name: this.diskFile.name }), null));
    await this.writeback;
    await this.step('fsync', () => this.io.fsync(this.fd));
    // Swift's drop_buffer_cache after the fsync: the pages are clean, so what
    // the writebacks left goes, to the end of the file (the trailer too).
    if (this.appended - this.writtenBack <= SYNC_DROP_BYTES) dropCacheSync(this.fd, this.writtenBack, 0);
    else await dropCache(this.fd, this.writtenBack, 0);
  }

  async commit(timestamp: Timestamp): Promise<void> {
    if (this.failure) throw this.failure;
    this.close();
    const name = makeOnDiskFilename(timestamp, '.data' as FileExt);
    // renameDurably unpublishes the file again when an fsync after the rename fails.
    await this.step('publish', () => renameDurably(this.tmp, this.diskFile.hashDir, name, this.io));
    this.published = true;
    await this.diskFile.afterWrite();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  async abort(): Promise<void> {
    if (this.published) return;
    if (!this.closed) {
      this.stream.destroy();
      await this.inFlight;
      await this.writeback;
      this.close();
    }
    await fsp.rm(this.tmp, { force: true });
  }
}
