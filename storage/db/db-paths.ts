/**
 * Where a DB lives: `<devices>/<device>/<datadir>/<part>/<suffix>/<hash>/<hash>.db`
 * (Swift's `storage_directory`), and Swift's `check_drive`.
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hashPath, swobBody, type HashPathSecrets } from '../../common/index.js';
import { HttpStatusError } from './errors.js';

export type DataDir = 'containers' | 'accounts';

/** Path of the DB for a hash (the suffix dir is the hash's last three hex digits). */
export function dbPathForHash(devices: string, device: string, datadir: DataDir, partition: string, hash: string): string {
  return join(devices, device, datadir, partition, hash.slice(-3), hash, `${hash}.db`);
}

export function dbPath(
  secrets: HashPathSecrets, devices: string, device: string, datadir: DataDir, partition: string, account: string, container?: string,
): string {
  return dbPathForHash(devices, device, datadir, partition, hashPath(secrets, account, container));
}

/** Python's quote_plus leaves only these unchanged: a device name must be made of them. */
const SAFE_DEVICE = /^[A-Za-z0-9_.\-~]+$/;

/**
 * Swift's `check_drive`: a device name that quote_plus would change, a
 * device that is not a directory (or, with mount_check, not a mount point)
 * gets 507.
 */
export function checkDrive(devices: string, device: string, mountCheck: boolean): string {
  const path = join(devices, device);
  const insufficient = (): HttpStatusError =>
    new HttpStatusError(507, swobBody(507, device));
  if (!SAFE_DEVICE.test(device)) throw insufficient();
  try {
    const st = statSync(path);
    if (!st.isDirectory()) throw insufficient();
    if (mountCheck) {
      const parent = statSync(dirname(path));
      if (parent.dev === st.dev && parent.ino !== st.ino) throw insufficient();
    }
  } catch (err) {
    if (err instanceof HttpStatusError) throw err;
    throw insufficient();
  }
  return path;
}
