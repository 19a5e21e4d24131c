import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hashPath } from '../../common/index.js';
import { http, startObjectServer, ts, TEST_SWIFT_CONF, type TestObjectServer } from './helpers/object-server.js';

// Swift's GET rule on the wire: a request with a token is private and its reads are dropped from the
// page cache unless keep_cache_private; a public one keeps objects under keep_cache_size. Residency is
// read with util-linux's fincore.
const residentPages = (path: string): number => Number(execFileSync('fincore', ['--noheadings', '--raw', '--output', 'PAGES', path]).toString().trim());
const MiB = 1 << 20;
const body = Buffer.alloc(2 * MiB, 5);
// The object server drops a private read's pages once its read stream ends, which can be just after the
// client has the last byte: give that drop a moment before calling the pages kept.
async function residentAfterDrop(path: string): Promise<number> {
  for (let i = 0; i < 40 && residentPages(path) !== 0; i++) await new Promise((r) => setTimeout(r, 50));
  return residentPages(path);
}

let plain: TestObjectServer;
let keepPrivate: TestObjectServer;
before(async () => {
  plain = await startObjectServer();
  keepPrivate = await startObjectServer({ keep_cache_private: 'true', keep_cache_size: String(3 * MiB) });
});
after(async () => {
  await plain.close();
  await keepPrivate.close();
});

async function putObject(srv: TestObjectServer, obj: string): Promise<string> {
  const t = Math.floor(Date.now() / 1000);
  const res = await http(srv.port, 'PUT', `/sda/0/a/c/${obj}`, { 'X-Timestamp': ts(t), 'Content-Type': 'x/y', 'Content-Length': body.length }, body);
  assert.equal(res.status, 201);
  const h = hashPath(TEST_SWIFT_CONF.hashPath, 'a', 'c', obj);
  const dir = join(srv.devices, 'sda', 'objects', '0', h.slice(-3), h);
  const data = join(dir, readdirSync(dir)[0]);
  assert.equal(residentPages(data), 0, 'a PUT\'s data is dropped once fsynced');
  return data;
}

const get = async (srv: TestObjectServer, obj: string, headers: Record<string, string> = {}): Promise<void> => {
  const res = await http(srv.port, 'GET', `/sda/0/a/c/${obj}`, headers);
  assert.equal(res.status, 200);
  assert.equal(res.body.length, body.length);
};

test('object GET: a token\'s reads are dropped, a public one\'s kept (under keep_cache_size)', async () => {
  const data = await putObject(plain, 'o');
  await get(plain, 'o', { 'X-Auth-Token': 'AUTH_tk1' });
  assert.equal(await residentAfterDrop(data), 0, 'X-Auth-Token: private, dropped');
  await get(plain, 'o', { 'X-Storage-Token': 'AUTH_tk1' });
  assert.equal(await residentAfterDrop(data), 0, 'X-Storage-Token: private, dropped');
  await get(plain, 'o');
  assert.ok(residentPages(data) >= 512, 'no token: public, 2 MiB < 5 MiB, kept');
});

test('object GET with keep_cache_private and keep_cache_size set: a token\'s reads are kept too', async () => {
  const data = await putObject(keepPrivate, 'o');
  await get(keepPrivate, 'o', { 'X-Auth-Token': 'AUTH_tk1' });
  assert.ok(residentPages(data) >= 512, '2 MiB < keep_cache_size of 3 MiB, private allowed: kept');
});
