/**
 * Recon cache files (Swift's `dump_recon_cache`): daemons merge their
 * latest stats into `<recon_cache_path>/<kind>.recon` (JSON, one object;
 * top-level keys replaced, written temp → rename), and the storage
 * servers' `/recon/...` answers read them back.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export type ReconKind = 'object' | 'container' | 'account' | 'relinker';

export const reconCacheFile = (cachePath: string, kind: ReconKind): string => join(cachePath, `${kind}.recon`);

/** Reads a recon cache file; `{}` when missing or damaged. */
export function readReconCache(cachePath: string, kind: ReconKind): Record<string, unknown> {
  try {
    const v = JSON.parse(readFileSync(reconCacheFile(cachePath, kind), 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Merges `entries` into the cache file (a key set to undefined is removed). Never throws. */
export function dumpReconCache(cachePath: string, kind: ReconKind, entries: Record<string, unknown>): void {
  try {
    mkdirSync(cachePath, { recursive: true });
    const current = readReconCache(cachePath, kind);
    for (const [k, v] of Object.entries(entries)) {
      if (v === undefined) delete current[k];
      else current[k] = v;
    }
    const file = reconCacheFile(cachePath, kind);
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(tmp, JSON.stringify(current));
    renameSync(tmp, file);
  } catch {
    // Stats are best effort: a read-only cache dir must not stop a daemon.
  }
}
