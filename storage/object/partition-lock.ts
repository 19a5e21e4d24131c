/**
 * Locks on one partition that hold across processes (object-server
 * workers forked by node:cluster, the replicator daemon): Swift's
 * `lock_path` on the partition dir. Two are used, so that a long rehash
 * never holds up the writes that invalidate suffixes:
 *
 * - `.lock`: held by a whole rehash (`getHashes`), so two never run at once;
 * - `.lock-invalid`: held briefly to append to `hashes.invalid` and to take
 *   its contents, so no append lands in a file already being consumed.
 *
 * Each is a directory made with mkdir(2) (atomic, on any local filesystem)
 * by proper-lockfile, which refreshes its mtime while held: a lock whose
 * mtime is older than `stale` was left by a dead process and is taken
 * over, while a live holder (even one rehashing a huge partition) keeps it.
 * Node has no flock(2); proper-lockfile needs no native build, and a holder
 * learns when it lost the lock (`compromised`), so it does not publish
 * what it computed without it. Within a process, takers of one lock queue
 * on a promise instead of polling the directory.
 */
import lockfile from 'proper-lockfile';
import { join } from 'node:path';
import { SwiftlyError } from '../../common/index.js';

export const REHASH_LOCK = '.lock';
export const INVALIDATIONS_LOCK = '.lock-invalid';

export interface LockTimes {
  /** A lock not refreshed for this long (ms) is taken to be a dead process's. */
  stale: number;
  /** How often (ms) a holder refreshes its lock; at most stale / 2. */
  update: number;
}

/** The defaults: a holder refreshes every 5 s; a lock untouched for 30 s is a dead holder's. */
export const DEFAULT_LOCK_TIMES: LockTimes = { stale: 30_000, update: 5_000 };

export interface HeldLock {
  /** Set when the lock was lost while held (its dir removed or taken over). */
  readonly compromised: Error | undefined;
}

/** The lock could not be had in time: its holder keeps refreshing it. */
export class PartitionLockTimeoutError extends SwiftlyError {
  constructor(path: string) {
    super('ERR_DISK', `timed out waiting for lock ${path}`, { status: 500 });
    this.name = 'PartitionLockTimeoutError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Takes the lock dir at `path`; undefined when its parent (the partition) does not exist. */
async function acquire(path: string, times: LockTimes, waitMs: number): Promise<{ release(): Promise<void>; held: HeldLock } | undefined> {
  const state: { compromised: Error | undefined } = { compromised: undefined };
  const deadline = Date.now() + waitMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      // On the thread pool: mkdir waits on the filesystem's journal, which
      // is busy exactly when many writes come in.
      const release = await lockfile.lock(path, {
        realpath: false, lockfilePath: path, stale: times.stale, update: times.update, retries: 0,
        onCompromised: (err) => {
          state.compromised = err;
        },
      });
      return {
        held: state,
        release: async () => {
          // A lock already lost has nothing left to remove.
          if (!state.compromised) await release();
        },
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code !== 'ELOCKED') throw err;
      if (Date.now() > deadline) throw new PartitionLockTimeoutError(path);
      await sleep(delay);
    }
  }
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` holding lock `name` of the partition at `partitionPath`, after
 * any other holder in this process or another. When the partition dir does
 * not exist, `fn` runs without a lock (`held` undefined): nothing is there
 * to protect. `waitMs` bounds the wait for another process's holder.
 */
export function withPartitionLock<T>(
  partitionPath: string, name: string, fn: (held: HeldLock | undefined) => Promise<T> | T,
  options: { times?: LockTimes; waitMs?: number } = {},
): Promise<T> {
  const path = join(partitionPath, name);
  const times = options.times ?? DEFAULT_LOCK_TIMES;
  const run = async (): Promise<T> => {
    const lock = await acquire(path, times, options.waitMs ?? 2 * times.stale);
    if (!lock) return fn(undefined);
    try {
      return await fn(lock.held);
    } finally {
      await lock.release();
    }
  };
  const prev = queues.get(path) ?? Promise.resolve();
  const result = prev.then(run, run);
  const tail = result.catch(() => undefined);
  queues.set(path, tail);
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path);
  });
  return result;
}
