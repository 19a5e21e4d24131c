/**
 * Per-partition suffix hashes for replication (Swift's `hashes.pkl` +
 * `hashes.invalid`), kept beside the partition's suffix dirs:
 *
 * - `hashes.json`: `{"hashes": {"<suffix>": "<md5 hex>", ...}, "updated": <unix seconds>}`;
 * - `hashes.invalid`: suffixes written since, one per line, appended on every
 *   write to a suffix (PUT, POST, DELETE, quarantine).
 *
 * A suffix's hash is the MD5 (hex) of the sorted `<hash dir>/<file name>`
 * lines (joined with "\n") of the files that make up each object in it
 * after cleanup — so two replicas agree exactly when they hold the same
 * versions. MD5 rather than xxhash because it needs no async wasm start-up
 * and Swift uses it too; the values are compared only between swiftly
 * nodes (Swift hashes only timestamps and extensions).
 *
 * `getHashes` folds `hashes.invalid` in: holding the partition's
 * invalidations lock (the one every append takes, in every process) it
 * renames the file aside, so no append is half in the old file and half
 * lost; an invalidation that comes while we rehash goes to a new file and
 * is seen next time. The aside file is removed only once the hashes that
 * include it are written (one left by an interrupted run is read next
 * time). A whole rehash holds the partition's rehash lock, refreshed while
 * held, so two never run at once, in one process or several
 * (partition-lock.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Timestamp } from '../../common/index.js';
import { filesToRemove, gatherOnDiskFiles } from './on-disk-files.js';
import { isNotFound } from './fs-io.js';
import { INVALIDATIONS_LOCK, REHASH_LOCK, withPartitionLock, type LockTimes } from './partition-lock.js';

export const HASH_FILE = 'hashes.json';
export const HASH_INVALIDATIONS_FILE = 'hashes.invalid';
const SUFFIX_RE = /^[0-9a-f]{3}$/;

export type SuffixHashes = Record<string, string>;

export const isValidSuffix = (s: string): boolean => SUFFIX_RE.test(s);

/** Per partition: the suffixes waiting for the invalidations lock, and the promise of their append. */
const pendingInvalidations = new Map<string, { suffixes: Set<string>; flushed: Promise<void> }>();

/**
 * Marks `suffix` of the partition at `partitionPath` as needing a rehash,
 * holding the partition's invalidations lock. Invalidations of one
 * partition that come while the lock is awaited go in one append.
 */
export function invalidateSuffix(partitionPath: string, suffix: string): Promise<void> {
  const open = pendingInvalidations.get(partitionPath);
  if (open) {
    open.suffixes.add(suffix);
    return open.flushed;
  }
  const suffixes = new Set([suffix]);
  const flushed = withPartitionLock<void>(partitionPath, INVALIDATIONS_LOCK, (held) => {
    // From here on, invalidations start the next batch.
    pendingInvalidations.delete(partitionPath);
    if (!held) throw Object.assign(new Error(`no partition dir ${partitionPath}`), { code: 'ENOENT' });
    // Synchronous: a few bytes in the page cache, while the lock is held.
    appendFileSync(join(partitionPath, HASH_INVALIDATIONS_FILE), [...suffixes].map((s) => `${s}\n`).join(''));
  });
  pendingInvalidations.set(partitionPath, { suffixes, flushed });
  return flushed;
}

/**
 * Hashes one suffix dir, removing obsolete files on the way (Swift's
 * `_hash_suffix`). Undefined when the suffix holds nothing (its empty dirs
 * are removed).
 */
export async function hashSuffix(suffixPath: string, now: Timestamp, reclaimAge: number): Promise<string | undefined> {
  let hashDirs: string[];
  try {
    hashDirs = (await fsp.readdir(suffixPath)).sort();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const lines: string[] = [];
  for (const hash of hashDirs) {
    const hashDir = join(suffixPath, hash);
    let names: string[];
    try {
      names = await fsp.readdir(hashDir);
    } catch (err) {
      if (isNotFound(err)) continue;
      throw err;
    }
    const files = gatherOnDiskFiles(names);
    const removed = new Set(filesToRemove(files, now, reclaimAge).map((f) => f.filename));
    for (const name of removed) await fsp.rm(join(hashDir, name), { force: true });
    const kept = [files.data, files.ts, files.meta, files.ctype].filter((f) => f && !removed.has(f.filename));
    const unique = [...new Set(kept.map((f) => f!.filename))].sort();
    if (unique.length === 0 && files.unexpected.length === 0) {
      await fsp.rmdir(hashDir).catch(() => undefined);
      continue;
    }
    for (const name of unique) lines.push(`${hash}/${name}`);
  }
  if (lines.length === 0) {
    await fsp.rmdir(suffixPath).catch(() => undefined);
    return undefined;
  }
  return createHash('md5').update(lines.join('\n')).digest('hex');
}

async function readHashFile(partitionPath: string): Promise<SuffixHashes | undefined> {
  try {
    const parsed = JSON.parse(await fsp.readFile(join(partitionPath, HASH_FILE), 'utf8')) as { hashes?: unknown };
    if (parsed && typeof parsed.hashes === 'object' && parsed.hashes !== null) return parsed.hashes as SuffixHashes;
  } catch {
    // missing or damaged: rebuild from the suffix dirs
  }
  return undefined;
}

/** Takes the pending invalidations (and any left from an interrupted run). */
async function takeInvalidations(partitionPath: string): Promise<{ suffixes: Set<string>; files: string[] }> {
  const aside = join(partitionPath, `${HASH_INVALIDATIONS_FILE}.${randomUUID()}`);
  await withPartitionLock(partitionPath, INVALIDATIONS_LOCK, async () => {
    try {
      await fsp.rename(join(partitionPath, HASH_INVALIDATIONS_FILE), aside);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  });
  const files = (await fsp.readdir(partitionPath))
    .filter((n) => n.startsWith(`${HASH_INVALIDATIONS_FILE}.`))
    .map((n) => join(partitionPath, n));
  const suffixes = new Set<string>();
  for (const f of files) {
    for (const line of (await fsp.readFile(f, 'utf8').catch(() => '')).split('\n')) if (isValidSuffix(line)) suffixes.add(line);
  }
  return { suffixes, files };
}

/**
 * The partition's suffix hashes, rehashing invalidated suffixes and those
 * in `recalculate`; the whole partition when there is no valid cache yet.
 */
export function getHashes(
  partitionPath: string,
  recalculate: readonly string[],
  options: { reclaimAge: number; now?: Timestamp; lockTimes?: LockTimes },
): Promise<SuffixHashes> {
  return withPartitionLock(partitionPath, REHASH_LOCK, async (held) => {
    try {
      await fsp.access(partitionPath);
    } catch {
      return {};
    }
    const now = options.now ?? Timestamp.now();
    const cached = await readHashFile(partitionPath);
    const { suffixes, files } = await takeInvalidations(partitionPath);
    for (const s of recalculate) if (isValidSuffix(s)) suffixes.add(s);
    let hashes: SuffixHashes;
    if (cached) {
      hashes = { ...cached };
    } else {
      hashes = {};
      for (const name of await fsp.readdir(partitionPath)) if (isValidSuffix(name)) suffixes.add(name);
    }
    for (const suffix of [...suffixes].sort()) {
      const h = await hashSuffix(join(partitionPath, suffix), now, options.reclaimAge);
      if (h === undefined) delete hashes[suffix];
      else hashes[suffix] = h;
    }
    // Lost the lock (a stall past its stale time): another rehash may be
    // writing; ours must not overwrite it, and the invalidations stay.
    if (held?.compromised) throw held.compromised;
    if (!cached || suffixes.size > 0) {
      const tmp = join(partitionPath, `.${HASH_FILE}.${randomUUID()}`);
      await fsp.writeFile(tmp, JSON.stringify({ hashes, updated: now.seconds }));
      await fsp.rename(tmp, join(partitionPath, HASH_FILE));
    }
    for (const f of files) await fsp.rm(f, { force: true });
    return hashes;
  }, { times: options.lockTimes });
}
