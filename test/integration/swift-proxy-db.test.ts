/**
 * Protocol proof: Debian's real swift-proxy-server (tempauth,
 * account_autocreate) over rings in Swift's format (written by our
 * RingBuilder; ring-interop checks Swift's own builder against us), whose account and container rings point at three swiftly account and
 * three swiftly container servers and whose object ring points at three
 * real swift-object-servers; driven by python-swiftclient's `swift` CLI and
 * direct HTTP.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { parseIni, silentLogger, swiftConfFromIni } from '../../common/index.js';
import { startStorageServer, type ListeningServer } from '../../storage/index.js';
import { startMemcache, type MemcacheServer } from '../helpers/memcache-server.js';
import { freePort } from '../helpers/swift-cluster.js';
import { ensureEtcSwiftConf, FIXED_SWIFT_CONF, PROXY_PIPELINE, serverConfText, writeRing, type ConfOptions } from '../../cli/cluster/layout.js';

const root = mkdtempSync(join(tmpdir(), 'swiftly-proxy-db-'));
const etc = join(root, 'etc');
const srv = join(root, 'srv');
const servers: ListeningServer[] = [];
const children: ChildProcess[] = [];
let memcached: MemcacheServer;
let proxyPort = 0;
const user = userInfo().username;

/** Part power 6, 3 replicas, the devices in zone 1 (nine swift-ring-builder runs did this at a Python start each). */
function buildRing(name: string, devs: { port: number; device: string }[]): void {
  writeRing(etc, name, { partPower: 6, replicas: 3, minPartHours: 1, devices: devs.map((d) => ({ zone: 1, weight: 100, ...d })) });
}

function startSwift(bin: string, confPath: string): void {
  const child = spawn(bin, [confPath, '-v'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  if (process.env.SWIFTLY_DEBUG_SWIFT) child.stderr!.on('data', (d) => process.stderr.write(d));
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  child.on('exit', (code) => {
    if (code && !stopping) process.stderr.write(`${bin} exited ${code}: ${err}\n`);
  });
  children.push(child);
}
let stopping = false;

async function waitFor(url: string): Promise<void> {
  // Swift's Python servers take seconds to start on a loaded machine.
  for (let i = 0; i < 600; i++) {
    try {
      const r = await request(url);
      await r.body.dump();
      if (r.statusCode < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never came up`);
}

before(async () => {
  ensureEtcSwiftConf();
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, 'swift.conf'), FIXED_SWIFT_CONF);
  const swiftConf = swiftConfFromIni(parseIni(FIXED_SWIFT_CONF));
  memcached = await startMemcache();
  const dbConf = { devices: srv, mount_check: 'false', account_update_timeout: '1' };
  const accountDevs: { port: number; device: string }[] = [];
  const containerDevs: { port: number; device: string }[] = [];
  for (let i = 1; i <= 3; i++) {
    mkdirSync(join(srv, `a${i}`), { recursive: true });
    mkdirSync(join(srv, `c${i}`), { recursive: true });
    mkdirSync(join(srv, `o${i}`), { recursive: true });
    const a = await startStorageServer('account', dbConf, { host: '127.0.0.1', port: 0, swiftConf, logger: silentLogger });
    const c = await startStorageServer('container', dbConf, { host: '127.0.0.1', port: 0, swiftConf, logger: silentLogger });
    servers.push(a, c);
    accountDevs.push({ port: a.port, device: `a${i}` });
    containerDevs.push({ port: c.port, device: `c${i}` });
  }
  const objectDevs: { port: number; device: string }[] = [];
  for (let i = 1; i <= 3; i++) objectDevs.push({ port: await freePort(), device: `o${i}` });
  proxyPort = await freePort();
  const t0 = Date.now();
  const mark = (what: string): void => {
    if (process.env.SWIFTLY_DEBUG_SWIFT) process.stderr.write(`${what}: ${Date.now() - t0} ms\n`);
  };
  buildRing('account', accountDevs);
  buildRing('container', containerDevs);
  buildRing('object', objectDevs);
  const defaults: ConfOptions = { bind_ip: '127.0.0.1', workers: 0, user, swift_dir: etc, devices: srv, mount_check: false, log_level: 'ERROR' };
  for (const d of objectDevs) {
    const conf = join(etc, `object-${d.port}.conf`);
    writeFileSync(conf, serverConfText({ defaults: { ...defaults, bind_port: d.port }, pipeline: ['object-server'] }));
    startSwift('swift-object-server', conf);
  }
  writeFileSync(join(etc, 'proxy-server.conf'), serverConfText({
    defaults: { ...defaults, bind_port: proxyPort },
    pipeline: PROXY_PIPELINE,
    app: { account_autocreate: true },
    filters: { cache: { memcache_servers: `127.0.0.1:${memcached.port}` }, tempauth: { user_test_tester: 'testing .admin' } },
  }));
  mark('rings built');
  startSwift('swift-proxy-server', join(etc, 'proxy-server.conf'));
  await waitFor(`http://127.0.0.1:${proxyPort}/healthcheck`);
  mark('proxy up');
  for (const d of objectDevs) await waitFor(`http://127.0.0.1:${d.port}/healthcheck`);
  mark('object servers up');
});

after(async () => {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
  for (const s of servers) await s.close();
  await memcached?.close();
  if (!process.env.SWIFTLY_KEEP_TEST_DIR) rmSync(root, { recursive: true, force: true });
});

/**
 * Runs a command without blocking the loop: the swiftly servers and the
 * fake memcached the proxy talks to live in this process.
 */
function run(bin: string, args: string[], cwd = root): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Runs python-swiftclient's `swift` CLI against the proxy. */
async function swift(...args: string[]): Promise<string> {
  const started = Date.now();
  const r = await run('swift', ['-A', `http://127.0.0.1:${proxyPort}/auth/v1.0`, '-U', 'test:tester', '-K', 'testing', ...args]);
  if (process.env.SWIFTLY_DEBUG_SWIFT) process.stderr.write(`swift ${args.join(' ')}: ${Date.now() - started} ms\n`);
  if (r.status !== 0) throw new Error(`swift ${args.join(' ')} → ${r.status}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

let token = '';
let storageUrl = '';
async function api(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  if (!token) {
    const r = await request(`http://127.0.0.1:${proxyPort}/auth/v1.0`, { headers: { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'testing' } });
    await r.body.dump();
    token = String(r.headers['x-auth-token']);
    storageUrl = String(r.headers['x-storage-url']);
  }
  const started = Date.now();
  const r = await request(`${storageUrl}${path}`, { method: method as 'GET', headers: { 'X-Auth-Token': token, ...headers }, body });
  if (process.env.SWIFTLY_DEBUG_SWIFT) process.stderr.write(`api ${method} ${path}: ${Date.now() - started} ms\n`);
  return { status: r.statusCode, headers: r.headers as Record<string, string>, body: await r.body.text() };
}

/** `swift stat` output as a map of its "Key: value" lines. */
async function stat(...args: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of (await swift('stat', ...args)).split('\n')) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (m) out[m[1].trim()] = m[2].trim();
  }
  return out;
}

test('account autocreate, container create/list/stat through the real proxy', async () => {
  let s = await stat();
  assert.equal(s.Containers, '0');
  await swift('post', 'alpha');
  await swift('post', 'beta');
  assert.deepEqual((await swift('list')).trim().split('\n'), ['alpha', 'beta']);
  s = await stat('alpha');
  assert.equal(s.Objects, '0');
  assert.equal(s.Container, 'alpha');
  const r = await api('GET', '?format=json');
  assert.equal(r.status, 200);
  const names = JSON.parse(r.body).map((c: { name: string; count: number; bytes: number; last_modified: string }) => {
    assert.match(c.last_modified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    return c.name;
  });
  assert.deepEqual(names, ['alpha', 'beta']);
  // every account and container replica was written
  const acct = await api('HEAD', '');
  assert.equal(acct.headers['x-account-container-count'], '2');
});

test('object uploads show in container listings with prefix and delimiter', async () => {
  for (const name of ['a/1.txt', 'a/2.txt', 'b/3.txt', 'top.txt']) {
    const r = await api('PUT', `/alpha/${name}`, { 'Content-Type': 'text/plain' }, `body of ${name}`);
    assert.equal(r.status, 201, name);
  }
  const file = join(root, 'upload.bin');
  writeFileSync(file, 'x'.repeat(1000));
  await swift('upload', 'alpha', file, '--object-name', 'cli/upload.bin');
  assert.deepEqual((await swift('list', 'alpha')).trim().split('\n'), ['a/1.txt', 'a/2.txt', 'b/3.txt', 'cli/upload.bin', 'top.txt']);
  assert.deepEqual((await swift('list', 'alpha', '--prefix', 'a/')).trim().split('\n'), ['a/1.txt', 'a/2.txt']);
  assert.deepEqual((await swift('list', 'alpha', '--delimiter', '/')).trim().split('\n'), ['a/', 'b/', 'cli/', 'top.txt']);
  let r = await api('GET', '/alpha?format=json&prefix=a/');
  const rows = JSON.parse(r.body);
  assert.equal(rows.length, 2);
  assert.deepEqual(Object.keys(rows[0]), ['bytes', 'hash', 'name', 'content_type', 'last_modified']);
  assert.equal(rows[0].bytes, 'body of a/1.txt'.length);
  assert.equal(rows[0].content_type, 'text/plain');
  r = await api('GET', '/alpha?delimiter=/&format=xml');
  assert.match(r.body, /<subdir name="a\/"><name>a\/<\/name><\/subdir>/);
  const s = await stat('alpha');
  assert.equal(s.Objects, '5');
  assert.equal(s.Bytes, String(15 * 3 + 'body of top.txt'.length + 1000));
  // overwrite and delete are reflected too
  await api('PUT', '/alpha/top.txt', {}, 'short');
  assert.equal((await api('DELETE', '/alpha/b/3.txt')).status, 204);
  r = await api('GET', '/alpha?format=json');
  const byName = Object.fromEntries(JSON.parse(r.body).map((o: { name: string; bytes: number }) => [o.name, o.bytes]));
  assert.equal(byName['top.txt'], 5);
  assert.equal(byName['b/3.txt'], undefined);
});

test('metadata on account and container', async () => {
  await swift('post', '-m', 'color:blue', 'alpha');
  await swift('post', '-m', 'quota:5');
  assert.equal((await stat('alpha'))['Meta Color'], 'blue');
  assert.equal((await stat())['Meta Quota'], '5');
  await swift('post', '-m', 'color:', 'alpha');
  assert.equal((await stat('alpha'))['Meta Color'], undefined);
  const r = await api('POST', '/beta', { 'X-Container-Read': '.r:*' });
  assert.equal(r.status, 204);
  assert.equal((await stat('beta'))['Read ACL'], '.r:*');
});

test('account stats follow the account update a container PUT sends', async () => {
  // Object rows reach the account through container-to-account updates:
  // Swift's container-updater daemon, or any container PUT (as here).
  assert.equal((await api('PUT', '/alpha')).status, 202);
  const s = await stat();
  assert.equal(s.Containers, '2');
  assert.equal(s.Objects, '4');
  assert.equal(s.Bytes, String(15 * 2 + 5 + 1000));
  assert.equal(s['Objects in policy "gold"'], '4');
  assert.equal(s['Bytes in policy "gold"'], String(15 * 2 + 5 + 1000));
});

test('container delete: 409 while not empty, then gone from the account listing', async () => {
  let r = await api('DELETE', '/alpha');
  assert.equal(r.status, 409);
  assert.equal((await api('DELETE', '/beta')).status, 204);
  assert.equal((await api('HEAD', '/beta')).status, 404);
  assert.deepEqual((await swift('list')).trim().split('\n'), ['alpha']);
  await swift('delete', 'alpha');
  r = await api('GET', '');
  assert.equal(r.status, 204);
  assert.equal((await api('HEAD', '')).headers['x-account-container-count'], '0');
});
