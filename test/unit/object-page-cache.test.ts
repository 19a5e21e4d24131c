import { createHash } from 'node:crypto';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canDropCache, dropCache, dropCacheSync, Timestamp } from '../../common/index.js';
import { FsDiskFileManager, type DiskFile } from '../../storage/object/index.js';

// Residency is read with util-linux's fincore (mincore(2) on the file).
const residentPages = (path: string): number => Number(execFileSync('fincore', ['--noheadings', '--raw', '--output', 'PAGES', path]).toString().trim());

const root = mkdtempSync(join(tmpdir(), 'swiftly-pc-'));
mkdirSync(join(root, 'sda'));
after(() => rmSync(root, { recursive: true, force: true }));
const MiB = 1 << 20;
const T = (s: number): Timestamp => new Timestamp(s * 100000);

function writeFile(path: string, mib: number): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(MiB, 7);
  for (let i = 0; i < mib; i++) writeSync(fd, chunk);
  fsyncSync(fd);
  closeSync(fd);
}

test('the page-cache addon is built and drops a synced file\'s pages, all or a range', async () => {
  assert.equal(canDropCache, true, 'common/native built by npm install');
  const path = join(root, 'plain');
  writeFile(path, 8);
  assert.ok(residentPages(path) > 0, 'a file just written is in the page cache');
  const fd = openSync(path, 'r');
  try {
    dropCacheSync(fd, 0, 4 * MiB);
    const half = residentPages(path);
    assert.ok(half > 0 && half <= 1024, `the first 4 MiB dropped, the rest kept (${half} pages left)`);
    await dropCache(fd);
    assert.equal(residentPages(path), 0);
  } finally {
    closeSync(fd);
  }
});

const manager = new FsDiskFileManager({ devices: root, mountCheck: false, reclaimAge: 604800, diskChunkSize: 65536, hashSecrets: { prefix: 'p', suffix: 's' } });

async function put(df: DiskFile, mib: number, bytes = mib * MiB): Promise<string> {
  const w = await df.writer();
  const md5 = createHash('md5');
  for (let left = bytes; left > 0; left -= MiB) {
    const chunk = Buffer.alloc(Math.min(MiB, left), 3);
    md5.update(chunk);
    if (!w.stream.write(chunk)) await new Promise((r) => w.stream.once('drain', r));
  }
  await new Promise<void>((r) => w.stream.end(() => r()));
  // The data's real MD5: a whole read checks it.
  await w.put({ 'X-Timestamp': T(10).internal, 'Content-Length': String(bytes), ETag: md5.digest('hex'), 'Content-Type': 'x/y' });
  await w.commit(T(10));
  const dir = (df as unknown as { hashDir: string }).hashDir;
  return join(dir, readdirSync(dir)[0]);
}

async function get(df: DiskFile, keepCache: boolean): Promise<number> {
  const st = await df.open(T(2000000000), { keepCache });
  assert.equal(st.status, 'exists');
  if (st.status !== 'exists') return 0;
  let n = 0;
  for await (const c of st.object.read(0, st.object.contentLength)) n += (c as Buffer).length;
  await st.object.close();
  return n;
}

test('a PUT leaves nothing of its object in the page cache once fsynced, small or past the early writebacks (Swift\'s drop_buffer_cache)', async () => {
  for (const mib of [1, 40]) {
    const data = await put(await manager.diskFile('sda', '3', 'a', 'c', `put-${mib}`, 0), mib);
    assert.equal(residentPages(data), 0, `${mib} MiB object: no page left cached`);
  }
});

test('GET reads stay cached only when asked and under keep_cache_size; otherwise they are dropped behind the reader', async () => {
  const small = await manager.diskFile('sda', '3', 'a', 'c', 'get-small', 0);
  const smallData = await put(small, 2);
  assert.equal(await get(small, false), 2 * MiB);
  assert.equal(residentPages(smallData), 0, 'not asked to keep: dropped');
  assert.equal(await get(small, true), 2 * MiB);
  assert.ok(residentPages(smallData) >= 512, 'asked, and 2 MiB < keep_cache_size: kept');

  // A 4 KiB object is read whole at open and answered from those bytes, however many ranges.
  const tiny = await manager.diskFile('sda', '3', 'a', 'c', 'get-tiny', 0);
  const tinyData = await put(tiny, 0, 4096);
  for (const keepCache of [false, true]) {
    const st = await tiny.open(T(2000000000), { keepCache });
    assert.equal(st.status, 'exists');
    if (st.status !== 'exists') return;
    assert.equal(st.object.bytes(0, 2048)?.length, 2048);
    assert.equal(st.object.bytes(2048, 4096)?.length, 2048);
    await st.object.close();
    if (keepCache) assert.ok(residentPages(tinyData) > 0, '4 KiB, asked: kept');
    else assert.equal(residentPages(tinyData), 0, '4 KiB, not asked: dropped');
  }

  const big = await manager.diskFile('sda', '3', 'a', 'c', 'get-big', 0);
  const bigData = await put(big, 24);
  assert.equal(await get(big, true), 24 * MiB);
  assert.equal(residentPages(bigData), 0, '24 MiB ≥ keep_cache_size: dropped even when asked');

  // A reader that leaves mid-body: what it read is dropped as it closes.
  const st = await big.open(T(2000000000));
  assert.equal(st.status, 'exists');
  if (st.status !== 'exists') return;
  const body = st.object.read(0, st.object.contentLength);
  let n = 0;
  for await (const c of body) {
    n += (c as Buffer).length;
    if (n >= 12 * MiB) break;
  }
  await st.object.close();
  // Left cached: at most the kernel's readahead past the last read (8 MiB on the VMs here); kept, the
  // 12 MiB read would be there too, and without the drop at close the 4 MiB read since the last window.
  const left = residentPages(bigData);
  assert.ok(left < 3 * MiB / 1024, `read 12 MiB and left: ${left} pages still cached`);
});
