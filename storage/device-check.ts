/**
 * Is a device usable: Swift's `ismount` for `mount_check = true`, a plain
 * directory otherwise. Shared by the servers, recon and the daemons.
 */
import { promises as fsp, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** Swift's `ismount`: a different device than the parent, or the root of one. */
export async function isMount(path: string): Promise<boolean> {
  let st: Stats;
  let parent: Stats;
  try {
    st = await fsp.lstat(path);
    if (st.isSymbolicLink()) return false;
    parent = await fsp.stat(join(path, '..'));
  } catch {
    return false;
  }
  return st.dev !== parent.dev || st.ino === parent.ino;
}

/** A device's path when usable: a mount point when `mountCheck`, else a directory. */
export async function checkDevice(devices: string, device: string, mountCheck: boolean): Promise<string | undefined> {
  const path = join(devices, device);
  if (mountCheck) return (await isMount(path)) ? path : undefined;
  // Synchronous, as Swift's check_dir: one stat in the dentry cache, on every request.
  const st = statSync(path, { throwIfNoEntry: false });
  return st?.isDirectory() ? path : undefined;
}
