import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { startDbServers, http, nextTs, type DbServers } from './db-test-servers.js';

let s: DbServers;
let C: number;
let A: number;
let silent: Server;
let silentPort: number;
before(async () => {
  s = await startDbServers({ account_update_timeout: '0.3', conn_timeout: '0.3' });
  C = s.container.port;
  A = s.account.port;
  // an "account server" that accepts and never answers
  silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  silentPort = (silent.address() as { port: number }).port;
  assert.equal((await http(A, 'PUT', '/sda/0/AUTH_t', { 'X-Timestamp': nextTs() })).status, 201);
});
after(async () => {
  silent.close();
  await s.close();
});

const acct = (): Record<string, string> => ({ 'X-Account-Host': `127.0.0.1:${A}`, 'X-Account-Device': 'sda', 'X-Account-Partition': '0' });
const putObj = (c: string, o: string, extra: Record<string, string> = {}) =>
  http(C, 'PUT', `/sda/1/AUTH_t/${c}/${o}`, { 'X-Timestamp': nextTs(), 'X-Size': '3', 'X-Content-Type': 'text/plain', 'X-Etag': 'abc', ...extra });

test('PUT creates, a second PUT accepts, the account is told', async () => {
  const t = nextTs();
  let r = await http(C, 'PUT', '/sda/1/AUTH_t/c1', { 'X-Timestamp': t, ...acct() });
  assert.equal(r.status, 201);
  assert.equal(r.headers['x-backend-storage-policy-index'], '0');
  r = await http(C, 'PUT', '/sda/1/AUTH_t/c1', { 'X-Timestamp': nextTs(), ...acct() });
  assert.equal(r.status, 202);
  r = await http(A, 'GET', '/sda/0/AUTH_t?format=json');
  const row = JSON.parse(r.body).find((e: { name: string }) => e.name === 'c1');
  assert.equal(row.count, 0);
  assert.equal(r.headers['x-account-container-count'], '1');
});

test('policy: the requested index must match an existing container (409), must exist (400)', async () => {
  await http(C, 'PUT', '/sda/1/AUTH_t/pol', { 'X-Timestamp': nextTs(), 'X-Backend-Storage-Policy-Index': '1' });
  let r = await http(C, 'PUT', '/sda/1/AUTH_t/pol', { 'X-Timestamp': nextTs(), 'X-Backend-Storage-Policy-Index': '0' });
  assert.equal(r.status, 409);
  assert.equal(r.headers['x-backend-storage-policy-index'], '1');
  r = await http(C, 'PUT', '/sda/1/AUTH_t/pol', { 'X-Timestamp': nextTs(), 'X-Backend-Storage-Policy-Index': '7' });
  assert.equal(r.status, 400);
  assert.equal(r.body, 'Invalid X-Backend-Storage-Policy-Index 7');
  r = await http(C, 'HEAD', '/sda/1/AUTH_t/pol');
  assert.equal(r.headers['x-backend-storage-policy-index'], '1');
  // a deleted container may come back in another policy
  await http(C, 'DELETE', '/sda/1/AUTH_t/pol', { 'X-Timestamp': nextTs() });
  r = await http(C, 'PUT', '/sda/1/AUTH_t/pol', { 'X-Timestamp': nextTs(), 'X-Backend-Storage-Policy-Index': '0' });
  assert.equal(r.status, 201);
  assert.equal(r.headers['x-backend-storage-policy-index'], '0');
});

test('object rows update the stats; HEAD answers with Swift\'s headers', async () => {
  await http(C, 'PUT', '/sda/1/AUTH_t/c2', { 'X-Timestamp': nextTs() });
  for (const o of ['a', 'b', 'd/e']) assert.equal((await putObj('c2', o)).status, 201);
  assert.equal((await http(C, 'DELETE', '/sda/1/AUTH_t/c2/b', { 'X-Timestamp': nextTs() })).status, 204);
  const r = await http(C, 'HEAD', '/sda/1/AUTH_t/c2');
  assert.equal(r.status, 204);
  assert.equal(r.headers['x-container-object-count'], '2');
  assert.equal(r.headers['x-container-bytes-used'], '6');
  for (const h of ['x-timestamp', 'x-put-timestamp', 'x-backend-put-timestamp', 'x-backend-delete-timestamp', 'x-backend-status-changed-at', 'last-modified']) {
    assert.ok(r.headers[h], h);
  }
  assert.equal(r.headers['x-backend-delete-timestamp'], '0000000000.00000');
  assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
});

test('listings: json fields, xml, plain, Accept, 204 on empty, limit and params', async () => {
  await http(C, 'PUT', '/sda/1/AUTH_t/lst', { 'X-Timestamp': '1700000500.00000' });
  for (const o of ['a', 'b/c', 'b/d', 'x%20y']) await putObj('lst', o, { 'X-Timestamp': '1700000600.12345', 'X-Content-Type': 'text/plain; charset=UTF-8' });
  let r = await http(C, 'GET', '/sda/1/AUTH_t/lst?format=json&delimiter=/');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(r.body, '[{"bytes": 3, "hash": "abc", "name": "a", "content_type": "text/plain;charset=UTF-8", "last_modified": "2023-11-14T22:23:20.123450"}, '
    + '{"subdir": "b/"}, '
    + '{"bytes": 3, "hash": "abc", "name": "x y", "content_type": "text/plain;charset=UTF-8", "last_modified": "2023-11-14T22:23:20.123450"}]');
  r = await http(C, 'GET', '/sda/1/AUTH_t/lst?prefix=b/&format=xml');
  assert.equal(r.body, '<?xml version="1.0" encoding="UTF-8"?>\n<container name="lst">'
    + '<object><name>b/c</name><hash>abc</hash><bytes>3</bytes><content_type>text/plain;charset=UTF-8</content_type><last_modified>2023-11-14T22:23:20.123450</last_modified></object>'
    + '<object><name>b/d</name><hash>abc</hash><bytes>3</bytes><content_type>text/plain;charset=UTF-8</content_type><last_modified>2023-11-14T22:23:20.123450</last_modified></object></container>');
  r = await http(C, 'GET', '/sda/1/AUTH_t/lst?reverse=on&limit=2');
  assert.equal(r.body, 'x y\nb/d\n');
  r = await http(C, 'GET', '/sda/1/AUTH_t/lst?path=b');
  assert.equal(r.body, 'b/c\nb/d\n');
  r = await http(C, 'GET', '/sda/1/AUTH_t/lst?marker=a&end_marker=b/d');
  assert.equal(r.body, 'b/c\n');
  r = await http(C, 'GET', '/sda/1/AUTH_t/lst', { Accept: 'application/xml;q=0.5, application/json' });
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  r = await http(C, 'GET', '/sda/1/AUTH_t/lst?prefix=zzz');
  assert.equal(r.status, 204);
  r = await http(C, 'GET', '/sda/1/AUTH_t/lst?prefix=zzz&format=json');
  assert.deepEqual([r.status, r.body], [200, '[]']);
  r = await http(C, 'GET', '/sda/1/AUTH_t/lst?limit=10001');
  assert.deepEqual([r.status, r.body], [412, 'Maximum limit is 10000']);
  r = await http(C, 'GET', '/sda/1/AUTH_t/lst?limit=10000&format=bogus');
  assert.deepEqual([r.status, r.headers['content-type']], [200, 'text/plain; charset=utf-8']);
  r = await http(C, 'GET', '/sda/1/AUTH_t/lst', { Accept: 'image/png' });
  assert.equal(r.status, 406);
  r = await http(C, 'GET', '/sda/1/AUTH_t/lst?marker=%FF');
  assert.deepEqual([r.status, r.body], [400, '"marker" parameter not valid UTF-8']);
});

test('POST metadata: per-key timestamps, empty value removes, sysmeta and ACLs kept', async () => {
  await http(C, 'PUT', '/sda/1/AUTH_t/meta', { 'X-Timestamp': nextTs(), 'X-Container-Meta-Color': 'red', 'X-Container-Read': '.r:*' });
  const t = nextTs();
  let r = await http(C, 'POST', '/sda/1/AUTH_t/meta', {
    'X-Timestamp': t, 'X-Container-Meta-Color': '', 'X-Container-Meta-Shape': Buffer.from('r\u00f4nd', 'utf8').toString('latin1'),
    'X-Container-Sysmeta-Secret': 's', 'X-Container-Write': 'u1', 'X-Object-Meta-Ignored': 'x',
  });
  assert.equal(r.status, 204);
  // an older POST does not override a key set later
  await http(C, 'POST', '/sda/1/AUTH_t/meta', { 'X-Timestamp': '1600000000.00000', 'X-Container-Meta-Shape': 'old' });
  r = await http(C, 'HEAD', '/sda/1/AUTH_t/meta');
  assert.equal(r.headers['x-container-meta-color'], undefined);
  assert.equal(Buffer.from(r.headers['x-container-meta-shape'], 'latin1').toString('utf8'), 'r\u00f4nd');
  assert.equal(r.headers['x-container-sysmeta-secret'], 's');
  assert.equal(r.headers['x-container-read'], '.r:*');
  assert.equal(r.headers['x-container-write'], 'u1');
  assert.equal(r.headers['x-object-meta-ignored'], undefined);
  assert.equal(r.headers['x-put-timestamp'], t);
  r = await http(C, 'POST', '/sda/1/AUTH_t/meta', { 'X-Timestamp': nextTs(), 'X-Container-Meta-Big': 'v'.repeat(4097) });
  assert.deepEqual([r.status, r.body], [400, 'Total metadata too large; max 4096']);
  r = await http(C, 'POST', '/sda/1/AUTH_t/nope', { 'X-Timestamp': nextTs() });
  assert.equal(r.status, 404);
});

test('DELETE: 404 when missing, 409 when not empty, then 204 and gone', async () => {
  let r = await http(C, 'DELETE', '/sda/1/AUTH_t/missing', { 'X-Timestamp': nextTs() });
  assert.equal(r.status, 404);
  await http(C, 'PUT', '/sda/1/AUTH_t/del', { 'X-Timestamp': nextTs(), ...acct() });
  await putObj('del', 'o');
  r = await http(C, 'DELETE', '/sda/1/AUTH_t/del', { 'X-Timestamp': nextTs(), ...acct() });
  assert.equal(r.status, 409);
  await http(C, 'DELETE', '/sda/1/AUTH_t/del/o', { 'X-Timestamp': nextTs() });
  r = await http(C, 'DELETE', '/sda/1/AUTH_t/del', { 'X-Timestamp': nextTs(), ...acct() });
  assert.equal(r.status, 204);
  r = await http(C, 'HEAD', '/sda/1/AUTH_t/del');
  assert.equal(r.status, 404);
  assert.ok(r.headers['x-backend-delete-timestamp'] > r.headers['x-backend-put-timestamp']);
  assert.equal(r.headers['x-container-object-count'], undefined);
  r = await http(C, 'GET', '/sda/1/AUTH_t/del');
  assert.equal(r.status, 404);
  r = await http(A, 'GET', '/sda/0/AUTH_t?prefix=del&format=json');
  assert.equal(r.body, '[]');
});

test('account updates: all 404 → 404; a silent account server costs only the timeout', async () => {
  let r = await http(C, 'PUT', '/sda/1/AUTH_none/c', {
    'X-Timestamp': nextTs(), 'X-Account-Host': `127.0.0.1:${A}`, 'X-Account-Device': 'sda', 'X-Account-Partition': '0',
  });
  assert.equal(r.status, 404);
  const started = Date.now();
  r = await http(C, 'PUT', '/sda/1/AUTH_t/slow', {
    'X-Timestamp': nextTs(), 'X-Account-Host': `127.0.0.1:${silentPort},127.0.0.1:${A}`, 'X-Account-Device': 'sda,sda', 'X-Account-Partition': '0',
  });
  assert.equal(r.status, 201);
  assert.ok(Date.now() - started < 3000, 'bounded by account_update_timeout');
  r = await http(C, 'PUT', '/sda/1/AUTH_t/mismatch', {
    'X-Timestamp': nextTs(), 'X-Account-Host': `127.0.0.1:${A}`, 'X-Account-Device': 'sda,sdb', 'X-Account-Partition': '0',
  });
  assert.equal(r.status, 400);
});

test('hidden accounts auto-create their containers on the first object row', async () => {
  let r = await putObj('cont', 'obj').then(() => http(C, 'PUT', '/sda/1/.expiring_objects/1700000000/1700000000-a/c/o', {
    'X-Timestamp': nextTs(), 'X-Size': '0', 'X-Content-Type': 'text/plain', 'X-Etag': 'd41d8cd98f00b204e9800998ecf8427e',
  }));
  assert.equal(r.status, 201);
  r = await http(C, 'GET', '/sda/1/.expiring_objects/1700000000');
  assert.equal(r.body, '1700000000-a/c/o\n');
  r = await putObj('never-created', 'o');
  assert.equal(r.status, 404);
});

test('OPTIONS and unknown verbs', async () => {
  let r = await http(C, 'OPTIONS', '/sda/1/AUTH_t/c1');
  assert.equal(r.status, 200);
  assert.match(r.headers.allow, /REPLICATE/);
  r = await http(C, 'COPY', '/sda/1/AUTH_t/c1');
  assert.equal(r.status, 405);
});
