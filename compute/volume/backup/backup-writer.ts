/**
 * Writes one backup of a volume's raw bytes into the object store, as
 * Cinder's chunked backup driver does, streamed in bounded pieces: each
 * `objectSize` chunk is read and hashed (a sha256 per block), then what
 * must be stored is read again (from the page cache, as a rule) and
 * compressed on its way into a PUT — in a full backup the whole chunk,
 * unless it is all zeros; in an incremental one only the runs of blocks
 * whose sha256 differs from the parent's `sha256file` (each run one
 * object, with its offset). The sha256file and then the metadata object come
 * last: a backup without its metadata object is incomplete and never used.
 * Each object's md5 is checked against the store's ETag.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate } from 'node:zlib';
import { StoreError, type SwiftStore } from '../../image/index.js';
import { BlockHasher, volumeChecksum } from './block-hasher.js';
import { hashRange, readRange } from './file-range.js';
import type { ZeroBlocks } from './zero-blocks.js';
import {
  METADATA_VERSION, metadataName, objectName, sha256fileName,
  type BackupMetadata, type BackupObjectEntry, type BackupSha256File,
} from './backup-format.js';
import { putJson } from './store-json.js';

export type Compression = 'zlib' | 'none';

export interface BackupWriteOptions {
  backupId: string;
  volumeId: string;
  name?: string | null;
  description?: string | null;
  /** Object name prefix (`objectPrefix(…)`). */
  prefix: string;
  /** The raw bytes of the volume: a raw file, or a raw copy of a qcow2 volume. */
  source: { path: string; sizeBytes: number; format: string };
  /** Blocks known to be holes, not read (zero-blocks.ts). */
  zeroBlocks?: ZeroBlocks;
  /** `backup_swift_object_size`: bytes per object of a full backup (a multiple of `blockSize`). */
  objectSize: number;
  /** `backup_swift_block_size`: bytes per sha256 of the sha256file. */
  blockSize: number;
  compression: Compression;
  /** The parent backup for an incremental one. */
  parent?: { metadata: BackupMetadata; sha256s: string[] };
  createdAt?: Date;
  /** Bytes of the volume read so far. */
  onProgress?: (bytes: number) => void;
}

export interface BackupWriteResult {
  metadata: BackupMetadata;
  /** Objects PUT for the volume's data (not counting the two JSON objects). */
  objectCount: number;
  /** Bytes stored for the volume's data (after compression). */
  storedBytes: number;
}

export async function writeBackup(store: SwiftStore, o: BackupWriteOptions): Promise<BackupWriteResult> {
  if (o.objectSize % o.blockSize !== 0) throw new RangeError(`backup object size ${o.objectSize} is not a multiple of the block size ${o.blockSize}`);
  if (o.parent && o.parent.metadata.block_size !== o.blockSize) throw new RangeError(`the parent backup's block size ${o.parent.metadata.block_size} differs from ${o.blockSize}`);
  const hasher = new BlockHasher(o.blockSize);
  const objects: Record<string, BackupObjectEntry>[] = [];
  let storedBytes = 0;
  let read = 0;
  const fh = await open(o.source.path, 'r');
  try {
    const put = async (offset: number, length: number) => {
      const name = objectName(o.prefix, objects.length + 1);
      const { md5, stored } = await putPiece(store, name, readRange(fh, offset, length), length, o.compression);
      objects.push({ [name]: { offset, length, md5, compression: o.compression } });
      storedBytes += stored;
    };
    for (let offset = 0; offset < o.source.sizeBytes; offset += o.objectSize) {
      const length = Math.min(o.objectSize, o.source.sizeBytes - offset);
      // First the chunk's block hashes (zero blocks cost a memcmp), then what must be stored is read again.
      const first = hasher.sha256s.length;
      await hashRange(fh, offset, length, hasher, o.blockSize, o.zeroBlocks, (n) => { read += n; o.onProgress?.(read); });
      if (offset + length === o.source.sizeBytes) hasher.finish();
      if (!o.parent) {
        if (hasher.sha256s.slice(first).some((h) => h !== hasher.zeroBlockSha256)) await put(offset, length);
        continue;
      }
      for (const [from, to] of changedRuns(hasher.sha256s, o.parent.sha256s, first, hasher.sha256s.length)) {
        const start = from * o.blockSize;
        await put(start, Math.min(to * o.blockSize, o.source.sizeBytes) - start);
      }
    }
    const sha256s = hasher.finish();
    const createdAt = (o.createdAt ?? new Date()).toISOString();
    const common = { version: METADATA_VERSION, backup_id: o.backupId, volume_id: o.volumeId, backup_name: o.name ?? null, backup_description: o.description ?? null, created_at: createdAt } as const;
    const metadata: BackupMetadata = {
      ...common, parent_id: o.parent?.metadata.backup_id ?? null, objects,
      volume_size_bytes: o.source.sizeBytes, volume_format: o.source.format, volume_checksum: volumeChecksum(sha256s),
      object_size: o.objectSize, block_size: o.blockSize, prefix: o.prefix,
    };
    const shaFile: BackupSha256File = { ...common, chunk_size: o.blockSize, sha256s };
    await putJson(store, sha256fileName(o.prefix), shaFile);
    await putJson(store, metadataName(o.prefix), metadata);
    return { metadata, objectCount: objects.length, storedBytes };
  } finally {
    await fh.close();
  }
}

/** Runs [from, to) of block indexes in [first, end) whose sha256 differs from the parent's (or that the parent lacks). */
export function changedRuns(mine: string[], parents: string[], first: number, end: number): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = first; i < end; i++) {
    if (mine[i] === parents[i]) continue;
    const last = runs[runs.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  return runs;
}

/** PUT one piece, compressed or not, its md5 (of what is stored) checked against the ETag. */
async function putPiece(
  store: SwiftStore, name: string, data: AsyncIterable<Buffer>, length: number, compression: Compression,
): Promise<{ md5: string; stored: number }> {
  const md5 = createHash('md5');
  let stored = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, done) { md5.update(chunk); stored += chunk.length; done(null, chunk); },
  });
  const tapped = Readable.from(data, { objectMode: false });
  const body = new PassThrough();
  const feeding = compression === 'zlib' ? pipeline(tapped, createDeflate(), counted, body) : pipeline(tapped, counted, body);
  // An uncompressed piece has a known length: the proxy refuses it if short. A compressed one goes chunked.
  const [etag] = await Promise.all([
    store.put(name, body, compression === 'none' ? length : undefined).catch((err: unknown) => { body.destroy(); throw err; }),
    feeding,
  ]);
  const sum = md5.digest('hex');
  if (etag !== sum) throw new StoreError(`store ETag ${etag} of ${name} does not match the md5 sent, ${sum}`);
  return { md5: sum, stored };
}
