/**
 * async_pending files: container updates that could not be sent, kept for
 * the object updater. Path as Swift's:
 *
 *     <device>/async_pending[-N]/<suffix>/<hash>-<timestamp>
 *
 * where `<hash>` is hashPath(account, container, obj), `<suffix>` its last
 * three hex digits and `<timestamp>` the update's X-Meta-Timestamp (POST)
 * or X-Timestamp, internal form. Swift writes a pickle; swiftly writes JSON
 * with the same fields:
 *
 *     {"op": "PUT"|"DELETE", "account": "...", "container": "...", "obj": "...",
 *      "headers": {"x-timestamp": "...", "x-size": "...", ...},
 *      "container_path": "<account>/<container>"   (only when redirected / given)}
 *
 * Strings are the header strings as received (latin1 code units). Written
 * durably (temp → fsync → rename → fsync dir).
 */
import { closeSync, promises as fsp, renameSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDir, hashPath, Timestamp, type HashPathSecrets } from '../../common/index.js';
import { createTemp, fsyncFd, isNotFound, publishFile, writeAll } from './fs-io.js';
import { asyncDirName, tmpDirName } from './fs-disk-file.js';

export interface AsyncUpdate {
  op: string;
  account: string;
  container: string;
  obj: string;
  headers: Record<string, string>;
  container_path?: string;
}

/** The path of an async_pending file relative to the device. */
export function asyncPendingPath(secrets: HashPathSecrets, update: AsyncUpdate, timestamp: Timestamp, policyIndex: number): string {
  const hash = hashPath(secrets, update.account, update.container, update.obj);
  return join(asyncDirName(policyIndex), hash.slice(-3), `${hash}-${timestamp.internal}`);
}

/** Writes one async_pending file under `devicePath`. */
export async function writeAsyncPending(
  devicePath: string, secrets: HashPathSecrets, update: AsyncUpdate, timestamp: Timestamp, policyIndex: number,
): Promise<string> {
  const rel = asyncPendingPath(secrets, update, timestamp, policyIndex);
  const full = join(devicePath, rel);
  const slash = full.lastIndexOf('/');
  await publishFile(join(devicePath, tmpDirName(policyIndex)), full.slice(0, slash), full.slice(slash + 1), Buffer.from(JSON.stringify(update)));
  return full;
}

/** Which file a reader saw: a rewrite goes ahead only while the path still names it, unchanged. */
export interface AsyncPendingIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

export const asyncPendingIdentity = (st: Stats): AsyncPendingIdentity => ({ ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });

/**
 * How a rewrite of an async_pending file ended: `written`; `changed`, the
 * file was replaced or removed since it was read (the other writer's version
 * stands); `obsolete`, a newer pending of the same object sits beside it
 * (ours is left for the caller to unlink, as a sweep would).
 */
export type RewriteOutcome = 'written' | 'changed' | 'obsolete';

/**
 * Rewrites the async_pending file at `file` with `update` (the updater
 * recording which replicas accepted it), durably — temp file in the
 * device's tmp dir → fsync → rename → fsync dir, as Swift's write_pickle —
 * and never over a version newer than the one read (`seen`).
 */
export async function rewriteAsyncPending(
  devicePath: string, file: string, seen: AsyncPendingIdentity, update: object, policyIndex: number,
): Promise<RewriteOutcome> {
  const { path: tmp, fd } = createTemp(join(devicePath, tmpDirName(policyIndex)));
  try {
    try {
      await writeAll(fd, Buffer.from(JSON.stringify(update)), 0);
      await fsyncFd(fd);
    } finally {
      closeSync(fd);
    }
    const dir = dirname(file);
    const name = basename(file);
    const hash = name.slice(0, name.indexOf('-'));
    const names = await fsp.readdir(dir).catch((err: unknown) => {
      if (isNotFound(err)) return [] as string[];
      throw err;
    });
    // Names sort by timestamp (fixed width), so a greater name of the same object is a newer update.
    if (names.some((n) => n.startsWith(`${hash}-`) && n > name)) {
      await fsp.rm(tmp, { force: true });
      return 'obsolete';
    }
    const now = await fsp.stat(file).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!now || now.ino !== seen.ino || now.size !== seen.size || now.mtimeMs !== seen.mtimeMs) {
      await fsp.rm(tmp, { force: true });
      return 'changed';
    }
    renameSync(tmp, file);
    await fsyncDir(dir);
    return 'written';
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}
