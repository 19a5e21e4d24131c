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
 * `getHashes` folds `hashes.invalid` in: it first renames it aside, so an
 * invalidation that lands while we rehash goes to a new file and is seen
 * next time, never lost. Rehashes of one partition are serialised within
 * this process (a promise chain) and across worker processes (an exclusive
 * `.lock` file beside the partition, as Swift's `lock_path`; one older than
 * 30 s is taken to be left by a dead process).
 */
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Timestamp } from '../../common/index.js';
import { filesToRemove, gatherOnDiskFiles } from './on-disk-files.js';
import { isNotFound } from './fs-io.js';

export const HASH_FILE = 'hashes.json';
export const HASH_INVALIDATIONS_FILE = 'hashes.invalid';
const SUFFIX_RE = /^[0-9a-f]{3}$/;

export type SuffixHashes = Record<string, string>;

export const isValidSuffix = (s: string): boolean => SUFFIX_RE.test(s);

/** Marks `suffix` of the partition at `partitionPath` as needing a rehash. */
export async function invalidateSuffix(partitionPath: string, suffix: string): Promise<void> {
  // Synchronous: a 4-byte append in the page cache, on every object write
  // (cheaper than three thread-pool round trips; getHashes's rename-aside
  // keeps it safe either way).
  appendFileSync(join(partitionPath, HASH_INVALIDATIONS_FILE), `${suffix}\n`);
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
  try {
    await fsp.rename(join(partitionPath, HASH_INVALIDATIONS_FILE), aside);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const files = (await fsp.readdir(partitionPath))
    .filter((n) => n.startsWith(`${HASH_INVALIDATIONS_FILE}.`))
    .map((n) => join(partitionPath, n));
  const suffixes = new Set<string>();
  for (const f of files) {
    for (const line of (await fsp.readFile(f, 'utf8').catch(() => '')).split('\n')) if (isValidSuffix(line)) suffixes.add(line);
  }
  return { suffixes, files };
}

const partitionLocks = new Map<string, Promise<unknown>>();
const LOCK_FILE = '.lock';
const STALE_LOCK_MS = 30_000;

/** Holds `<partition>/.lock` (O_EXCL) while `fn` runs. */
async function withLockFile<T>(partitionPath: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(partitionPath, LOCK_FILE);
  for (;;) {
    try {
      await (await fsp.open(lock, 'wx')).close();
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return fn(); // no partition dir: nothing to lock
      if (code !== 'EEXIST') throw err;
      const st = await fsp.stat(lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > STALE_LOCK_MS) await fsp.rm(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 10));
    }
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(lock, { force: true });
  }
}

/** Runs `fn` after any other rehash of the same partition, in this process or another. */
function withPartitionLock<T>(partitionPath: string, fn: () => Promise<T>): Promise<T> {
  const prev = partitionLocks.get(partitionPath) ?? Promise.resolve();
  const locked = (): Promise<T> => withLockFile(partitionPath, fn);
  const run = prev.then(locked, locked);
  const tail = run.catch(() => undefined);
  partitionLocks.set(partitionPath, tail);
  void tail.then(() => {
    if (partitionLocks.get(partitionPath) === tail) partitionLocks.delete(partitionPath);
  });
  return run;
}

/**
 * The partition's suffix hashes, rehashing invalidated suffixes and those
 * in `recalculate`; the whole partition when there is no valid cache yet.
 */
export function getHashes(
  partitionPath: string,
  recalculate: readonly string[],
  options: { reclaimAge: number; now?: Timestamp },
): Promise<SuffixHashes> {
  return withPartitionLock(partitionPath, async () => {
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
    if (!cached || suffixes.size > 0) {
      const tmp = join(partitionPath, `.${HASH_FILE}.${randomUUID()}`);
      await fsp.writeFile(tmp, JSON.stringify({ hashes, updated: now.seconds }));
      await fsp.rename(tmp, join(partitionPath, HASH_FILE));
    }
    for (const f of files) await fsp.rm(f, { force: true });
    return hashes;
  });
}
