/**
 * Restores a backup chain (the full backup first, then each incremental
 * one down to the backup asked for) onto a volume's raw bytes: each object
 * is streamed from the store, its md5 checked, inflated when compressed and
 * written at its offset; the file is fsynced, then read back and its sha256
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
import { readRange } from './file-range.js';

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
  /** Bytes written and then verified so far, of `total`. */
  onProgress?: (bytes: number, total: number) => void;
}

/** Restores `chain` (full backup first) onto the target; resolves with the verified sha256. */
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
    for (const step of chain) {
      for (const entry of objectsOf(step.metadata)) await restoreObject(fh, step.store, entry, progress);
    }
    await fh.sync();
    const sum = createHash('sha256');
    for await (const b of readRange(fh, 0, size)) { sum.update(b); progress(b.length); }
    const got = sum.digest('hex');
    if (got !== last.metadata.volume_sha256) {
      throw new BackupChecksumError(`restored volume's sha256 ${got} does not match backup ${last.metadata.backup_id}'s ${last.metadata.volume_sha256}`);
    }
    return got;
  } finally {
    await fh.close();
  }
}

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
