/**
 * Publishing a whole file at once: temp file in the same directory →
 * write → fsync → rename over the target → fsync the directory. A reader
 * sees the old file or the new one, never part of one.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDirSync } from './fsync-dir.js';

/** Writes `bytes` to `path` atomically and durably (synchronous: small files at start-up or in CLIs). */
export function writeFileAtomicSync(path: string, bytes: Uint8Array, mode = 0o644): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    fchmodSync(fd, mode); // the exact mode, whatever the umask
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // renamed already, or never made
    }
    throw err;
  }
  try {
    fsyncDirSync(dir);
  } catch {
    // some filesystems refuse fsync on a directory; the rename is done
  }
}
