import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { http, listTree, startObjectServer, ts, type TestObjectServer } from './helpers/object-server.js';

let srv: TestObjectServer;
before(async () => {
  srv = await startObjectServer({ client_timeout: '0.3' });
});
after(() => srv.close());

const now = (): number => Math.floor(Date.now() / 1000);
const putHeaders = (extra: Record<string, string | number> = {}) => ({ 'X-Timestamp': ts(now()), 'Content-Type': 'text/plain', 'Content-Length': 1, ...extra });

/** Sends raw bytes on a new connection; resolves with what came back until close (or `waitMs`). */
function raw(bytes: string | Buffer, options: { waitMs?: number; destroyAfterWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const sock = connect(srv.port, '127.0.0.1', () => {
      sock.write(bytes);
      if (options.destroyAfterWrite) setTimeout(() => sock.destroy(), 50);
    });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(text);
    }, options.waitMs ?? 3000);
    sock.on('data', (d) => (text += d.toString('latin1')));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    sock.on('error', () => undefined);
  });
}

/** Everything under the test root is inside the device dir, and no temp file is left. */
function assertContained(): void {
  for (const f of listTree(srv.root)) assert.ok(f.startsWith('node/sda/'), `written outside the device: ${f}`);
  assert.deepEqual(readdirSync(join(srv.devices, 'sda', 'tmp')).filter((n) => n.startsWith('tmp')), []);
}

async function waitForNoTemp(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (readdirSync(join(srv.devices, 'sda', 'tmp')).length === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('dot segments as device or partition are 400; in an object name they are just part of the hashed name', async () => {
  await http(srv.port, 'PUT', '/sda/0/a/c/seed', putHeaders(), 'x'); // creates tmp/
  const cases: [string, number, string][] = [
    ['/../0/a/c/o', 400, 'Invalid device: ..'],
    ['/./0/a/c/o', 400, 'Invalid device: .'],
    ['/sda/../a/c/o', 400, 'Invalid partition: ..'],
    ['/sda/./a/c/o', 400, 'Invalid partition: .'],
    ['/sda/0/a/c', 400, 'Invalid path: /sda/0/a/c'],
    ['/sda/0/a//o', 400, 'Invalid path: /sda/0/a//o'],
    ['/sda%2F..%2F..%2Fetc/0/a/c/o', 400, 'Invalid partition: ..'],
  ];
  for (const [path, status, body] of cases) {
    const res = await http(srv.port, 'PUT', path, putHeaders(), 'x');
    assert.equal(res.status, status, path);
    assert.equal(res.body.toString(), body, path);
  }
  const dotted = await http(srv.port, 'PUT', '/sda/0/a/c/../../../../../etc/passwd', putHeaders(), 'x');
  assert.equal(dotted.status, 201);
  assert.equal((await http(srv.port, 'GET', '/sda/0/a/c/../../../../../etc/passwd')).body.toString(), 'x');
  const slashDot = await http(srv.port, 'PUT', '/sda/0/a/c/x/./y', putHeaders(), 'x');
  assert.equal(slashDot.status, 201);
  assertContained();
});

test('NUL and invalid UTF-8 in names get Swift\'s 400 / 412', async () => {
  const nul = await http(srv.port, 'PUT', '/sda/0/a/c/o%00x', putHeaders(), 'x');
  assert.equal(nul.status, 400);
  assert.equal(nul.body.toString(), 'Invalid reserved-namespace object');
  const reserved = await http(srv.port, 'PUT', '/sda/0/a/c/%00o', putHeaders(), 'x');
  assert.equal(reserved.status, 400);
  assert.equal(reserved.body.toString(), 'Invalid reserved-namespace object in user-namespace container');
  for (const path of ['/sda/0/a/c/%FF', '/sda/0/a/c/%C3%28', '/sda/0/a/%ED%A0%80/o']) {
    const res = await http(srv.port, 'PUT', path, putHeaders(), 'x');
    assert.equal(res.status, 412, path);
    assert.equal(res.body.toString(), 'Invalid UTF8 or contains NULL');
  }
  const badEscape = await http(srv.port, 'GET', '/sda/0/a/c/%zz');
  assert.equal(badEscape.status, 400);
  assertContained();
});

test('over-long object names are 400', async () => {
  const name = 'n'.repeat(1025);
  const res = await http(srv.port, 'PUT', `/sda/0/a/c/${name}`, putHeaders(), 'x');
  assert.equal(res.status, 400);
  assert.equal(res.body.toString(), 'Object name length of 1025 longer than 1024');
  const utf8 = await http(srv.port, 'PUT', `/sda/0/a/c/${'%C3%A9'.repeat(513)}`, putHeaders(), 'x');
  assert.equal(utf8.status, 400);
  assert.equal(utf8.body.toString(), 'Object name length of 1026 longer than 1024');
  assertContained();
});

test('missing, absurd and negative Content-Length', async () => {
  const missing = await raw(`PUT /sda/0/a/c/cl HTTP/1.1\r\nHost: x\r\nX-Timestamp: ${ts(now())}\r\nContent-Type: x\r\nConnection: close\r\n\r\n`);
  assert.match(missing, /^HTTP\/1\.1 411 /);
  assert.ok(missing.endsWith('Missing Content-Length header.'));
  const huge = await raw(`PUT /sda/0/a/c/cl HTTP/1.1\r\nHost: x\r\nX-Timestamp: ${ts(now())}\r\nContent-Type: x\r\nContent-Length: 99999999999\r\n\r\nabc`);
  assert.match(huge, /^HTTP\/1\.1 413 /);
  assert.ok(huge.endsWith('Your request is too large.'));
  for (const cl of ['-1', 'abc', '1e3', '99999999999999999999999']) {
    const res = await raw(`PUT /sda/0/a/c/cl HTTP/1.1\r\nHost: x\r\nX-Timestamp: ${ts(now())}\r\nContent-Type: x\r\nContent-Length: ${cl}\r\n\r\nabc`);
    assert.match(res, /^HTTP\/1\.1 400 /, cl);
  }
  assert.equal((await http(srv.port, 'GET', '/sda/0/a/c/cl')).status, 404);
  assertContained();
});

test('a body shorter than Content-Length is 499 and leaves nothing', async () => {
  await raw(`PUT /sda/0/a/c/short HTTP/1.1\r\nHost: x\r\nX-Timestamp: ${ts(now())}\r\nContent-Type: x\r\nContent-Length: 100000\r\n\r\n${'z'.repeat(5000)}`,
    { destroyAfterWrite: true, waitMs: 500 });
  await waitForNoTemp();
  assert.equal((await http(srv.port, 'GET', '/sda/0/a/c/short')).status, 404);
  assertContained();
});

test('a client that stalls past client_timeout gets 408 and leaves nothing', async () => {
  const res = await raw(`PUT /sda/0/a/c/stall HTTP/1.1\r\nHost: x\r\nX-Timestamp: ${ts(now())}\r\nContent-Type: x\r\nContent-Length: 100\r\n\r\nabc`, { waitMs: 2000 });
  assert.match(res, /^HTTP\/1\.1 408 /);
  await waitForNoTemp();
  assert.equal((await http(srv.port, 'GET', '/sda/0/a/c/stall')).status, 404);
  assertContained();
});

test('an ETag that does not match the body is 422 and leaves nothing', async () => {
  const res = await http(srv.port, 'PUT', '/sda/0/a/c/etag', putHeaders({ ETag: 'd41d8cd98f00b204e9800998ecf8427e' }), 'x');
  assert.equal(res.status, 422);
  assert.equal((await http(srv.port, 'GET', '/sda/0/a/c/etag')).status, 404);
  assertContained();
});

test('malformed X-Timestamp is 400 on every write verb', async () => {
  for (const method of ['PUT', 'POST', 'DELETE']) {
    for (const value of ['abc', '-1', '', '12.3.4', '1_zz']) {
      const res = await http(srv.port, method, '/sda/0/a/c/t', { ...putHeaders(), 'X-Timestamp': value }, method === 'PUT' ? 'x' : undefined);
      assert.equal(res.status, 400, `${method} ${value}`);
      assert.equal(res.body.toString(), 'Invalid X-Timestamp header');
    }
    const missing = await http(srv.port, method, '/sda/0/a/c/t', { 'Content-Type': 'x', 'Content-Length': method === 'PUT' ? 1 : 0 }, method === 'PUT' ? 'x' : undefined);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.toString(), 'Missing X-Timestamp header');
  }
  assertContained();
});

test('bad metadata and delete-at headers are Swift\'s 400s', async () => {
  const cases: [Record<string, string>, string][] = [
    [{ 'X-Object-Meta-': 'v' }, 'Metadata name cannot be empty'],
    [{ [`X-Object-Meta-${'k'.repeat(129)}`]: 'v' }, `Metadata name too long: x-object-meta-${'k'.repeat(129)}`],
    [{ 'X-Object-Meta-Big': 'v'.repeat(257) }, 'Metadata value longer than 256: x-object-meta-big'],
    [{ 'X-Delete-At': 'soon' }, 'Non-integer X-Delete-At'],
    [{ 'X-Delete-At': '100' }, 'X-Delete-At in past'],
    [{ 'X-Delete-After': 'x' }, 'Non-integer X-Delete-After'],
  ];
  for (const [headers, body] of cases) {
    const res = await http(srv.port, 'PUT', '/sda/0/a/c/meta', putHeaders(headers), 'x');
    assert.equal(res.status, 400, body);
    assert.equal(res.body.toString(), body);
  }
  const noType = await http(srv.port, 'PUT', '/sda/0/a/c/meta', { 'X-Timestamp': ts(now()), 'Content-Length': 1 }, 'x');
  assert.equal(noType.status, 400);
  assert.equal(noType.body.toString(), 'No content type');
  assertContained();
});

test('malformed Range headers are ignored; unsatisfiable ones are 416', async () => {
  await http(srv.port, 'PUT', '/sda/0/a/c/range', putHeaders({ 'Content-Length': 10 }), '0123456789');
  for (const range of ['bytes=9-1', 'bytes=a-b', 'bytes=1', 'bytes=--1', 'chars=0-1', 'bytes=-']) {
    const res = await http(srv.port, 'GET', '/sda/0/a/c/range', { Range: range });
    assert.equal(res.status, 200, range);
  }
  for (const range of ['bytes=10-', 'bytes=20-30', 'bytes=-0', `bytes=${Array.from({ length: 51 }, (_, i) => `${i % 10}-${i % 10}`).join(',')}`]) {
    const res = await http(srv.port, 'GET', '/sda/0/a/c/range', { Range: range });
    assert.equal(res.status, 416, range.slice(0, 30));
  }
});
