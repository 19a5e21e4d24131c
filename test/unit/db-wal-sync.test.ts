/**
 * Group commit of the DB servers (storage/db/wal-sync.ts): waits for
 * durability share one WAL fdatasync; a commit made while a sync runs waits
 * for the next one; a failed sync fails its waiters, and a DB whose WAL
 * failed to sync stays failed; no WAL left (the DB was closed) means
 * nothing to sync; after a crash the synced updates are all there and a
 * torn WAL tail is dropped.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ContainerBroker, GroupSync, WalSyncError, type WalSyncIo } from '../../storage/index.js';

const root = mkdtempSync(join(tmpdir(), 'swiftly-wal-sync-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A sync function whose calls the test finishes by hand. */
function manualSync(): { sync: () => Promise<void>; calls: number; finish(err?: Error): void } {
  const pending: { resolve(): void; reject(e: Error): void }[] = [];
  const m = {
    calls: 0,
    sync: () => {
      m.calls++;
      return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
    },
    finish(err?: Error) {
      const p = pending.shift()!;
      if (err) p.reject(err);
      else p.resolve();
    },
  };
  return m;
}

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
};

test('concurrent waits for the same commits share one sync', async () => {
  const m = manualSync();
  const g = new GroupSync(m.sync);
  for (let i = 0; i < 10; i++) g.noteCommit();
  const waits = Array.from({ length: 10 }, () => g.durable());
  assert.equal(await settled(Promise.all(waits)), false, 'not answered before the sync ends');
  m.finish();
  await Promise.all(waits);
  assert.equal(m.calls, 1);
  await g.durable();
  assert.equal(m.calls, 1, 'nothing committed since: no sync');
});

test('a commit made while a sync runs waits for the next sync, which the commits of that time share', async () => {
  const m = manualSync();
  const g = new GroupSync(m.sync);
  g.noteCommit();
  const first = g.durable();
  await settled(first);
  assert.equal(m.calls, 1);
  const later = Array.from({ length: 5 }, () => {
    g.noteCommit();
    return g.durable();
  });
  m.finish();
  await first;
  assert.equal(await settled(Promise.all(later)), false, 'the running sync may have started before these commits');
  assert.equal(m.calls, 2, 'one more sync for all five');
  m.finish();
  await Promise.all(later);
  assert.equal(m.calls, 2);
});

test('a failed sync fails every wait that joined it; the next wait syncs again', async () => {
  const m = manualSync();
  const g = new GroupSync(m.sync);
  g.noteCommit();
  const waits = [g.durable(), g.durable()];
  await settled(waits[0]);
  m.finish(new Error('EIO'));
  for (const w of waits) await assert.rejects(w, /EIO/);
  const again = g.durable();
  await settled(again);
  assert.equal(m.calls, 2);
  m.finish();
  await again;
});

function countingIo(fail = false): WalSyncIo & { datasyncs: number } {
  const io = {
    datasyncs: 0,
    datasync: async (fh: import('node:fs/promises').FileHandle) => {
      io.datasyncs++;
      if (fail) throw Object.assign(new Error('injected EIO'), { code: 'EIO' });
      await fh.datasync();
    },
  };
  return io;
}

let n = 0;
function newBroker(io?: WalSyncIo): ContainerBroker {
  const b = new ContainerBroker(join(root, 'sda', 'containers', '1', 'abc', `h${++n}`, `h${n}.db`), 'a', 'c', { walSyncIo: io });
  b.initialize('1700000000.00000', 0);
  return b;
}

test('the WAL is fdatasynced once per group; a DB closed before its sync has no WAL left to sync', async () => {
  const io = countingIo();
  const b = newBroker(io);
  b.putObject('o1', '1700000001.00000', 1, 'text/plain', 'e');
  assert.ok(existsSync(`${b.dbFile}-wal`));
  await b.durable();
  b.putObject('o2', '1700000002.00000', 1, 'text/plain', 'e');
  b.putObject('o3', '1700000003.00000', 1, 'text/plain', 'e');
  await Promise.all([b.durable(), b.durable()]);
  assert.equal(io.datasyncs, 2);
  // written, then closed before the sync: the close's checkpoint synced the DB file and removed the WAL
  b.putObject('o4', '1700000004.00000', 1, 'text/plain', 'e');
  b.close();
  assert.equal(existsSync(`${b.dbFile}-wal`), false, 'the last close checkpoints and removes the WAL');
  await b.durable();
  assert.equal(io.datasyncs, 2);
});

test('a DB whose WAL failed to sync fails every later sync in this process', async () => {
  const failing = newBroker(countingIo(true));
  failing.putObject('o1', '1700000001.00000', 1, 'text/plain', 'e');
  await assert.rejects(failing.durable(), WalSyncError);
  failing.close();
  const good = countingIo();
  const again = new ContainerBroker(failing.dbFile, 'a', 'c', { walSyncIo: good });
  again.putObject('o2', '1700000002.00000', 1, 'text/plain', 'e');
  await assert.rejects(again.durable(), WalSyncError, 'a later good sync cannot vouch for frames already lost');
  assert.equal(good.datasyncs, 0);
  again.close();
});

test('with db_synchronous = full each commit was synced by SQLite: nothing left to wait for', async () => {
  const io = countingIo();
  const b = new ContainerBroker(join(root, 'full', 'h.db'), 'a', 'c', { synchronous: 'FULL', walSyncIo: io });
  b.initialize('1700000000.00000', 0);
  b.putObject('o1', '1700000001.00000', 1, 'text/plain', 'e');
  await b.durable();
  assert.equal(io.datasyncs, 0);
  b.close();
});

test('after a crash the DB holds every synced update; a torn unsynced tail of the WAL is dropped, not misread', async () => {
  const b = newBroker();
  for (let i = 1; i <= 4; i++) b.putObject(`o${i}`, `170000000${i}.00000`, i, 'text/plain', 'e');
  await b.durable();
  const syncedSize = statSync(`${b.dbFile}-wal`).size;
  b.putObject('o5', '1700000005.00000', 5, 'text/plain', 'e');
  const walSize = statSync(`${b.dbFile}-wal`).size;
  assert.ok(walSize > syncedSize);
  // the disk as a power loss may leave it, the process still running: the DB file, and the WAL with
  // the unsynced commit torn halfway through its frames (SQLite reads no -shm on recovery)
  const crashed = join(root, 'crashed', 'h.db');
  mkdirSync(dirname(crashed), { recursive: true });
  copyFileSync(b.dbFile, crashed);
  copyFileSync(`${b.dbFile}-wal`, `${crashed}-wal`);
  truncateSync(`${crashed}-wal`, syncedSize + Math.floor((walSize - syncedSize) / 2));
  b.close();
  const recovered = new ContainerBroker(crashed, 'a', 'c');
  assert.deepEqual(recovered.getItemsSince(-1, 10).map((r) => r.name), ['o1', 'o2', 'o3', 'o4']);
  assert.equal(recovered.getInfo().object_count, 4);
  recovered.close();
});
