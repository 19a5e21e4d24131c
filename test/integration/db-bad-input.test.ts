import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { connect } from 'node:net';
import { startDbServers, http, nextTs, type DbServers } from './db-test-servers.js';

let s: DbServers;
let C: number;
let A: number;
before(async () => {
  s = await startDbServers();
  C = s.container.port;
  A = s.account.port;
  writeFileSync(join(s.devices, 'not-a-dir'), 'x');
});
after(() => s.close());

/** Every file under `dir`, relative to the temp root. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(relative(s.root, p));
  }
  return out;
}

/** A request with the path bytes sent exactly as given. */
function rawRequest(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => {
      const head = Object.entries({ Host: 'x', Connection: 'close', 'Content-Length': '0', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      // write, not end: a half-closed request is aborted by node's HTTP server before an answer that waits on a sync
      sock.write(`${method} ${path} HTTP/1.1\r\n${head}\r\n`);
    });
    let out = '';
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('end', () => {
      const [head, ...rest] = out.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body: rest.join('\r\n\r\n') });
    });
    sock.on('error', reject);
  });
}

const ts = () => ({ 'X-Timestamp': nextTs() });

test('paths: bad UTF-8 → 412, reserved byte misuse → 400, dot segments → 400, as Swift', async () => {
  const cases: [number, string, string, number, string][] = [
    [0, 'PUT', '/sda/1/AUTH_x/%FFc', 412, 'Invalid UTF8 or contains NULL'],
    [0, 'GET', '/sda/1/AUTH_x/c%C0%AF', 412, 'Invalid UTF8 or contains NULL'],
    [0, 'PUT', '/sda/1/AUTH_x/c%00d', 400, 'Invalid reserved-namespace container'],
    [0, 'PUT', '/sda/1/AUTH_x/c/o%00', 400, 'Invalid reserved-namespace object'],
    [0, 'PUT', '/sda/../AUTH_x/c', 400, 'Invalid partition: ..'],
    [0, 'PUT', '/../1/AUTH_x/c', 400, 'Invalid device: ..'],
    [0, 'PUT', '/sda/1', 400, 'Invalid path: /sda/1'],
    [0, 'POST', '/sda/1/AUTH_x/c/o', 400, 'Invalid path: /sda/1/AUTH_x/c/o'],
    [1, 'PUT', '/sda/1/AUTH_%FF', 412, 'Invalid UTF8'],
    [1, 'PUT', '/sda/1/AU%00TH', 400, 'Invalid reserved-namespace account'],
    [1, 'HEAD', '/sda/1/AUTH_x/c/o', 400, ''],
    [1, 'GET', '/sda/.', 400, 'Invalid path: /sda/.'],
  ];
  for (const [which, method, path, status, body] of cases) {
    const r = await rawRequest(which === 0 ? C : A, method, path, { ...ts(), 'X-Size': '0', 'X-Content-Type': 't', 'X-Etag': 'e' });
    assert.equal(r.status, status, `${method} ${path}`);
    if (method !== 'HEAD') assert.equal(r.body, body, `${method} ${path}`);
  }
});

test('devices: a name quote_plus would change, a missing device or a file → 507', async () => {
  for (const dev of ['sd%20a', 'nodev', 'not-a-dir', '..%2Fsda']) {
    const r = await rawRequest(C, 'PUT', `/${dev}/1/AUTH_x/c`, ts());
    assert.equal(r.status, dev === '..%2Fsda' ? 400 : 507, dev);
  }
  const r = await rawRequest(A, 'PUT', '/nodev/1/AUTH_x', ts());
  assert.equal(r.status, 507);
});

test('timestamps: missing, malformed and negative X-Timestamp → 400', async () => {
  for (const value of [undefined, 'bogus', '-1', '1e400', '12345678901']) {
    const headers: Record<string, string> = value === undefined ? {} : { 'X-Timestamp': value };
    const r = await http(C, 'PUT', '/sda/1/AUTH_x/tsc', headers);
    assert.equal(r.status, 400, String(value));
    assert.equal(r.body, value === undefined ? 'Missing X-Timestamp header' : 'Invalid X-Timestamp header');
    assert.equal((await http(A, 'POST', '/sda/1/AUTH_x', headers)).status, 400);
  }
  await http(C, 'PUT', '/sda/1/AUTH_x/tsc', ts());
  const r = await http(C, 'PUT', '/sda/1/AUTH_x/tsc/o', { ...ts(), 'X-Size': 'lots', 'X-Content-Type': 't', 'X-Etag': 'e' });
  assert.equal(r.status, 400);
});

test('listing parameters: limit over 10,000 → 412, bad Accept → 400/406, non-UTF-8 params → 400', async () => {
  await http(C, 'PUT', '/sda/1/AUTH_x/params', ts());
  await http(A, 'PUT', '/sda/1/AUTH_x', ts());
  assert.equal((await http(C, 'GET', '/sda/1/AUTH_x/params?limit=10001')).status, 412);
  assert.equal((await http(C, 'GET', '/sda/1/AUTH_x/params?limit=-5')).status, 204, 'a non-digit limit is ignored');
  assert.equal((await http(A, 'GET', '/sda/1/AUTH_x?limit=99999')).status, 412);
  assert.equal((await http(C, 'GET', '/sda/1/AUTH_x/params', { Accept: 'garbage' })).status, 400);
  assert.equal((await http(C, 'GET', '/sda/1/AUTH_x/params', { Accept: 'image/png' })).status, 406);
  assert.equal((await http(A, 'GET', '/sda/1/AUTH_x?prefix=%FE')).status, 400);
  assert.equal((await http(C, 'GET', '/sda/1/AUTH_x/params?delimiter=%FE')).status, 400);
});

test('long names are hashed: accepted as Swift does, and never leave the device', async () => {
  const long = 'c'.repeat(2000);
  assert.equal((await http(C, 'PUT', `/sda/1/AUTH_x/${long}`, ts())).status, 201);
  assert.equal((await http(C, 'PUT', `/sda/1/AUTH_x/${long}/${'o'.repeat(5000)}`, { ...ts(), 'X-Size': '1', 'X-Content-Type': 't', 'X-Etag': 'e' })).status, 201);
  // dot segments are names like any other (sent as-is: URL parsers would fold them)
  const row = { 'X-Size': '1', 'X-Content-Type': 't', 'X-Etag': 'e' };
  assert.equal((await rawRequest(C, 'PUT', '/sda/1/AUTH_x/..', ts())).status, 201);
  assert.equal((await rawRequest(C, 'PUT', '/sda/1/AUTH_x/.%2F..%2F..', { ...ts(), ...row })).status, 404);
  assert.equal((await rawRequest(C, 'PUT', '/sda/1/AUTH_x/../..%2F..', { ...ts(), ...row })).status, 201);
  assert.equal((await rawRequest(A, 'PUT', '/sda/1/..', ts())).status, 201);
  // everything written is a DB (or its WAL) under <devices>/sda/{containers,accounts}/<part>/<suffix>/<hash>/
  for (const f of filesUnder(s.root)) {
    if (f === join('devices', 'not-a-dir')) continue;
    assert.match(f, /^devices\/sda\/(containers|accounts)\/1\/[0-9a-f]{3}\/[0-9a-f]{32}\/[0-9a-f]{32}\.db(-wal|-shm)?$/, f);
  }
});

test('metadata limits: too many items or too large → 400', async () => {
  await http(C, 'PUT', '/sda/1/AUTH_x/md', ts());
  const many: Record<string, string> = ts();
  for (let i = 0; i < 91; i++) many[`X-Container-Meta-K${i}`] = 'v';
  assert.equal((await http(C, 'POST', '/sda/1/AUTH_x/md', many)).status, 400);
  const r = await http(C, 'POST', '/sda/1/AUTH_x/md', { ...ts(), 'X-Container-Meta-Bad': '\u00ff\u00fe' });
  assert.deepEqual([r.status, r.body], [400, 'Metadata must be valid UTF-8']);
});

test('X-Container-Sync-To is validated as Swift does', async () => {
  const cases: [string, number, string][] = [
    ['http://127.0.0.1:8080/v1/AUTH_x/c', 201, ''],
    ['http://evil.example/v1/a/c', 400, "Invalid host 'evil.example' in X-Container-Sync-To"],
    ['ftp://127.0.0.1/a', 400, 'Invalid scheme \'ftp\' in X-Container-Sync-To, must be "//", "http", or "https".'],
    ['http://127.0.0.1', 400, 'Path required in X-Container-Sync-To'],
    ['http://127.0.0.1/a?x=1', 400, 'Params, queries, and fragments not allowed in X-Container-Sync-To'],
    ['//realm/a', 400, "Invalid X-Container-Sync-To format '//realm/a'"],
    ['//realm/cluster/a/c', 400, "No realm key for 'realm'"],
  ];
  for (const [i, [value, status, body]] of cases.entries()) {
    const r = await http(C, 'PUT', `/sda/1/AUTH_x/sync-${i}`, { ...ts(), 'X-Container-Sync-To': value });
    assert.equal(r.status, status, value);
    if (status === 400) assert.equal(r.body, body);
  }
  await http(C, 'PUT', '/sda/1/AUTH_x/syncpost', ts());
  const r = await http(C, 'POST', '/sda/1/AUTH_x/syncpost', { ...ts(), 'X-Container-Sync-To': 'http://nope/v1/a/c' });
  assert.equal(r.status, 400);
});
