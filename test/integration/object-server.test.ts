import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { hashPath } from '../../common/index.js';
import { http, listTree, startObjectServer, startRecorder, ts, TEST_SWIFT_CONF, type TestObjectServer } from './helpers/object-server.js';

let srv: TestObjectServer;
before(async () => {
  srv = await startObjectServer({ container_update_timeout: '0.3', node_timeout: '2' });
});
after(() => srv.close());

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');
const now = (): number => Math.floor(Date.now() / 1000);
const hashDir = (obj: string, part = '0', dir = 'objects'): string => {
  const h = hashPath(TEST_SWIFT_CONF.hashPath, 'a', 'c', obj);
  return join(srv.devices, 'sda', dir, part, h.slice(-3), h);
};
const put = (obj: string, t: number, body: string | Buffer, headers: Record<string, string> = {}) =>
  http(srv.port, 'PUT', `/sda/0/a/c/${obj}`, { 'X-Timestamp': ts(t), 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), ...headers }, body);

test('PUT stores the object in Swift\'s layout; GET and HEAD return it with Swift\'s headers', async () => {
  const t = now();
  const res = await put('o1', t, 'hello world', {
    'X-Object-Meta-Color': 'red', 'X-Object-Sysmeta-Thing': 's', 'X-Object-Transient-Sysmeta-T': 'tt',
    'Content-Disposition': 'inline', 'Content-Encoding': 'gzip', 'X-Unrelated': 'dropped',
  });
  assert.equal(res.status, 201);
  assert.equal(res.headers.etag, `"${md5('hello world')}"`);
  assert.deepEqual(readdirSync(hashDir('o1')), [`${ts(t)}.data`]);
  assert.deepEqual(readdirSync(join(srv.devices, 'sda', 'tmp')), []);

  const get = await http(srv.port, 'GET', '/sda/0/a/c/o1');
  assert.equal(get.status, 200);
  assert.equal(get.body.toString(), 'hello world');
  assert.equal(get.headers['content-type'], 'text/plain');
  assert.equal(get.headers['content-length'], '11');
  assert.equal(get.headers['x-object-meta-color'], 'red');
  assert.equal(get.headers['x-object-sysmeta-thing'], 's');
  assert.equal(get.headers['x-object-transient-sysmeta-t'], 'tt');
  assert.equal(get.headers['content-disposition'], 'inline');
  assert.equal(get.headers['content-encoding'], 'gzip');
  assert.equal(get.headers['x-unrelated'], undefined);
  assert.equal(get.headers['x-timestamp'], ts(t));
  assert.equal(get.headers['x-backend-timestamp'], ts(t));
  assert.equal(get.headers['x-backend-data-timestamp'], ts(t));
  assert.equal(get.headers['last-modified'], new Date(t * 1000).toUTCString());

  const head = await http(srv.port, 'HEAD', '/sda/0/a/c/o1');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '11');
  assert.equal(head.body.length, 0);
});

test('overwrite keeps only the newest .data; a PUT not newer gets 409 with X-Backend-Timestamp', async () => {
  const t = now();
  assert.equal((await put('o2', t, 'one')).status, 201);
  assert.equal((await put('o2', t + 1, 'two')).status, 201);
  assert.deepEqual(readdirSync(hashDir('o2')), [`${ts(t + 1)}.data`]);
  const stale = await put('o2', t, 'old');
  assert.equal(stale.status, 409);
  assert.equal(stale.headers['x-backend-timestamp'], ts(t + 1));
  assert.equal((await http(srv.port, 'GET', '/sda/0/a/c/o2')).body.toString(), 'two');
  assert.equal((await put('o2', t + 2, 'x', { 'If-None-Match': '*' })).status, 412);
});

test('ranges: single, suffix, multiple (multipart/byteranges), unsatisfiable 416, malformed ignored', async () => {
  const body = 'abcdefghijklmnopqrstuvwxyz';
  await put('r', now(), body);
  const single = await http(srv.port, 'GET', '/sda/0/a/c/r', { Range: 'bytes=2-4' });
  assert.equal(single.status, 206);
  assert.equal(single.body.toString(), 'cde');
  assert.equal(single.headers['content-range'], 'bytes 2-4/26');
  const suffix = await http(srv.port, 'GET', '/sda/0/a/c/r', { Range: 'bytes=-3' });
  assert.equal(suffix.body.toString(), 'xyz');
  const multi = await http(srv.port, 'GET', '/sda/0/a/c/r', { Range: 'bytes=0-1,10-12' });
  assert.equal(multi.status, 206);
  const m = /^multipart\/byteranges;boundary=([0-9a-f]{32})$/.exec(String(multi.headers['content-type']));
  assert.ok(m, String(multi.headers['content-type']));
  const b = m[1];
  assert.equal(multi.body.toString(),
    `--${b}\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/26\r\n\r\nab\r\n` +
    `--${b}\r\nContent-Type: text/plain\r\nContent-Range: bytes 10-12/26\r\n\r\nklm\r\n--${b}--`);
  assert.equal(Number(multi.headers['content-length']), multi.body.length);
  const unsat = await http(srv.port, 'GET', '/sda/0/a/c/r', { Range: 'bytes=100-200' });
  assert.equal(unsat.status, 416);
  assert.equal(unsat.headers['content-range'], 'bytes */26');
  assert.equal(unsat.body.toString(), '<html><h1>Requested Range Not Satisfiable</h1><p>The Range requested is not available.</p></html>');
  for (const bad of ['bytes=5-3', 'bytes=x-y', 'pages=1-2', 'bytes=-', 'bytes=1']) {
    const r = await http(srv.port, 'GET', '/sda/0/a/c/r', { Range: bad });
    assert.equal(r.status, 200, bad);
    assert.equal(r.body.toString(), body);
  }
});

test('a zero-byte object GETs as an empty 200 with Content-Length 0', async () => {
  await put('empty', now(), '');
  const got = await http(srv.port, 'GET', '/sda/0/a/c/empty');
  assert.equal(got.status, 200);
  assert.equal(got.headers['content-length'], '0');
  assert.equal(got.body.length, 0);
});

test('conditional GET: If-Match, If-None-Match, If-(Un)Modified-Since, X-Backend-Etag-Is-At', async () => {
  const t = now() - 100;
  await put('cond', t, 'data', { 'X-Object-Sysmeta-Alt-Etag': 'alt' });
  const etag = md5('data');
  const get = (h: Record<string, string>) => http(srv.port, 'GET', '/sda/0/a/c/cond', h);
  assert.equal((await get({ 'If-Match': `"${etag}"` })).status, 200);
  const failed = await get({ 'If-Match': 'nope' });
  assert.equal(failed.status, 412);
  assert.equal(failed.body.length, 0);
  assert.equal((await get({ 'If-None-Match': etag })).status, 304);
  assert.equal((await get({ 'If-None-Match': '*' })).status, 304);
  assert.equal((await get({ 'If-Modified-Since': new Date((t + 10) * 1000).toUTCString() })).status, 304);
  assert.equal((await get({ 'If-Modified-Since': new Date((t - 10) * 1000).toUTCString() })).status, 200);
  assert.equal((await get({ 'If-Unmodified-Since': new Date((t - 10) * 1000).toUTCString() })).status, 412);
  assert.equal((await get({ 'If-Modified-Since': 'garbage' })).status, 200);
  assert.equal((await get({ 'If-Match': 'alt', 'X-Backend-Etag-Is-At': 'X-Object-Sysmeta-Alt-Etag' })).status, 200);
  assert.equal((await get({ 'If-Match': etag, 'X-Backend-Etag-Is-At': 'X-Object-Sysmeta-Alt-Etag' })).status, 412);
  const missing = await http(srv.port, 'GET', '/sda/0/a/c/nope', { 'If-Match': '*' });
  assert.equal(missing.status, 412);
});

test('POST writes a .meta: user metadata replaced, sysmeta kept, Content-Type updated with its timestamp', async () => {
  const t = now();
  await put('p', t, 'x', { 'X-Object-Meta-A': '1', 'X-Object-Sysmeta-S': 'keep' });
  const post = await http(srv.port, 'POST', '/sda/0/a/c/p', { 'X-Timestamp': ts(t + 1), 'X-Object-Meta-B': '2', 'Content-Type': 'image/png' });
  assert.equal(post.status, 202);
  assert.equal(post.headers['x-backend-content-type'], 'image/png');
  assert.equal(post.headers['x-object-sysmeta-s'], 'keep');
  const names = readdirSync(hashDir('p')).sort();
  assert.deepEqual(names, [`${ts(t)}.data`, `${ts(t + 1)}+0.meta`]);
  const head = await http(srv.port, 'HEAD', '/sda/0/a/c/p');
  assert.equal(head.headers['x-object-meta-a'], undefined);
  assert.equal(head.headers['x-object-meta-b'], '2');
  assert.equal(head.headers['x-object-sysmeta-s'], 'keep');
  assert.equal(head.headers['content-type'], 'image/png');
  assert.equal(head.headers['x-timestamp'], ts(t + 1));
  assert.equal(head.headers['x-backend-data-timestamp'], ts(t));
  // a newer POST without Content-Type keeps the type from the older .meta
  assert.equal((await http(srv.port, 'POST', '/sda/0/a/c/p', { 'X-Timestamp': ts(t + 2), 'X-Object-Meta-C': '3' })).status, 202);
  const head2 = await http(srv.port, 'HEAD', '/sda/0/a/c/p');
  assert.equal(head2.headers['content-type'], 'image/png');
  assert.equal(head2.headers['x-object-meta-c'], '3');
  assert.equal(head2.headers['x-object-meta-b'], undefined);
  const stale = await http(srv.port, 'POST', '/sda/0/a/c/p', { 'X-Timestamp': ts(t + 1) });
  assert.equal(stale.status, 409);
  assert.equal(stale.headers['x-backend-timestamp'], ts(t + 2));
  assert.equal((await http(srv.port, 'POST', '/sda/0/a/c/missing', { 'X-Timestamp': ts(t) })).status, 404);
});

test('DELETE writes a tombstone: 204, then 404 with X-Backend-Timestamp; 409 when older; X-If-Delete-At', async () => {
  const t = now();
  await put('d', t, 'x', { 'X-Delete-At': String(t + 1000) });
  assert.equal((await http(srv.port, 'DELETE', '/sda/0/a/c/d', { 'X-Timestamp': ts(t - 1) })).status, 409);
  const mismatch = await http(srv.port, 'DELETE', '/sda/0/a/c/d', { 'X-Timestamp': ts(t + 1), 'X-If-Delete-At': String(t + 5) });
  assert.equal(mismatch.status, 412);
  assert.equal(mismatch.body.toString(), 'X-If-Delete-At and X-Delete-At do not match');
  const del = await http(srv.port, 'DELETE', '/sda/0/a/c/d', { 'X-Timestamp': ts(t + 1), 'X-If-Delete-At': String(t + 1000) });
  assert.equal(del.status, 204);
  assert.deepEqual(readdirSync(hashDir('d')), [`${ts(t + 1)}.ts`]);
  const gone = await http(srv.port, 'GET', '/sda/0/a/c/d');
  assert.equal(gone.status, 404);
  assert.equal(gone.headers['x-backend-timestamp'], ts(t + 1));
  const again = await http(srv.port, 'DELETE', '/sda/0/a/c/d', { 'X-Timestamp': ts(t + 2) });
  assert.equal(again.status, 404);
  assert.equal(again.headers['x-backend-timestamp'], ts(t + 2));
  assert.equal((await put('d', t, 'old')).status, 409);
});

test('an object past its X-Delete-At reads as 404', async () => {
  const t = now();
  await put('exp', t, 'x', { 'X-Delete-At': String(t + 5) });
  assert.equal((await http(srv.port, 'GET', '/sda/0/a/c/exp')).status, 200);
  const later = await http(srv.port, 'GET', '/sda/0/a/c/exp', { 'X-Timestamp': ts(t + 6) });
  assert.equal(later.status, 404);
  assert.equal(later.headers['x-backend-timestamp'], ts(t));
  assert.equal((await http(srv.port, 'GET', '/sda/0/a/c/exp', { 'X-Timestamp': ts(t + 6), 'X-Backend-Replication': 'true' })).status, 200);
});

test('container updates go to every X-Container-Host; failures become async_pending files', async () => {
  const ok = await startRecorder(201);
  const bad = await startRecorder(500);
  try {
    const t = now();
    const res = await put('cu', t, 'hello', {
      'X-Container-Host': `127.0.0.1:${ok.port},127.0.0.1:${bad.port}`,
      'X-Container-Device': 'sdb,sdc', 'X-Container-Partition': '7', 'X-Trans-Id': 'tx1',
    });
    assert.equal(res.status, 201);
    // updates slower than container_update_timeout finish after the 201
    for (let i = 0; i < 250 && (ok.requests.length < 1 || bad.requests.length < 1); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(ok.requests.length, 1);
    const u = ok.requests[0];
    assert.equal(u.method, 'PUT');
    assert.equal(u.url, '/sdb/7/a/c/cu');
    assert.equal(u.headers['x-size'], '5');
    assert.equal(u.headers['x-etag'], md5('hello'));
    assert.equal(u.headers['x-content-type'], 'text/plain');
    assert.equal(u.headers['x-timestamp'], ts(t));
    assert.equal(u.headers['x-trans-id'], 'tx1');
    assert.equal(u.headers['x-backend-storage-policy-index'], '0');
    assert.equal(bad.requests[0].url, '/sdc/7/a/c/cu');
    const h = hashPath(TEST_SWIFT_CONF.hashPath, 'a', 'c', 'cu');
    const pending = join(srv.devices, 'sda', 'async_pending', h.slice(-3), `${h}-${ts(t)}`);
    for (let i = 0; i < 500 && !existsSync(pending); i++) await new Promise((r) => setTimeout(r, 20));
    const data = JSON.parse(readFileSync(pending, 'utf8'));
    assert.equal(data.op, 'PUT');
    assert.equal(data.account, 'a');
    assert.equal(data.container, 'c');
    assert.equal(data.obj, 'cu');
    assert.equal(data.headers['x-size'], '5');

    const del = await http(srv.port, 'DELETE', '/sda/0/a/c/cu', {
      'X-Timestamp': ts(t + 1), 'X-Container-Host': `127.0.0.1:${ok.port}`, 'X-Container-Device': 'sdb', 'X-Container-Partition': '7',
    });
    assert.equal(del.status, 204);
    for (let i = 0; i < 250 && ok.requests.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(ok.requests[1].method, 'DELETE');
    assert.equal(ok.requests[1].headers['x-timestamp'], ts(t + 1));
  } finally {
    await ok.close();
    await bad.close();
  }
});

test('a slow container server delays the PUT by container_update_timeout only, then lands in async_pending', async () => {
  const slow = await startRecorder(201, 5000);
  try {
    const t = now();
    const started = Date.now();
    const res = await put('slow', t, 'x', { 'X-Container-Host': `127.0.0.1:${slow.port}`, 'X-Container-Device': 'sdb', 'X-Container-Partition': '1' });
    assert.equal(res.status, 201);
    // it waited container_update_timeout (1 s), not the 5 s the server takes
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
    const h = hashPath(TEST_SWIFT_CONF.hashPath, 'a', 'c', 'slow');
    const pending = join(srv.devices, 'sda', 'async_pending', h.slice(-3), `${h}-${ts(t)}`);
    for (let i = 0; i < 500 && !existsSync(pending); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(existsSync(pending), 'async_pending written after node_timeout');
  } finally {
    await slow.close();
  }
});

test('X-Delete-At-* headers queue the object in .expiring_objects', async () => {
  const rec = await startRecorder(201);
  try {
    const t = now();
    const at = t + 86400 * 3;
    const res = await put('ex', t, 'x', {
      'X-Delete-At': String(at), 'X-Delete-At-Host': `127.0.0.1:${rec.port}`, 'X-Delete-At-Device': 'sdx',
      'X-Delete-At-Partition': '3', 'X-Delete-At-Container': '0000086400',
    });
    assert.equal(res.status, 201);
    assert.equal(rec.requests.length, 1);
    assert.equal(rec.requests[0].url, `/sdx/3/.expiring_objects/0000086400/${at}-a/c/ex`);
    assert.equal(rec.requests[0].headers['x-content-type'], 'text/plain');
    assert.equal(rec.requests[0].headers['x-size'], '0');
  } finally {
    await rec.close();
  }
});

test('REPLICATE returns the partition\'s suffix hashes, cached in hashes.json and refreshed after writes', async () => {
  const t = now();
  await http(srv.port, 'PUT', '/sda/5/a/c/rep', { 'X-Timestamp': ts(t), 'Content-Type': 'x', 'Content-Length': 1 }, 'x');
  const suffix = hashPath(TEST_SWIFT_CONF.hashPath, 'a', 'c', 'rep').slice(-3);
  const r1 = await http(srv.port, 'REPLICATE', '/sda/5');
  assert.equal(r1.status, 200);
  const h1 = JSON.parse(r1.body.toString());
  assert.deepEqual(Object.keys(h1), [suffix]);
  assert.match(h1[suffix], /^[0-9a-f]{32}$/);
  assert.ok(existsSync(join(srv.devices, 'sda', 'objects', '5', 'hashes.json')));
  assert.equal(JSON.parse((await http(srv.port, 'REPLICATE', '/sda/5')).body.toString())[suffix], h1[suffix]);
  await http(srv.port, 'DELETE', '/sda/5/a/c/rep', { 'X-Timestamp': ts(t + 1) });
  const h2 = JSON.parse((await http(srv.port, 'REPLICATE', `/sda/5/${suffix}-abc`)).body.toString());
  assert.notEqual(h2[suffix], h1[suffix]);
  assert.deepEqual(JSON.parse((await http(srv.port, 'REPLICATE', '/sda/99')).body.toString()), {});
});

test('storage policy 1 lives in objects-1; an unknown policy is 503', async () => {
  const t = now();
  const res = await http(srv.port, 'PUT', '/sda/0/a/c/pol', { 'X-Timestamp': ts(t), 'Content-Type': 'x', 'Content-Length': 1, 'X-Backend-Storage-Policy-Index': '1' }, 'x');
  assert.equal(res.status, 201);
  assert.deepEqual(readdirSync(hashDir('pol', '0', 'objects-1')), [`${ts(t)}.data`]);
  assert.equal((await http(srv.port, 'GET', '/sda/0/a/c/pol')).status, 404);
  const bad = await http(srv.port, 'GET', '/sda/0/a/c/pol', { 'X-Backend-Storage-Policy-Index': '9' });
  assert.equal(bad.status, 503);
  assert.equal(bad.body.toString(), 'No policy with index 9');
});

test('Expect: 100-continue is answered only once the PUT is accepted (a 409 comes instead of 100)', async () => {
  const t = now();
  await put('ec', t, 'x');
  const reply = await new Promise<string>((resolve) => {
    const sock = connect(srv.port, '127.0.0.1', () => {
      sock.write(`PUT /sda/0/a/c/ec HTTP/1.1\r\nHost: x\r\nX-Timestamp: ${ts(t)}\r\nContent-Type: x\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n`);
    });
    let text = '';
    sock.on('data', (d) => {
      text += d;
      if (text.includes('\r\n\r\n')) {
        sock.destroy();
        resolve(text);
      }
    });
  });
  assert.match(reply, /^HTTP\/1\.1 409/);
});

test('unknown device and unmounted device (mount_check) get 507', async () => {
  const missing = await http(srv.port, 'GET', '/sdz/0/a/c/o');
  assert.equal(missing.status, 507);
  assert.equal(missing.body.toString(), '<html><h1>Insufficient Storage</h1><p>There was not enough space to save the resource. Drive: sdz</p></html>');
  const checked = await startObjectServer({ mount_check: 'true' });
  try {
    const r = await http(checked.port, 'PUT', '/sda/0/a/c/o', { 'X-Timestamp': ts(now()), 'Content-Type': 'x', 'Content-Length': 1 }, 'x');
    assert.equal(r.status, 507);
    assert.deepEqual(listTree(checked.devices), []);
  } finally {
    await checked.close();
  }
});
