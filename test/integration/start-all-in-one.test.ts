/**
 * `swiftly start`: a fresh folder becomes a working cluster that the `swift`
 * CLI can use with the printed credentials; a second start reuses the
 * configs and data; SIGTERM stops every server. With compute: the compute
 * and image APIs take the store's tokens, and the metadata service answers
 * a server by its fixed IP.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { awsCli } from '../helpers/s3-clients.js';
import { promtoolProblems, sample, scrape } from '../helpers/metrics.js';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'swiftly-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  out: () => string;
  field: (name: string) => string;
}

async function start(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [SWIFTLY, 'start', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`swiftly start did not come up:\n${out}`)), 150_000);
    const check = (): void => {
      if (out.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`swiftly start exited ${code}:\n${out}`));
    });
  });
  const field = (name: string): string => {
    const m = new RegExp(`^\\s*${name}:\\s+(\\S+)`, 'm').exec(out);
    assert.ok(m, `no ${name} in output:\n${out}`);
    return m[1];
  };
  return { child, out: () => out, field };
}

async function stop(s: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
  s.child.kill('SIGTERM');
  return exited;
}

/** A GET on the metadata service's unix socket, as its forwarder sends it for a guest at `guest`. */
function metadataGet(socketPath: string, path: string, guest: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers: { 'x-forwarded-for': guest } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject).end();
  });
}

function swift(authUrl: string, user: string, key: string, ...args: string[]): Promise<{ stdout: string }> {
  return run('swift', ['-A', authUrl, '-U', user, '-K', key, ...args], { cwd: dir, timeout: 60_000 });
}

test('a fresh folder becomes a cluster the swift CLI uses; restart keeps configs and data; SIGTERM stops all', async () => {
  const port = await freePort();
  const computePort = await freePort();
  const imagePort = await freePort();
  const dashboardPort = await freePort();
  const first = await start([
    '--bind', `127.0.0.1:${port}`, '--with-compute', '--compute-bind', `127.0.0.1:${computePort}`, '--image-bind', `127.0.0.1:${imagePort}`,
    '--dashboard-bind', `127.0.0.1:${dashboardPort}`,
  ]);
  let running: Started | undefined = first;
  try {
    const authUrl = first.field('auth URL');
    const user = first.field('user');
    const key = first.field('key');
    assert.equal(authUrl, `http://127.0.0.1:${port}/auth/v1.0`);
    assert.equal(user, 'admin:admin');
    assert.match(key, /^[0-9a-f]{32}$/);
    assert.match(readFileSync(join(dir, 'etc', 'proxy-server.conf'), 'utf8'), new RegExp(`user_admin_admin = ${key} \\.admin \\.reseller_admin`));
    assert.match(readFileSync(join(dir, 'etc', 'swift.conf'), 'utf8'), /swift_hash_path_prefix = [0-9a-f]{32}/);
    for (const ring of ['object', 'container', 'account']) assert.ok(existsSync(join(dir, 'etc', `${ring}.ring.gz`)));

    // the printed dashboard takes the printed credentials
    const dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
    assert.equal(first.field('dashboard'), dashboardUrl);
    const login = await fetch(`${dashboardUrl}/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ user, key }).toString(),
    });
    assert.equal(login.status, 303);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    assert.equal((await fetch(`${dashboardUrl}/api/swift/?format=json`, { headers: { cookie } })).status, 200);
    assert.match(readFileSync(join(dir, 'etc', 'dashboard.conf'), 'utf8'), new RegExp(`proxy_url = http://127.0.0.1:${port}\n`));

    writeFileSync(join(dir, 'hello.txt'), 'hello, swiftly\n');
    await swift(authUrl, user, key, 'upload', 'docs', 'hello.txt');
    assert.equal((await swift(authUrl, user, key, 'list', 'docs')).stdout.trim(), 'hello.txt');
    // The container server updates the account as it answers; under load
    // that update may time out and arrive later, as in Swift, so poll briefly.
    let stat = '';
    for (let i = 0; i < 20 && !/Containers: 1\b/.test(stat); i++) {
      if (i) await new Promise((r) => setTimeout(r, 500));
      stat = (await swift(authUrl, user, key, 'stat')).stdout;
    }
    assert.match(stat, /Containers: 1\b/);
    assert.match((await swift(authUrl, user, key, 'stat', 'docs')).stdout, /Objects: 1\b/);

    // container sync within the cluster's own realm: the realms file and the [container-sync] sections are written
    assert.match(readFileSync(join(dir, 'etc', 'container-sync-realms.conf'), 'utf8'), new RegExp(`cluster_local = http://127.0.0.1:${port}/v1/`));
    await swift(authUrl, user, key, 'post', '-k', 'synckey', 'docs-copy');
    await swift(authUrl, user, key, 'post', '-t', '//swiftly/local/AUTH_admin/docs-copy', '-k', 'synckey', 'docs');
    let copied = '';
    for (let pass = 0; pass < 3 && !copied.includes('hello.txt'); pass++) {
      for (let n = 1; n <= 3; n++) {
        await run(process.execPath, [SWIFTLY, 'daemon', 'container-sync', '--once', join(dir, 'etc', 'container-server', `${n}.conf`)], { timeout: 60_000 });
      }
      copied = (await swift(authUrl, user, key, 'list', 'docs-copy')).stdout;
    }
    assert.equal(copied.trim(), 'hello.txt');
    assert.equal((await swift(authUrl, user, key, 'download', 'docs-copy', 'hello.txt', '-o', '-')).stdout, 'hello, swiftly\n');

    // the printed S3 endpoint and key pair work with aws-cli
    assert.equal(first.field('S3'), `http://127.0.0.1:${port}`);
    const ls = await awsCli(`http://127.0.0.1:${port}`, user, key, ['s3', 'ls', 's3://docs/']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /hello\.txt/);

    // the compute API takes the object store's tokens
    const auth = await fetch(authUrl, { headers: { 'X-Auth-User': user, 'X-Auth-Key': key } });
    const token = auth.headers.get('x-auth-token')!;
    const flavors = await fetch(`http://127.0.0.1:${computePort}/v2.1/admin/flavors`, { headers: { 'X-Auth-Token': token } });
    assert.equal(flavors.status, 200);
    assert.ok(((await flavors.json()) as { flavors: unknown[] }).flavors.length > 0);
    const denied = await fetch(`http://127.0.0.1:${computePort}/v2.1/admin/flavors`, { headers: { 'X-Auth-Token': 'AUTH_tkbogus' } });
    assert.equal(denied.status, 401);
    // the volume service runs too: a volume made through Cinder's /v3 becomes available, its file under the data dir
    const vol = await fetch(`http://127.0.0.1:${computePort}/v3/admin/volumes`, {
      method: 'POST', headers: { 'X-Auth-Token': token, 'content-type': 'application/json' }, body: JSON.stringify({ volume: { name: 'aio', size: 1 } }),
    });
    assert.equal(vol.status, 202);
    const volId = ((await vol.json()) as { volume: { id: string } }).volume.id;
    for (let i = 0; ; i++) {
      const v = (await (await fetch(`http://127.0.0.1:${computePort}/v3/admin/volumes/${volId}`, { headers: { 'X-Auth-Token': token } })).json()) as { volume: { status: string } };
      if (v.volume.status === 'available') break;
      assert.ok(i < 200 && v.volume.status === 'creating', `volume status ${v.volume.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(existsSync(join(dir, 'compute', 'volumes', `volume-${volId}`)));
    // and so does the image API, which keeps image data in the admin account's `glance` container
    assert.equal(first.field('images'), `http://127.0.0.1:${imagePort}/v2`);
    const imageHeaders = { 'X-Auth-Token': token, 'X-Project-Id': 'admin' };
    const created = await fetch(`http://127.0.0.1:${imagePort}/v2/images`, {
      method: 'POST', headers: { ...imageHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'aio', disk_format: 'raw', container_format: 'bare' }),
    });
    assert.equal(created.status, 201);
    const imageId = ((await created.json()) as { id: string }).id;
    const put = await fetch(`http://127.0.0.1:${imagePort}/v2/images/${imageId}/file`, { method: 'PUT', headers: { ...imageHeaders, 'content-type': 'application/octet-stream' }, body: 'boot sector' });
    assert.equal(put.status, 204);
    assert.match((await swift(authUrl, user, key, 'list', 'glance')).stdout, new RegExp(imageId));
    assert.equal((await fetch(`http://127.0.0.1:${imagePort}/v2/images`, { headers: { 'X-Auth-Token': 'AUTH_tkbogus', 'X-Project-Id': 'admin' } })).status, 401);

    await checkEveryMetricsEndpoint(first.out());

    // compute serves its guests the metadata service: a server on a network finds its own documents by its fixed IP
    const socketPath = first.field('metadata');
    assert.equal(socketPath, join(dir, 'compute', 'networks', 'metadata.sock'));
    assert.match(first.out(), /metadata: \S+ {2}\(guests: none \(their networks are not this host's\)\)/, 'the fake driver has no data plane for a forwarder');
    const nova = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`http://127.0.0.1:${computePort}/v2.1/admin${path}`, {
        method, headers: { 'X-Auth-Token': token, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
      });
      return { status: r.status, body: (await r.json().catch(() => undefined)) as any };
    };
    const net = await nova('POST', '/os-networks', { network: { label: 'private', cidr: '10.77.0.0/24' } });
    assert.equal(net.status, 200, JSON.stringify(net.body));
    const booted = await nova('POST', '/servers', { server: { name: 'md', imageRef: imageId, flavorRef: '1', networks: [{ uuid: net.body.network.id }] } });
    assert.equal(booted.status, 202, JSON.stringify(booted.body));
    const serverId = booted.body.server.id as string;
    let fixedIp = '';
    for (let i = 0; i < 100 && !fixedIp; i++) {
      const s = (await nova('GET', `/servers/${serverId}`)).body.server;
      if (s.status === 'ACTIVE') fixedIp = s.addresses.private[0].addr;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(fixedIp, '10.77.0.2');
    const md = await metadataGet(socketPath, '/openstack/latest/meta_data.json', fixedIp);
    assert.equal(md.status, 200);
    assert.equal(JSON.parse(md.body).uuid, serverId);
    assert.equal((await metadataGet(socketPath, '/openstack/latest/meta_data.json', '10.77.0.99')).status, 404, 'no server has that address');
    assert.equal((await nova('DELETE', `/servers/${serverId}`)).status, 204);

    assert.equal(await stop(first), 0);
    running = undefined;
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthcheck`), 'the proxy is gone after SIGTERM');

    // second start: same configs (the --bind of a later start does not rewrite them), data still there
    const second = await start(['--bind', '127.0.0.1:1']);
    running = second;
    assert.equal(second.field('key'), key);
    assert.equal(second.field('auth URL'), authUrl);
    const got = await swift(authUrl, user, key, 'download', 'docs', 'hello.txt', '-o', '-');
    assert.equal(got.stdout, 'hello, swiftly\n');
    assert.equal(await stop(second), 0);
    running = undefined;
  } finally {
    if (running) await stop(running);
  }
});

/** `metrics: … on 6080 proxy-server, 6090 daemons, …, 6100 compute-api+scheduler+compute+image-api` → names by port. */
function printedMetricsPorts(out: string): Map<number, string[]> {
  const line = /^\s*metrics:.* on (.+)$/m.exec(out);
  assert.ok(line, `no metrics line in output:\n${out}`);
  return new Map(line[1].split(', ').map((e) => {
    const [port, names] = e.split(' ');
    return [Number(port), names.split('+')];
  }));
}

/**
 * Every server of the all-in-one answers /metrics with Prometheus text promtool accepts, holding what an
 * operator graphs: requests and latency by method and status, bytes, Node's process metrics everywhere; the
 * proxy's backend errors and error-limited nodes; the daemons' passes, replication and auditor progress and
 * async pendings; the compute services' RPC work.
 */
async function checkEveryMetricsEndpoint(out: string): Promise<void> {
  const ports = printedMetricsPorts(out);
  const servers = [...ports.values()].flat().sort();
  assert.deepEqual(servers, [
    'account-server-1', 'account-server-2', 'account-server-3', 'compute', 'compute-api', 'container-server-1', 'container-server-2',
    'container-server-3', 'daemons', 'image-api', 'object-server-1', 'object-server-2', 'object-server-3', 'proxy-server', 'scheduler',
  ]);
  const families = (text: string): Set<string> => new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
  for (const [port, names] of ports) {
    const text = await scrape(port);
    assert.equal(promtoolProblems(text), '', `promtool on ${port} (${names.join('+')})`);
    const have = families(text);
    const want = ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes'];
    const http = ['swiftly_http_requests_total', 'swiftly_http_request_duration_seconds', 'swiftly_http_received_bytes_total', 'swiftly_http_sent_bytes_total'];
    if (names[0] !== 'daemons') want.push(...http);
    if (names[0] === 'proxy-server') want.push('swiftly_proxy_backend_errors_total', 'swiftly_proxy_error_limited_nodes');
    if (names[0] === 'daemons') {
      want.push('swiftly_daemon_passes_total', 'swiftly_daemon_last_pass_completed_timestamp_seconds', 'swiftly_daemon_pass_stat', 'swiftly_object_async_pending_files');
    }
    if (names.includes('scheduler')) want.push('swiftly_rpc_messages_total', 'swiftly_rpc_handler_duration_seconds');
    for (const family of want) assert.ok(have.has(family), `${family} on ${port} (${names.join('+')})`);
    // Each HTTP server counted the requests it served, with a latency histogram per method and status.
    const served: Record<string, [string, string]> = {
      'proxy-server': ['proxy-server', 'PUT'], 'object-server-1': ['object-server', 'PUT'], 'container-server-1': ['container-server', 'PUT'],
      'account-server-1': ['account-server', 'PUT'], 'compute-api': ['compute-api', 'GET'], 'image-api': ['image-api', 'PUT'],
    };
    for (const name of names) {
      const [server, method] = served[name] ?? [];
      if (!server) continue;
      assert.ok(sample(text, 'swiftly_http_requests_total', { server, method })! >= 1, `${server} ${method} requests on ${port}`);
      assert.ok(sample(text, 'swiftly_http_request_duration_seconds_count', { server, method })! >= 1, `${server} ${method} latency on ${port}`);
      assert.ok(sample(text, 'swiftly_http_received_bytes_total', { server, method })! > 0, `${server} ${method} bytes in on ${port}`);
      assert.ok(sample(text, 'swiftly_http_sent_bytes_total', { server, method })! > 0, `${server} ${method} bytes out on ${port}`);
    }
    if (names[0] === 'daemons') {
      // Progress of every node's replicators and auditors; one sample per device for async pendings.
      for (const daemon of ['object-replicator', 'container-replicator', 'account-replicator', 'object-auditor', 'container-auditor', 'account-auditor', 'object-updater', 'container-updater']) {
        assert.notEqual(sample(text, 'swiftly_daemon_pass_stat', { daemon }), undefined, `${daemon}'s pass stats`);
      }
      for (const device of ['sdb1', 'sdb2', 'sdb3']) assert.notEqual(sample(text, 'swiftly_object_async_pending_files', { device }), undefined, `async pendings of ${device}`);
    }
  }
}
