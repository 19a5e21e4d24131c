/**
 * fsync of a directory, so that a create, rename, link or unlink inside it
 * survives a crash (the file's own fsync does not make its name durable).
 * Errors are the caller's: a write that cannot be made durable must fail.
 */
import { closeSync, constants, fsync, fsyncSync, openSync } from 'node:fs';

// O_DIRECTORY: a path that is not a directory fails with ENOTDIR instead of
// fsyncing some file of that name and calling the directory durable.
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY;

/** fsyncs `dir` on the thread pool (the open and close are synchronous: cheap, no disk wait). */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, DIR_FLAGS);
  try {
    await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
  } finally {
    closeSync(fd);
  }
}

/** fsyncs `dir`, blocking (for synchronous code paths: SQLite DB files, CLIs, start-up). */
export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, DIR_FLAGS);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
