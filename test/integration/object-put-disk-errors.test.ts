/**
 * A PUT is acknowledged only once every create, write, fdatasync, fsync
 * and rename of its object succeeded. The object server runs over a DiskIo that
 * records each call a PUT makes and can fail any one of them (as Swift's
 * tests monkeypatch os.fsync): first a PUT's calls are checked to include
 * every sync a durable write needs, in order; then the PUT is repeated
 * with each of those calls failing in turn, and must get 503, leave no temp
 * file, and leave nothing visible. Removing any fsync, or ignoring its
 * error, fails this test. A DELETE's tombstone is held to the same.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { silentLogger } from '../../common/index.js';
import { createBackendServer, createObjectApp, listenBackend, realDiskIo, type DiskIo, type ListeningServer } from '../../storage/index.js';
import { TEST_SWIFT_CONF, http } from './helpers/object-server.js';

type Kind = 'create' | 'writev' | 'write' | 'fdatasync' | 'fsync' | 'fsyncDir' | 'rename';
interface Call {
  kind: Kind;
  /** The file or dir the call was about, relative to the device. */
  target: string;
}
/** A call to fail: the `nth` call of `kind` in a PUT, or the first one after a call of kind `after`. */
interface FailurePoint {
  kind: Kind;
  nth?: number;
  after?: Kind;
  target: string;
}

const root = mkdtempSync(join(tmpdir(), 'swiftly-put-errors-'));
const device = join(root, 'node', 'sda');
mkdirSync(device, { recursive: true });
let calls: Call[] = [];
let failing: FailurePoint | undefined;
let injected = false;
let server: ListeningServer;

const rel = (path: string): string => relative(device, path) || '.';
const fdTarget = (fd: number): string => rel(readlinkSync(`/proc/self/fd/${fd}`));

/** Records a call; throws EIO when it is the one to fail. */
function record(kind: Kind, target: string): void {
  const nth = calls.filter((c) => c.kind === kind).length;
  const afterIt = failing?.after !== undefined && calls.some((c) => c.kind === failing!.after) && !calls.slice(calls.findIndex((c) => c.kind === failing!.after)).some((c) => c.kind === kind);
  calls.push({ kind, target });
  if (failing && !injected && failing.kind === kind && (failing.nth === nth || afterIt)) {
    injected = true;
    throw Object.assign(new Error(`injected EIO in ${kind} of ${target}`), { code: 'EIO', errno: -5 });
  }
}
const async = (kind: Kind, target: string, real: () => Promise<void>): Promise<void> => {
  try {
    record(kind, target);
  } catch (err) {
    return Promise.reject(err);
  }
  return real();
};
const injecting: DiskIo = {
  create: (path) => {
    record('create', rel(path));
    return realDiskIo.create(path);
  },
  writev: (fd, bufs) => async('writev', fdTarget(fd), () => realDiskIo.writev(fd, bufs)),
  write: (fd, buf, pos) => async('write', fdTarget(fd), () => realDiskIo.write(fd, buf, pos)),
  fdatasync: (fd) => async('fdatasync', fdTarget(fd), () => realDiskIo.fdatasync(fd)),
  fsync: (fd) => async('fsync', fdTarget(fd), () => realDiskIo.fsync(fd)),
  fsyncDir: (path) => async('fsyncDir', rel(path), () => realDiskIo.fsyncDir(path)),
  rename: (from, to) => {
    record('rename', rel(to));
    realDiskIo.rename(from, to);
  },
};

before(async () => {
  const app = createObjectApp(
    { conf: { devices: join(root, 'node'), mount_check: 'false' }, swiftConf: TEST_SWIFT_CONF, logger: silentLogger },
    { diskIo: injecting },
  );
  const backend = createBackendServer({ logger: silentLogger, handler: app.handler, manualContinue: app.manualContinue });
  server = await listenBackend(backend, '127.0.0.1', 0);
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

// Past the first early writeback (16 MiB): the PUT makes an fdatasync while the body streams.
const BODY = randomBytes(18 * 1024 * 1024);
let clock = 1_700_000_000;

/** PUTs BODY; the status, or 0 when the server cut the connection before answering. */
function put(path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({
      host: '127.0.0.1', port: server.port, method: 'PUT', path, agent: false,
      headers: { 'X-Timestamp': `${clock++}.00000`, 'Content-Type': 'application/octet-stream', 'Content-Length': BODY.length },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(BODY);
  });
}

const tmpFiles = (): string[] => (existsSync(join(device, 'tmp')) ? readdirSync(join(device, 'tmp')) : []);

test('a PUT fsyncs its file before the rename and every dir it changed after it', { timeout: 60_000 }, async () => {
  // The first PUT makes objects/ itself; the one recorded makes a partition, suffix and hash dir.
  assert.equal(await put('/sda/0/a/c/warm-up'), 201);
  calls = [];
  assert.equal(await put('/sda/1/a/c/recorded'), 201);
  const at = (kind: Kind, target: (t: string) => boolean): number => calls.findIndex((c) => c.kind === kind && target(c.target));
  const isTmp = (t: string) => t.startsWith('tmp/');
  const data = calls.find((c) => c.kind === 'rename')!.target;
  assert.match(data, /^objects\/1\/[0-9a-f]{3}\/[0-9a-f]{32}\/\d+\.\d+\.data$/);
  const hashDir = data.slice(0, data.lastIndexOf('/'));
  const suffixDir = hashDir.slice(0, hashDir.lastIndexOf('/'));
  const order = [
    at('create', isTmp),
    at('writev', isTmp),
    at('fdatasync', isTmp),
    at('write', isTmp),
    at('fsync', isTmp),
    at('rename', (t) => t === data),
    at('fsyncDir', (t) => t === hashDir),
  ];
  assert.ok(order.every((i) => i >= 0), `missing a step: ${JSON.stringify(calls.filter((c) => c.kind !== 'writev'))}`);
  assert.deepEqual([...order].sort((a, b) => a - b), order, 'steps out of order');
  // The new dirs' entries in their parents: objects/ (for 1/), 1/ (for the suffix), the suffix (for the hash dir).
  for (const dir of ['objects', 'objects/1', suffixDir]) {
    assert.ok(at('fsyncDir', (t) => t === dir) > order[4], `${dir} not fsynced after the rename`);
  }
});

test('each create, write, fdatasync, fsync and rename of a PUT failing in turn: 503, no temp file, nothing visible', { timeout: 120_000 }, async () => {
  calls = [];
  assert.equal(await put('/sda/2/a/c/baseline'), 201);
  // Every call but the body's writes, of which the first and the first after the early writeback began.
  const points: FailurePoint[] = [];
  const seen = new Map<Kind, number>();
  for (const c of calls) {
    const nth = seen.get(c.kind) ?? 0;
    seen.set(c.kind, nth + 1);
    if (c.kind !== 'writev' || nth === 0) points.push({ kind: c.kind, nth, target: c.target });
  }
  assert.ok(points.some((p) => p.kind === 'fdatasync'), 'the PUT made no early writeback');
  points.push({ kind: 'writev', after: 'fdatasync', target: 'tmp/' });
  let partition = 10;
  for (const point of points) {
    const path = `/sda/${partition++}/a/c/failing`;
    calls = [];
    failing = point;
    injected = false;
    let status: number;
    try {
      status = await put(path);
    } finally {
      failing = undefined;
    }
    const what = `${point.kind} ${point.after ? `after ${point.after}` : `#${point.nth}`} (${point.target})`;
    assert.ok(injected, `${what}: never reached`);
    // A failure while the body streams may cut the connection before the client reads the 503.
    if (status !== 0 || point.kind !== 'writev') assert.equal(status, 503, `${what} was acknowledged or misreported`);
    for (let i = 0; i < 100 && tmpFiles().length; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(tmpFiles(), [], `${what}: temp file left behind`);
    const got = await http(server.port, 'GET', path);
    assert.equal(got.status, 404, `${what}: the object is visible`);
  }
});

test('each create, write, fsync and rename of a DELETE failing in turn: 503, no temp file, the object still there', { timeout: 60_000 }, async () => {
  const path = '/sda/3/a/c/deleted';
  assert.equal(await put(path), 201);
  // The calls of a DELETE that succeeds, recorded on another object (this one must stay).
  const probe = '/sda/3/a/c/probe';
  assert.equal(await put(probe), 201);
  calls = [];
  assert.equal((await http(server.port, 'DELETE', probe, { 'X-Timestamp': `${clock++}.00000` })).status, 204);
  const points = calls.map((c, i) => ({ kind: c.kind, nth: calls.slice(0, i).filter((d) => d.kind === c.kind).length, target: c.target }));
  for (const kind of ['create', 'write', 'fsync', 'rename', 'fsyncDir'] as Kind[]) assert.ok(points.some((p) => p.kind === kind), `a DELETE made no ${kind}`);
  for (const point of points) {
    calls = [];
    failing = point;
    injected = false;
    let status: number;
    try {
      status = (await http(server.port, 'DELETE', path, { 'X-Timestamp': `${clock++}.00000` })).status;
    } finally {
      failing = undefined;
    }
    const what = `${point.kind} #${point.nth} (${point.target})`;
    assert.ok(injected, `${what}: never reached`);
    assert.equal(status, 503, `${what} was acknowledged or misreported`);
    assert.deepEqual(tmpFiles(), [], `${what}: temp file left behind`);
    assert.equal((await http(server.port, 'GET', path)).status, 200, `${what}: the tombstone is visible`);
  }
});
