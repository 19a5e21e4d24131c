/**
 * Small durable-filesystem helpers: fsync of directories, mkdir -p that
 * reports what it created (so those parents get fsynced too), and
 * publishing a file by temp → fsync → rename → fsync dir.
 *
 * CPU per object write is what bounds a small-object PUT, so the cheap
 * metadata steps (open, close, mkdir, rename of a file in the page cache)
 * are synchronous calls — as Swift's object server makes them in its event
 * hub — and only what waits on the disk (fsync, data writes) goes to the
 * thread pool, through the callback API (lighter than FileHandle's).
 */
import { promises as fsp, closeSync, fdatasync, fsync, mkdirSync, openSync, renameSync, write, writev } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fsyncDir } from '../../common/index.js';

/** A callback-API sync call of an fd as a promise (it runs on the thread pool). */
const onPool = (call: typeof fsync) => (fd: number): Promise<void> =>
  new Promise((resolve, reject) => call(fd, (err) => (err ? reject(err) : resolve())));

/** fsync(2) of an open fd on the thread pool. */
export const fsyncFd = onPool(fsync);

/** fdatasync(2) of an open fd on the thread pool. */
export const fdatasyncFd = onPool(fdatasync);

/** Writes all of `buf` at `position` (the callback API; loops on short writes). */
export async function writeAll(fd: number, buf: Buffer, position: number | null = null): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const n = await new Promise<number>((resolve, reject) =>
      write(fd, buf, off, buf.length - off, position === null ? null : position + off, (err, written) => (err ? reject(err) : resolve(written))));
    off += n;
  }
}

/** Appends all of `bufs` at the file position (writev(2) on the thread pool; loops on short writes). */
export async function writevAll(fd: number, bufs: Buffer[]): Promise<void> {
  let rest = bufs;
  while (rest.length > 0) {
    let n = await new Promise<number>((resolve, reject) => writev(fd, rest, (err, written) => (err ? reject(err) : resolve(written))));
    let i = 0;
    while (i < rest.length && n >= rest[i].length) n -= rest[i++].length;
    rest = rest.slice(i);
    if (n > 0) rest = [rest[0].subarray(n), ...rest.slice(1)];
  }
}

/**
 * The calls an object write makes whose failure means the write is not
 * durable: the data writes, the file's fdatasync/fsync, the rename that
 * publishes it and the directory fsyncs after it. A DiskFile takes them
 * as one object so a test can fail any one of them (as Swift's tests
 * monkeypatch `os.fsync`); the server passes `realDiskIo`.
 */
export interface DiskIo {
  /** Creates a new file (it must not exist) open for writing: its fd. */
  create(path: string): number;
  /** Appends all of `bufs` at the file position. */
  writev(fd: number, bufs: Buffer[]): Promise<void>;
  /** Writes all of `buf` at `position` (null: at the file position). */
  write(fd: number, buf: Buffer, position: number | null): Promise<void>;
  fdatasync(fd: number): Promise<void>;
  fsync(fd: number): Promise<void>;
  fsyncDir(path: string): Promise<void>;
  rename(from: string, to: string): void;
}

export const realDiskIo: DiskIo = {
  create: (path) => openSync(path, 'wx', 0o644),
  writev: writevAll,
  write: writeAll,
  fdatasync: fdatasyncFd,
  fsync: fsyncFd,
  fsyncDir,
  rename: renameSync,
};

/** mkdir -p returning the directories it created, outermost first. */
export async function makeDirs(path: string): Promise<string[]> {
  const first = mkdirSync(path, { recursive: true });
  if (first === undefined) return [];
  const created: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    created.unshift(p);
    if (p === first || p === dirname(p)) break;
  }
  return created;
}

/** fsyncs the parent of each newly created dir, so the dirs themselves are durable. */
export async function fsyncCreated(created: readonly string[], io: DiskIo = realDiskIo): Promise<void> {
  // One after another: on ext4 the first commits the journal, the rest find little left to do.
  for (const dir of created) await io.fsyncDir(dirname(dir));
}

/** A fresh temp file path in `tmpDir` (created if needed). */
export async function tempPath(tmpDir: string): Promise<string> {
  await fsp.mkdir(tmpDir, { recursive: true });
  return join(tmpDir, `tmp${randomUUID()}`);
}

/** Temp dirs known to exist, so a write costs no mkdir (forgotten when an open says otherwise). */
const knownTmpDirs = new Set<string>();

/** Creates a fresh temp file in `tmpDir` (made if needed): its path and an fd open for writing. */
export function createTemp(tmpDir: string, io: DiskIo = realDiskIo): { path: string; fd: number } {
  const path = join(tmpDir, `tmp${randomUUID()}`);
  if (!knownTmpDirs.has(tmpDir)) mkdirSync(tmpDir, { recursive: true });
  try {
    const fd = io.create(path);
    knownTmpDirs.add(tmpDir);
    return { path, fd };
  } catch (err) {
    if (!isNotFound(err) || !knownTmpDirs.delete(tmpDir)) throw err;
    // The dir went away (a device replaced under a running server): once more.
    return createTemp(tmpDir, io);
  }
}

/**
 * Writes `content` to `dir/name` durably: temp file in `tmpDir`, fsync,
 * rename, fsync of `dir` (and of any dirs created on the way). On any
 * failure the temp file is removed and nothing is left published.
 */
export async function publishFile(tmpDir: string, dir: string, name: string, content: Buffer, io: DiskIo = realDiskIo): Promise<void> {
  const { path: tmp, fd } = createTemp(tmpDir, io);
  try {
    try {
      await io.write(fd, content, 0);
      await io.fsync(fd);
    } finally {
      closeSync(fd);
    }
    await renameDurably(tmp, dir, name, io);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Renames `tmp` to `dir/name`, creating `dir`, and fsyncs what changed.
 * When an fsync after the rename fails, the file is unlinked again: a write
 * whose publication may not survive a crash must not be served meanwhile,
 * as if it had been acknowledged.
 */
export async function renameDurably(tmp: string, dir: string, name: string, io: DiskIo = realDiskIo): Promise<void> {
  let created = await makeDirs(dir);
  const target = join(dir, name);
  try {
    io.rename(tmp, target);
  } catch (err) {
    // a cleanup elsewhere may have removed the (then empty) dir in between
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    created = [...created, ...(await makeDirs(dir))];
    io.rename(tmp, target);
  }
  try {
    await io.fsyncDir(dir);
    await fsyncCreated(created, io);
  } catch (err) {
    await fsp.rm(target, { force: true }).catch(() => undefined);
    throw err;
  }
}

export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
