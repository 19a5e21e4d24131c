/**
 * What the object replicator removes from a handoff partition once every
 * primary holds it: the files it listed before syncing, never one that
 * landed since (a write by a ring this replicator has not loaded yet).
 *
 * The partition's cached suffix hashes must not outlive the removal: a
 * primary compares its hashes with ours (REPLICATE) and sends nothing when
 * they match, so a suffix cached as holding files we removed would keep
 * this device from ever getting them back once it is a primary of the
 * partition (after a ring change). Swift's default (rsync) removes the
 * whole partition, hashes.pkl with it; we keep what landed since, so we
 * invalidate the suffixes we emptied instead.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { HASH_FILE, HASH_INVALIDATIONS_FILE, invalidateSuffix } from '../storage/index.js';
import { listDir } from './devices.js';

const SUFFIX_RE = /^[0-9a-f]{3}$/;

/** `<suffix>/<hash>/<file>` of every object file in a partition. */
export async function listPartitionFiles(partitionPath: string): Promise<string[]> {
  const out: string[] = [];
  for (const suffix of await listDir(partitionPath)) {
    if (!SUFFIX_RE.test(suffix)) continue;
    for (const hash of await listDir(join(partitionPath, suffix))) {
      for (const name of await listDir(join(partitionPath, suffix, hash))) out.push(`${suffix}/${hash}/${name}`);
    }
  }
  return out;
}

/**
 * Removes the synced `files` (from `listPartitionFiles`), then any dir left
 * empty, then the partition when nothing else is in it. When the partition
 * stays, the suffixes the files were in are invalidated, after the removals,
 * so the next rehash drops what we removed from the cached hashes.
 */
export async function removeSynced(partitionPath: string, files: readonly string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const rel of files) {
    await fsp.rm(join(partitionPath, rel), { force: true });
    const [suffix, hash] = rel.split('/');
    dirs.add(`${suffix}/${hash}`);
  }
  const suffixes = new Set([...dirs].map((d) => d.split('/')[0]));
  for (const d of dirs) await fsp.rmdir(join(partitionPath, d)).catch(() => undefined);
  for (const suffix of suffixes) await fsp.rmdir(join(partitionPath, suffix)).catch(() => undefined);
  // Only when no suffix is left: drop the hash cache, then rmdir — which
  // fails, keeping the partition, if a write or a rehash (its .lock) landed.
  const names = await listDir(partitionPath);
  if (!names.some((n) => SUFFIX_RE.test(n))) {
    for (const n of names) {
      if (n === HASH_FILE || n.startsWith(HASH_INVALIDATIONS_FILE)) await fsp.rm(join(partitionPath, n), { force: true });
    }
    if (await fsp.rmdir(partitionPath).then(() => true, () => false)) return;
  }
  // The partition stays. Its cached hashes still count what we removed, and a
  // rehash running now (a peer's REPLICATE) may publish them after us, so the
  // invalidations go last: appended after the removals and after any
  // hashes.invalid we dropped, they are seen by the next rehash.
  // A failure is the job's error (logged as one, counted a failure): a suffix left cached as it was is the very
  // defect this guards against, so it is never passed over in silence.
  for (const s of suffixes) await invalidateSuffix(partitionPath, s);
}
