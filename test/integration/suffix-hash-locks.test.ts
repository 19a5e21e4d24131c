/**
 * Suffix invalidations across processes: an append to `hashes.invalid` and
 * a rehash consuming it take the same partition lock, so an invalidation
 * written by another process (an object-server worker) while the
 * replicator rehashes is never lost; and a rehash's lock, refreshed while
 * held, keeps another process's rehash waiting however long it runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { getHashes } from '../../storage/index.js';

const LOCK_TIMES = { stale: 2000, update: 1000 };
const lockModule = new URL('../../storage/object/partition-lock.js', import.meta.url).href;

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'swiftly-locks-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Another process that takes lock `name` of `partition`, says "holding", runs `body` (JS, may await), then says "done". */
function holder(partition: string, name: string, body: string): { child: ChildProcess; said(word: string): Promise<void> } {
  const code = `
    import { withPartitionLock } from ${JSON.stringify(lockModule)};
    import { openSync, writeSync, closeSync } from 'node:fs';
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const part = ${JSON.stringify(partition)};
    await withPartitionLock(part, ${JSON.stringify(name)}, async () => {
      process.stdout.write('holding\\n');
      ${body}
    }, { times: ${JSON.stringify(LOCK_TIMES)} });
    process.stdout.write('done\\n');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const words: string[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    words.push(line);
    for (const w of waiters.splice(0)) w();
  });
  return {
    child,
    said: (word) => new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (words.includes(word)) resolve();
        else waiters.push(check);
      };
      child.once('exit', (code) => (words.includes(word) ? resolve() : reject(new Error(`holder exited (${code}) before saying ${word}`))));
      check();
    }),
  };
}

function putFile(partition: string, suffix: string, hash: string, name: string): void {
  mkdirSync(join(partition, suffix, hash), { recursive: true });
  writeFileSync(join(partition, suffix, hash, name), 'x');
}

test('an invalidation appended by another process while a rehash runs is not lost', async () => {
  const part = join(root, 'objects', '1');
  putFile(part, 'abc', `${'1'.repeat(29)}abc`, '1700000000.00000.data');
  putFile(part, 'def', `${'2'.repeat(29)}def`, '1700000000.00000.data');
  const opts = { reclaimAge: 604800, lockTimes: LOCK_TIMES };
  const before = await getHashes(part, [], opts);
  // A write lands in suffix def; its worker appends the invalidation slowly
  // (opened, then held up for half a second before the bytes go in).
  putFile(part, 'def', `${'2'.repeat(29)}def`, '1700000001.00000.data');
  const worker = holder(part, '.lock-invalid', `
    const fd = openSync(part + '/hashes.invalid', 'a');
    await sleep(500);
    writeSync(fd, 'def\\n');
    closeSync(fd);
  `);
  await worker.said('holding');
  await getHashes(part, [], opts); // the replicator's rehash, during the append
  await worker.said('done');
  const after = await getHashes(part, [], opts);
  const truth = await getHashes(part, ['abc', 'def'], opts);
  assert.notEqual(truth.def, before.def);
  assert.equal(after.def, truth.def, 'the invalidation of def was consumed, not lost');
  assert.equal(after.abc, truth.abc);
});

test('a rehash lock held past its stale time, refreshed, keeps another process\'s rehash waiting', async () => {
  const part = join(root, 'objects', '2');
  putFile(part, 'abc', `${'3'.repeat(29)}abc`, '1700000000.00000.data');
  const holdMs = LOCK_TIMES.stale + 1000;
  const rehash = holder(part, '.lock', `await sleep(${holdMs});`);
  await rehash.said('holding');
  const started = Date.now();
  await getHashes(part, [], { reclaimAge: 604800, lockTimes: LOCK_TIMES });
  const waited = Date.now() - started;
  assert.ok(waited >= holdMs - 100, `the second rehash waited ${waited} ms for a lock held ${holdMs} ms (stale after ${LOCK_TIMES.stale} ms unrefreshed)`);
  await rehash.said('done');
});
