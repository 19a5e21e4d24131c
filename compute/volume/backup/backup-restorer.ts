/**
 * Restores a backup chain (the full backup first, then each incremental
 * one down to the backup asked for) onto a volume's raw bytes: each object
 * is streamed from the store, its md5 checked, inflated when compressed and
 * written at its offset (zeros where the full backup stored nothing); the
 * file is fsynced, then read back and its checksum (block-hasher.ts)
 * compared with the one recorded at backup. A mismatch is an error: the
 * restored volume is not to be trusted.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflate } from 'node:zlib';
import { StoreError, type SwiftStore } from '../../image/index.js';
import { objectsOf, type BackupMetadata } from './backup-format.js';
import { BlockHasher, volumeChecksum } from './block-hasher.js';
import { hashRange, READ_PIECE, readRange } from './file-range.js';
import type { ZeroBlocks } from './zero-blocks.js';

export class BackupChecksumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupChecksumError';
  }
}

export interface RestoreStep {
  metadata: BackupMetadata;
  /** The store holding this backup's objects (its container). */
  store: SwiftStore;
}

export interface RestoreOptions {
  /** The raw bytes to restore onto; at least the backup's size. */
  target: { path: string };
  /** Its blocks that are holes, asked before writing and again before the check (zero-blocks.ts); none: every byte is read. */
  zeroBlocks?: (path: string, blockSize: number) => Promise<ZeroBlocks>;
  /** Bytes written and then verified so far, of `total`. */
  onProgress?: (bytes: number, total: number) => void;
}

/** Restores `chain` (full backup first) onto the target; resolves with the verified volume checksum. */
export async function restoreBackup(chain: RestoreStep[], o: RestoreOptions): Promise<string> {
  const last = chain[chain.length - 1];
  if (!last) throw new RangeError('nothing to restore');
  const size = last.metadata.volume_size_bytes;
  const total = chain.reduce((n, s) => n + objectsOf(s.metadata).reduce((m, e) => m + e.length, 0), 0) + size;
  let done = 0;
  const progress = (n: number) => { done += n; o.onProgress?.(done, total); };
  const fh = await open(o.target.path, 'r+');
  try {
    const { size: have } = await fh.stat();
    if (have < size) throw new RangeError(`the target (${have} bytes) is smaller than the backup (${size} bytes)`);
    // What the full backup stored no object for was zeros.
    const blockSize = last.metadata.block_size;
    const holes = await o.zeroBlocks?.(o.target.path, blockSize);
    for (const [from, to] of gaps(objectsOf(chain[0]!.metadata), chain[0]!.metadata.volume_size_bytes)) await zeroRange(fh, from, to - from, blockSize, holes);
    for (const step of chain) {
      for (const entry of objectsOf(step.metadata)) await restoreObject(fh, step.store, entry, progress);
    }
    await fh.sync();
    const hasher = new BlockHasher(blockSize);
    await hashRange(fh, 0, size, hasher, blockSize, await o.zeroBlocks?.(o.target.path, blockSize), progress);
    const got = volumeChecksum(hasher.finish());
    if (got !== last.metadata.volume_checksum) {
      throw new BackupChecksumError(`restored volume's checksum ${got} does not match backup ${last.metadata.backup_id}'s ${last.metadata.volume_checksum}`);
    }
    return got;
  } finally {
    await fh.close();
  }
}

/** The ranges of [0, size) no entry covers. */
function gaps(entries: { offset: number; length: number }[], size: number): [number, number][] {
  const out: [number, number][] = [];
  let at = 0;
  for (const e of [...entries].sort((a, b) => a.offset - b.offset)) {
    if (e.offset > at) out.push([at, e.offset]);
    at = Math.max(at, e.offset + e.length);
  }
  if (at < size) out.push([at, size]);
  return out;
}

/** Zeros over [offset, offset + length), written only where the target holds something else (a new sparse file stays sparse). */
async function zeroRange(fh: FileHandle, offset: number, length: number, blockSize: number, holes: ZeroBlocks | undefined): Promise<void> {
  if (holes) {
    // Blocks that are holes already read as zeros; the others are zeroed without being read.
    for (let at = offset; at < offset + length; at += blockSize) {
      if (at + blockSize <= offset + length && holes(at / blockSize)) continue;
      const zeros = Buffer.alloc(Math.min(blockSize, offset + length - at));
      let n = 0;
      while (n < zeros.length) n += (await fh.write(zeros, n, zeros.length - n, at + n)).bytesWritten;
    }
    return;
  }
  let at = offset;
  for await (const b of readRange(fh, offset, length)) {
    if (!isZero(b)) {
      const zeros = Buffer.alloc(b.length);
      let n = 0;
      while (n < zeros.length) n += (await fh.write(zeros, n, zeros.length - n, at + n)).bytesWritten;
    }
    at += b.length;
  }
}

const ZEROS = Buffer.alloc(READ_PIECE);
const isZero = (b: Buffer) => b.equals(b.length === ZEROS.length ? ZEROS : ZEROS.subarray(0, b.length));

async function restoreObject(
  fh: FileHandle, store: SwiftStore, e: ReturnType<typeof objectsOf>[number], progress: (n: number) => void,
): Promise<void> {
  const obj = await store.get(e.name);
  if (!obj) throw new StoreError(`backup object ${e.name} is missing from container ${store.container}`, 404);
  const md5 = createHash('md5');
  const hashed = new Transform({ transform(chunk: Buffer, _enc, cb) { md5.update(chunk); cb(null, chunk); } });
  let at = e.offset;
  const writer = new Writable({
    async write(chunk: Buffer, _enc, cb) {
      try {
        if (at + chunk.length > e.offset + e.length) throw new BackupChecksumError(`backup object ${e.name} holds more than its ${e.length} bytes`);
        let n = 0;
        while (n < chunk.length) n += (await fh.write(chunk, n, chunk.length - n, at + n)).bytesWritten;
        at += chunk.length;
        progress(chunk.length);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  await (e.compression === 'zlib' ? pipeline(obj.body, hashed, createInflate(), writer) : pipeline(obj.body, hashed, writer));
  const sum = md5.digest('hex');
  if (sum !== e.md5) throw new BackupChecksumError(`backup object ${e.name}'s md5 ${sum} is not the recorded ${e.md5}`);
  if (at !== e.offset + e.length) throw new BackupChecksumError(`backup object ${e.name} held ${at - e.offset} bytes, not ${e.length}`);
}
