import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startDbServers, http, nextTs, type DbServers } from './db-test-servers.js';

let s: DbServers;
let A: number;
before(async () => {
  s = await startDbServers();
  A = s.account.port;
});
after(() => s.close());

const report = (a: string, c: string, put: string, del: string, count: number, bytes: number, policy = '0') =>
  http(A, 'PUT', `/sda/1/${a}/${c}`, {
    'X-Put-Timestamp': put, 'X-Delete-Timestamp': del, 'X-Object-Count': String(count), 'X-Bytes-Used': String(bytes),
    'X-Backend-Storage-Policy-Index': policy, 'X-Timestamp': put,
  });

test('account PUT, HEAD stats and per-policy headers, GET listing in Swift\'s JSON', async () => {
  const t = nextTs();
  assert.equal((await http(A, 'PUT', '/sda/1/AUTH_a', { 'X-Timestamp': t, 'X-Account-Meta-Quota': '10' })).status, 201);
  assert.equal((await http(A, 'PUT', '/sda/1/AUTH_a', { 'X-Timestamp': nextTs() })).status, 202);
  assert.equal((await report('AUTH_a', 'c1', '1700001000.00000', '0', 2, 20)).status, 201);
  assert.equal((await report('AUTH_a', 'c2', '1700001001.00000', '0', 3, 30, '1')).status, 201);
  let r = await http(A, 'HEAD', '/sda/1/AUTH_a');
  assert.equal(r.status, 204);
  assert.equal(r.headers['x-account-container-count'], '2');
  assert.equal(r.headers['x-account-object-count'], '5');
  assert.equal(r.headers['x-account-bytes-used'], '50');
  assert.equal(r.headers['x-account-storage-policy-gold-container-count'], '1');
  assert.equal(r.headers['x-account-storage-policy-gold-object-count'], '2');
  assert.equal(r.headers['x-account-storage-policy-silver-bytes-used'], '30');
  assert.equal(r.headers['x-account-meta-quota'], '10');
  assert.equal(r.headers['x-timestamp'] !== undefined && r.headers['x-put-timestamp'] !== undefined, true);
  r = await http(A, 'GET', '/sda/1/AUTH_a?format=json');
  assert.equal(r.body, '[{"name": "c1", "count": 2, "bytes": 20, "last_modified": "2023-11-14T22:30:00.000000"}, '
    + '{"name": "c2", "count": 3, "bytes": 30, "last_modified": "2023-11-14T22:30:01.000000"}]');
  r = await http(A, 'GET', '/sda/1/AUTH_a?format=xml&limit=1');
  assert.equal(r.body, '<?xml version="1.0" encoding="UTF-8"?>\n<account name="AUTH_a">\n'
    + '<container><name>c1</name><count>2</count><bytes>20</bytes><last_modified>2023-11-14T22:30:00.000000</last_modified></container>\n</account>');
  r = await http(A, 'GET', '/sda/1/AUTH_a?reverse=yes');
  assert.equal(r.body, 'c2\nc1\n');
  r = await http(A, 'GET', '/sda/1/AUTH_a?limit=10001');
  assert.equal(r.status, 412);
});

test('container rows: a newer delete removes the row (204), prefix/delimiter listings', async () => {
  await http(A, 'PUT', '/sda/1/AUTH_b', { 'X-Timestamp': nextTs() });
  for (const c of ['x-1', 'x-2', 'y', 'z']) await report('AUTH_b', c, '1700002000.00000', '0', 0, 0);
  let r = await report('AUTH_b', 'z', '1700002000.00000', '1700002001.00000', 0, 0);
  assert.equal(r.status, 204);
  r = await http(A, 'GET', '/sda/1/AUTH_b?delimiter=-&format=json');
  assert.deepEqual(JSON.parse(r.body).map((e: { name?: string; subdir?: string }) => e.name ?? e.subdir), ['x-', 'y']);
  r = await http(A, 'GET', '/sda/1/AUTH_b?prefix=x-');
  assert.equal(r.body, 'x-1\nx-2\n');
  r = await http(A, 'PUT', '/sda/1/AUTH_b/x/1', { 'X-Timestamp': nextTs() });
  assert.deepEqual([r.status, r.body], [400, 'Invalid path: /sda/1/AUTH_b/x/1']);
  r = await http(A, 'GET', '/sda/1/AUTH_b?prefix=nothing');
  assert.equal(r.status, 204);
  r = await http(A, 'HEAD', '/sda/1/AUTH_b');
  assert.equal(r.headers['x-account-container-count'], '3');
});

test('POST metadata and sysmeta; empty value removes', async () => {
  await http(A, 'PUT', '/sda/1/AUTH_m', { 'X-Timestamp': nextTs(), 'X-Account-Meta-A': '1' });
  let r = await http(A, 'POST', '/sda/1/AUTH_m', { 'X-Timestamp': nextTs(), 'X-Account-Meta-A': '', 'X-Account-Sysmeta-S': 'x', 'X-Account-Meta-B': '2' });
  assert.equal(r.status, 204);
  r = await http(A, 'HEAD', '/sda/1/AUTH_m');
  assert.equal(r.headers['x-account-meta-a'], undefined);
  assert.equal(r.headers['x-account-meta-b'], '2');
  assert.equal(r.headers['x-account-sysmeta-s'], 'x');
  r = await http(A, 'POST', '/sda/1/AUTH_missing', { 'X-Timestamp': nextTs() });
  assert.equal(r.status, 404);
});

test('DELETE: X-Account-Status Deleted, 403 on re-PUT, container reports refused', async () => {
  await http(A, 'PUT', '/sda/1/AUTH_d', { 'X-Timestamp': nextTs() });
  let r = await http(A, 'DELETE', '/sda/1/AUTH_d', { 'X-Timestamp': nextTs() });
  assert.equal(r.status, 204);
  assert.equal(r.headers['x-account-status'], 'Deleted');
  r = await http(A, 'HEAD', '/sda/1/AUTH_d');
  assert.deepEqual([r.status, r.headers['x-account-status']], [404, 'Deleted']);
  r = await http(A, 'GET', '/sda/1/AUTH_d');
  assert.deepEqual([r.status, r.headers['x-account-status'], r.body], [404, 'Deleted', '']);
  r = await http(A, 'PUT', '/sda/1/AUTH_d', { 'X-Timestamp': nextTs() });
  assert.deepEqual([r.status, r.body], [403, 'Recently deleted']);
  r = await report('AUTH_d', 'c', nextTs(), '0', 0, 0);
  assert.equal(r.status, 404);
  r = await http(A, 'DELETE', '/sda/1/AUTH_d', { 'X-Timestamp': nextTs() });
  assert.equal(r.status, 404);
  r = await http(A, 'HEAD', '/sda/1/AUTH_never');
  assert.deepEqual([r.status, r.headers['x-account-status']], [404, undefined]);
});

test('hidden accounts are auto-created by container reports', async () => {
  const r = await report('.shards_x', 'c', nextTs(), '0', 1, 1);
  assert.equal(r.status, 201);
  assert.equal((await http(A, 'GET', '/sda/1/.shards_x')).body, 'c\n');
});
