/**
 * Processes a compute or volume host leaves running past its own service
 * (a qemu-nbd export, an NBD relay): known by a pid kept in a file, and
 * told apart from whatever reuses that pid later by their command line, so
 * a stale pid file never makes us signal a stranger.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether `pid` runs a command whose arguments contain each of `marks` (its program, the file or socket it serves). */
export async function processRuns(pid: number, marks: string[]): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  let argv: string[];
  try {
    argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
  return marks.every((m) => argv.some((a) => a.includes(m)));
}

/** SIGTERM `pid` if it still runs what `marks` say, wait up to `ms` for it to go, then SIGKILL. */
export async function stopProcess(pid: number, marks: string[], ms = 10_000): Promise<void> {
  if (!(await processRuns(pid, marks))) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  signal('SIGTERM');
  const until = Date.now() + ms;
  while (await processRuns(pid, marks)) {
    if (Date.now() > until) {
      signal('SIGKILL');
      await sleep(100);
      if (await processRuns(pid, marks)) throw new Error(`process ${pid} (${marks.join(' ')}) does not stop`);
      return;
    }
    await sleep(50);
  }
}

/** The pid in `path`, or undefined when there is no such file. */
export async function readPidFile(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
