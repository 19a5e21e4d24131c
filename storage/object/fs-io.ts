/**
 * Small durable-filesystem helpers: fsync of directories, mkdir -p that
 * reports what it created (so those parents get fsynced too), and
 * publishing a file by temp → fsync → rename → fsync dir.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** fsyncs a directory so a rename or create inside it survives a crash. */
export async function fsyncDir(path: string): Promise<void> {
  const fh = await fsp.open(path, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** mkdir -p returning the directories it created, outermost first. */
export async function makeDirs(path: string): Promise<string[]> {
  const first = await fsp.mkdir(path, { recursive: true });
  if (first === undefined) return [];
  const created: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    created.unshift(p);
    if (p === first || p === dirname(p)) break;
  }
  return created;
}

/** fsyncs the parent of each newly created dir, so the dirs themselves are durable. */
export async function fsyncCreated(created: readonly string[]): Promise<void> {
  for (const dir of created) await fsyncDir(dirname(dir));
}

/** A fresh temp file path in `tmpDir` (created if needed). */
export async function tempPath(tmpDir: string): Promise<string> {
  await fsp.mkdir(tmpDir, { recursive: true });
  return join(tmpDir, `tmp${randomUUID()}`);
}

/**
 * Writes `content` to `dir/name` durably: temp file in `tmpDir`, fsync,
 * rename, fsync of `dir` (and of any dirs created on the way).
 */
export async function publishFile(tmpDir: string, dir: string, name: string, content: Buffer): Promise<void> {
  const tmp = await tempPath(tmpDir);
  try {
    const fh = await fsp.open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await renameDurably(tmp, dir, name);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/** Renames `tmp` to `dir/name`, creating `dir`, and fsyncs what changed. */
export async function renameDurably(tmp: string, dir: string, name: string): Promise<void> {
  let created = await makeDirs(dir);
  try {
    await fsp.rename(tmp, join(dir, name));
  } catch (err) {
    // a cleanup elsewhere may have removed the (then empty) dir in between
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    created = [...created, ...(await makeDirs(dir))];
    await fsp.rename(tmp, join(dir, name));
  }
  await fsyncDir(dir);
  await fsyncCreated(created);
}

export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
