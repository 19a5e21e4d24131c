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
import { join } from 'node:path';
import { hashPath, Timestamp, type HashPathSecrets } from '../../common/index.js';
import { publishFile } from './fs-io.js';
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
