/**
 * Group commit for a DB's write-ahead log. Each update stays one short
 * SQLite transaction (WAL, `synchronous = NORMAL`: written to the `-wal`
 * file, not synced); before a write is acknowledged its handler awaits
 * `durable()`, which fdatasyncs the `-wal` file on the thread pool. Updates
 * that commit while one sync runs share the next one, so under load one
 * fdatasync makes a whole group of updates durable and the event loop
 * never waits on the disk.
 *
 * Why the WAL's fdatasync is enough: a WAL transaction is on disk once its
 * frames (and the WAL header) are; SQLite's own `synchronous = FULL` does
 * exactly this fdatasync per commit, on the caller's thread. Frames are
 * only ever appended after the synced ones until a checkpoint, and with
 * NORMAL SQLite syncs the WAL and the DB file around every checkpoint
 * before the WAL is restarted or, on the last close, deleted (so a missing
 * `-wal` means all was checkpointed into a synced DB file). The WAL file's
 * name needs no sync of ours: when SQLite starts a WAL (created, or
 * restarted after a checkpoint) it syncs the new header itself even with
 * NORMAL, and its first sync of a WAL file it created syncs the directory
 * (strace shows both at a new DB's first commit).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { SwiftlyError } from '../../common/index.js';

/**
 * A sync of the WAL failed. On Linux a writeback error is reported once, and
 * later WAL frames chain their checksums to the lost ones, so no later sync
 * of that DB in this process can promise anything: every later `durable()`
 * of that DB fails too, until the server restarts and SQLite recovers what
 * the disk really holds.
 */
export class WalSyncError extends SwiftlyError {
  constructor(dbFile: string, cause: unknown) {
    super('ERR_DISK', `WAL sync failed: ${dbFile}`, { status: 500, cause });
    this.name = 'WalSyncError';
  }
}

/**
 * Coalesces concurrent waits for durability into as few syncs as possible:
 * a wait is answered by the first sync that *starts* after the commits it
 * waits for were noted. A failed sync rejects every wait that joined it.
 */
export class GroupSync {
  private noted = 0;
  private synced = 0;
  private running: Promise<void> | undefined;

  constructor(private readonly syncOnce: () => Promise<void>) {}

  /** Records that a commit just returned (synchronously after it, before any await). */
  noteCommit(): void {
    this.noted++;
  }

  /** Resolves once every commit noted before this call is durable. */
  async durable(): Promise<void> {
    const target = this.noted;
    while (this.synced < target) {
      // A sync already running may have started before our commit: wait for it, then start (or join) the next.
      this.running ??= this.runOne();
      await this.running;
    }
  }

  private async runOne(): Promise<void> {
    const covers = this.noted;
    try {
      await this.syncOnce();
      this.synced = Math.max(this.synced, covers);
    } finally {
      this.running = undefined;
    }
  }
}

/** What a WAL sync calls (tests put failing or counting ones in). */
export interface WalSyncIo {
  datasync(fh: FileHandle): Promise<void>;
}

const realIo: WalSyncIo = { datasync: (fh) => fh.datasync() };

/** DBs whose WAL failed to sync in this process (see WalSyncError): failed across broker reopenings too. */
const failedWals = new Map<string, WalSyncError>();

/** The sync a broker's GroupSync runs: an fdatasync of the DB's `-wal` file. */
export function walSyncer(dbFile: string, io: WalSyncIo = realIo): () => Promise<void> {
  return async () => {
    const failed = failedWals.get(dbFile);
    if (failed) throw failed;
    let fh: FileHandle;
    try {
      fh = await open(`${dbFile}-wal`, 'r');
    } catch (err) {
      // No WAL: the last connection checkpointed it into the DB file, synced, and deleted it.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new WalSyncError(dbFile, err);
    }
    try {
      await io.datasync(fh);
    } catch (err) {
      const error = new WalSyncError(dbFile, err);
      failedWals.set(dbFile, error);
      throw error;
    } finally {
      await fh.close();
    }
  };
}
