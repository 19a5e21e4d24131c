/**
 * What a server process loads before it listens: every module is CPU at
 * each start, and the tests start hundreds of servers. A proxy loads only the
 * filters its pipeline names (not the S3 layer, crypto or bulk when it names
 * none of them), and neither edge loads fastify's schema compilers (ajv) when
 * no route has a schema. A `swiftly server <kind>` process loads neither
 * undici (a storage server's updates go over node:http; the proxy pools its
 * first backend request with it) nor prom-client's index (with its default
 * metrics and @opentelemetry/api) until a `/metrics` is served. Imports are
 * recorded in a child node (test/helpers/import-recorder.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FIXED_SWIFT_CONF, serverConfText, writeRing, type ConfOptions } from '../../cli/cluster/layout.js';

const dist = new URL('../../', import.meta.url).href;
const recorder = new URL('../helpers/import-recorder.js', import.meta.url).href;

/** The URLs a child node imports or requires while running `script` (an ES module body). */
async function importsOf(script: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-imports-'));
  try {
    const record = join(dir, 'imports');
    await promisify(execFile)(process.execPath, ['--import', recorder, '--input-type=module', '-e', script], {
      env: { ...process.env, IMPORT_RECORD_FILE: record },
      timeout: 60_000,
    });
    return readFileSync(record, 'utf8').split('\n').filter(Boolean).map((line) => line.split(' ')[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the proxy server module imports no filter factory: a pipeline loads the ones it names', async () => {
  const urls = await importsOf(`await import(${JSON.stringify(`${dist}proxy/server.js`)});`);
  assert.ok(urls.some((u) => u.endsWith('/proxy/server.js')), 'the recorder saw the import');
  const filters = ['s3/', 'filters/s3api.js', 'filters/crypto/', 'filters/bulk/', 'filters/slo/', 'filters/tempauth.js'].map((f) => `${dist}proxy/${f}`);
  assert.deepEqual(urls.filter((u) => filters.some((f) => u.startsWith(f))), []);
});

test('a storage edge, built, has not loaded ajv or its fastify compiler', async () => {
  const urls = await importsOf(`
    const { createBackendServer } = await import(${JSON.stringify(`${dist}storage/http/backend-server.js`)});
    const { createLogger } = await import(${JSON.stringify(`${dist}common/index.js`)});
    const app = createBackendServer({ logger: createLogger({ level: 'error' }), handler: async () => {} });
    await app.ready();
    await app.close();`);
  assert.ok(urls.some((u) => u.includes('/node_modules/fastify/')), 'the recorder saw fastify');
  assert.deepEqual(urls.filter((u) => /\/node_modules\/(ajv|@fastify\/ajv-compiler)\//.test(u)), []);
});

/** A port free now on HOST. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The servers listen on a loopback address of their own: a port probed free on 127.0.0.1 can be taken there by
 * another test file's server before ours binds it, and a connection to it then ended the wait early (a clean-clone
 * npm test saw a container server stopped before it had loaded its metrics).
 */
const HOST = `127.${1 + (process.pid % 250)}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

/** Whether HOST:port takes a connection. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, HOST, () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => resolve(false));
  });
}

/**
 * The URLs `swiftly server <kind> <conf>` has imported or required by the
 * time it listens on `port`: it is stopped (SIGTERM) as soon as it does.
 */
async function serverImports(kind: string, conf: string, port: number, record: string): Promise<string[]> {
  const swiftly = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
  const child = spawn(process.execPath, ['--import', recorder, swiftly, 'server', kind, conf], {
    env: { ...process.env, IMPORT_RECORD_FILE: record }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const deadline = Date.now() + 60_000;
    while (!(await accepts(port))) {
      assert.equal(child.exitCode, null, `${kind} server exited: ${stderr}`);
      assert.ok(Date.now() < deadline, `${kind} server did not listen within 60 s: ${stderr}`);
      await sleep(50);
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return readFileSync(record, 'utf8').split('\n').filter(Boolean).map((line) => line.split(' ')[1]);
}

/** Packages (or a package's entry file) a server must not have loaded when it starts listening. */
const NOT_AT_START = [/\/node_modules\/undici\//, /\/node_modules\/prom-client\/index\.js$/, /\/node_modules\/@opentelemetry\//];

test('`swiftly server object|container|account|proxy` listens without undici, prom-client\'s index or @opentelemetry/api', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-start-imports-'));
  try {
    writeFileSync(join(dir, 'swift.conf'), FIXED_SWIFT_CONF);
    mkdirSync(join(dir, 'srv', 'sdb1'), { recursive: true });
    const kinds = ['object', 'container', 'account', 'proxy'] as const;
    const ports = await Promise.all(kinds.map(() => freePort()));
    for (const [i, kind] of (['object', 'container', 'account'] as const).entries()) {
      writeRing(dir, kind, { partPower: 4, replicas: 1, devices: [{ zone: 1, port: ports[i], device: 'sdb1', weight: 100 }] });
    }
    const defaults = (port: number): ConfOptions => ({
      bind_ip: HOST, bind_port: port, workers: 0, swift_dir: dir, devices: join(dir, 'srv'), mount_check: false, log_level: 'error',
    });
    const confs = kinds.map((kind, i) => {
      const path = join(dir, `${kind}-server.conf`);
      writeFileSync(path, kind === 'proxy'
        ? serverConfText({ defaults: defaults(ports[i]), pipeline: ['catch_errors', 'proxy-logging', 'tempauth', 'proxy-server'], app: {}, filters: { tempauth: { user_test_tester: 'testing .admin' } } })
        : serverConfText({ defaults: defaults(ports[i]), pipeline: ['healthcheck', `${kind}-server`], app: {} }));
      return path;
    });
    const loaded = await Promise.all(kinds.map((kind, i) => serverImports(kind, confs[i], ports[i], join(dir, `${kind}.imports`))));
    for (const [i, kind] of kinds.entries()) {
      assert.ok(loaded[i].some((u) => u.includes('/node_modules/fastify/')), `the recorder saw the ${kind} server's fastify`);
      assert.ok(loaded[i].some((u) => u.includes('/node_modules/prom-client/lib/counter.js')), `the recorder saw the ${kind} server's metrics`);
      assert.deepEqual(loaded[i].filter((u) => NOT_AT_START.some((re) => re.test(u))), [], `the ${kind} server at start`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
