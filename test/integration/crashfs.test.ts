/**
 * The power-loss file system the durability tests run on (test/helpers/
 * crashfs) keeps exactly what POSIX promises across a crash: file data
 * only after fsync of the file, directory entries only after fsync of
 * their directory; and SQLite in WAL mode (shared mmap of -shm) works on it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSync, constants, existsSync, fsyncSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync,
  rmSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { CrashFs, crashFsSkip } from '../helpers/crashfs/mount.js';

const skip = crashFsSkip();
const root = mkdtempSync(join(tmpdir(), 'swiftly-crashfs-'));
const mnt = join(root, 'mnt');
let fs: CrashFs | undefined;

before(async () => {
  if (skip) return;
  mkdirSync(join(root, 'disk', 'd'), { recursive: true });
  writeFileSync(join(root, 'disk', 'd', 'old'), 'old bytes');
  writeFileSync(join(root, 'disk', 'd', 'kept'), 'kept bytes');
  fs = await CrashFs.mount(join(root, 'disk'), mnt);
});
after(async () => {
  try {
    await fs?.unmount();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const at = (...p: string[]): string => join(mnt, ...p);

function fsyncPath(path: string, flags = constants.O_RDONLY): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
const fsyncDir = (path: string): void => fsyncPath(path, constants.O_RDONLY | constants.O_DIRECTORY);

/** Creates `path` with `content`, fsyncing the file when asked. */
function write(path: string, content: string, sync: boolean): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, content);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const read = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

test('what a power loss keeps: fsynced data under fsynced entries, and nothing else', { skip }, async () => {
  mkdirSync(at('t1'));
  fsyncDir(mnt);
  write(at('t1', 'synced'), 'durable', true);
  write(at('t1', 'unsynced'), 'lost', false);
  fsyncDir(at('t1'));
  write(at('t1', 'after-dir-sync'), 'fsynced, but its entry is not', true);
  // an append and a truncate without fsync revert; an overwrite with fsync stays
  const fd = openSync(at('t1', 'synced'), 'a');
  writeSync(fd, ' plus an unsynced tail');
  closeSync(fd);
  truncateSync(at('d', 'kept'), 2);
  write(at('d', 'old'), 'new bytes', true);
  await fs!.powerLoss();
  assert.equal(read(at('t1', 'synced')), 'durable');
  assert.equal(read(at('t1', 'unsynced')), '', 'its entry is durable, its data never was');
  assert.equal(read(at('t1', 'after-dir-sync')), undefined);
  assert.equal(read(at('d', 'kept')), 'kept bytes');
  assert.equal(read(at('d', 'old')), 'new bytes');
});

test('directory entries: rename, unlink, mkdir and link are durable only after an fsync of their directory', { skip }, async () => {
  mkdirSync(at('t2'));
  mkdirSync(at('t2', 'a'));
  mkdirSync(at('t2', 'b'));
  for (const d of [mnt, at('t2')]) fsyncDir(d);
  for (const n of ['r1', 'r2', 'gone', 'x']) write(at('t2', 'a', n), n, true);
  fsyncDir(at('t2', 'a'));
  renameSync(at('t2', 'a', 'r2'), at('t2', 'a', 'r2-renamed'));
  unlinkSync(at('t2', 'a', 'gone'));
  linkSync(at('t2', 'a', 'x'), at('t2', 'a', 'x-link'));
  fsyncDir(at('t2', 'a'));
  renameSync(at('t2', 'a', 'r1'), at('t2', 'a', 'r1-renamed')); // never synced: reverts
  renameSync(at('t2', 'a', 'r2-renamed'), at('t2', 'a', 'r2-again')); // after the sync: reverts to r2-renamed
  // across directories: only the target's dir synced, so the source keeps its entry too
  renameSync(at('t2', 'a', 'x'), at('t2', 'b', 'x'));
  fsyncDir(at('t2', 'b'));
  mkdirSync(at('t2', 'b', 'sub')); // its parent not synced after: gone
  unlinkSync(at('t2', 'a', 'x-link')); // not synced: back
  await fs!.powerLoss();
  assert.deepEqual(readdirSync(at('t2', 'a')).sort(), ['r1', 'r2-renamed', 'x', 'x-link']);
  assert.deepEqual(readdirSync(at('t2', 'b')).sort(), ['x']);
  assert.equal(read(at('t2', 'b', 'x')), 'x');
  assert.equal(statSync(at('t2', 'a', 'x')).ino, statSync(at('t2', 'b', 'x')).ino, 'one file under both names');
  assert.equal(statSync(at('t2', 'a', 'x')).nlink, 3);
});

test('a dir created and never synced is gone with all it holds, however synced its contents', { skip }, async () => {
  mkdirSync(at('t3', 'deep'), { recursive: true });
  write(at('t3', 'deep', 'f'), 'f', true);
  fsyncDir(at('t3', 'deep'));
  fsyncDir(at('t3'));
  await fs!.powerLoss();
  assert.equal(existsSync(at('t3')), false);
});

/** Runs `script` in a child node (better-sqlite3 resolved from the repo) that prints `done` and waits to be killed. */
async function runUntilDone(script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `${script}\nconsole.log('done'); setInterval(() => {}, 1000);`], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('done')) resolve(); });
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
  return child;
}

test('SQLite in WAL mode: commits with synchronous=FULL survive a power loss, those with NORMAL since the last checkpoint do not', { skip }, async () => {
  mkdirSync(at('t4'));
  fsyncDir(mnt);
  const child = await runUntilDone(`
    const Database = require('better-sqlite3');
    for (const [name, sync] of [['full.db', 'FULL'], ['normal.db', 'NORMAL']]) {
      const db = new Database(${JSON.stringify(at('t4'))} + '/' + name);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = ' + sync);
      db.pragma('wal_autocheckpoint = 0');
      db.exec('CREATE TABLE t (n INTEGER)');
      db.pragma('wal_checkpoint(TRUNCATE)');
      for (let i = 0; i < 50; i++) db.prepare('INSERT INTO t VALUES (?)').run(i);
      if (db.prepare('SELECT count(*) AS n FROM t').get().n !== 50) throw new Error('rows not there');
    }`);
  // kill -9: the connections never close, so no checkpoint syncs the WAL
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  await fs!.powerLoss();
  const count = (name: string): number => {
    const db = new Database(at('t4', name));
    try {
      return (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  assert.equal(count('full.db'), 50);
  assert.equal(count('normal.db'), 0);
});
