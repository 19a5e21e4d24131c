/**
 * Swift's statsd names (log_statsd_host) that the metrics-cluster test does
 * not cover, each from its real code path: the proxy app's `errors`, its
 * object controller's `client_timeouts`, `client_disconnects` and
 * `handoff_count`; S3 requests named by the Swift path s3api asked for
 * (`object.PUT.200`); tempauth's, tempurl's and formpost's; the object
 * server's `PUT.timeouts`; the object-updater's `errors`, `timing` and
 * `updater.timing.status.<N>`, a db auditor's `errors`, a db replicator's
 * counters, container-sync's, the object-expirer's and the account-reaper's.
 * A UDP socket on loopback receives the lines; the cluster has 4 nodes so a
 * partition has a handoff.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { S3_PIPELINE } from '../helpers/s3-clients.js';
import { eventually, statsdSink } from '../helpers/metrics.js';
import type { ProxyServer } from '../../proxy/index.js';
import { daemons, startDaemon } from '../../consistency/index.js';
import { hashPath, loadSwiftConf, silentLogger, Timestamp, type Section } from '../../common/index.js';

describe("Swift's statsd names from the proxy app, s3api and the daemons", () => {
  let cluster: SwiftCluster;
  let proxy: ProxyServer;
  let statsd: Awaited<ReturnType<typeof statsdSink>>;
  let token = '';
  let base = '';
  let recon = '';

  const req = async (method: string, path: string, headers: Record<string, string> = {}, body?: Buffer, auth = token): Promise<Response> => {
    const res = await fetch(`${base}${path}`, { method, body, headers: { 'x-auth-token': auth, ...headers } });
    await res.arrayBuffer();
    return res;
  };
  const lines = (prefix: string): string[] => statsd.lines.filter((l) => l.startsWith(prefix));
  const waitFor = async (want: (string | RegExp)[]): Promise<void> => {
    const has = (w: string | RegExp): boolean => statsd.lines.some((l) => (typeof w === 'string' ? l === w : w.test(l)));
    await eventually('the statsd lines', () => want.every(has), 15_000).catch(() => {
      assert.fail(`missing ${want.filter((w) => !has(w)).join(', ')} in:\n${statsd.lines.join('\n')}`);
    });
  };
  /** Waits until `n` lines start with `prefix` (UDP datagrams sent may not have been read yet). */
  const countOf = async (prefix: string, n: number): Promise<void> => {
    await eventually(`${n} × ${prefix}`, () => lines(prefix).length >= n, 5_000).catch(() => undefined);
    assert.equal(lines(prefix).length, n, statsd.lines.join('\n'));
  };
  /** A daemon's section for storage node `i` of `kind` (its devices and port). */
  const section = (kind: 'account' | 'container' | 'object', i: number, extra: Section = {}): Section => ({
    devices: join(cluster.dir, `node${i}`), mount_check: 'false', swift_dir: cluster.swiftDir, bind_ip: '127.0.0.1',
    bind_port: String(cluster.node(kind, i).port), recon_cache_path: recon,
    log_statsd_host: '127.0.0.1', log_statsd_port: String(statsd.port), ...extra,
  });
  const once = (name: string, conf: Section): Promise<void> => startDaemon(daemons[name].factory, name, conf, { once: true, logger: silentLogger });

  before(async () => {
    statsd = await statsdSink();
    recon = mkdtempSync(join(tmpdir(), 'swiftly-statsd-recon-'));
    cluster = await SwiftCluster.start({
      backend: 'swiftly', nodes: 4,
      // The object servers count too (PUT.timeouts: an upload past max_upload_time).
      storageApp: (kind): Record<string, string | number> => (kind === 'object' ? { log_statsd_host: '127.0.0.1', log_statsd_port: statsd.port, max_upload_time: 2 } : {}),
    });
    proxy = await cluster.startProxy(
      [
        'error_suppression_limit = 0', 'error_suppression_interval = 600', 'request_node_count = 3',
        'client_timeout = 3', 'allow_account_management = true',
      ].join('\n'),
      S3_PIPELINE.replace(' tempauth ', ' tempurl formpost tempauth '),
      // Container sync to a full URL: the sender's X-Timestamp is kept, as the auth filter wants it with the sync key.
      { gatekeeper: { shunt_inbound_x_timestamp: 'false' } },
      0,
      // [DEFAULT]: the proxy app's statsd and proxy_logging's.
      { log_statsd_host: '127.0.0.1', log_statsd_port: statsd.port },
    );
    base = `http://127.0.0.1:${proxy.port}`;
    token = await cluster.token();
    assert.equal((await req('PUT', '/v1/AUTH_test/c')).status, 201);
  });

  after(async () => {
    statsd?.close();
    await cluster?.stop();
    if (recon) rmSync(recon, { recursive: true, force: true });
  });

  test('proxy-server.errors: a request the proxy app refuses before any controller', async () => {
    assert.equal((await req('GET', '/v2/AUTH_test')).status, 400);
    await waitFor(['proxy-server.errors:1|c']);
  });

  test('proxy-server.object.client_timeouts and .client_disconnects: object PUT bodies that stall or stop short', async () => {
    // A raw request: head and 10 of the 100 bytes promised.
    const partialPut = (name: string): ReturnType<typeof connect> => {
      const socket = connect(proxy.port, '127.0.0.1');
      socket.write(`PUT /v1/AUTH_test/c/${name} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nContent-Length: 100\r\n\r\n${'x'.repeat(10)}`);
      return socket;
    };
    const stalled = partialPut('stalled');
    const answer = await new Promise<string>((resolve) => {
      let got = '';
      stalled.on('data', (d) => {
        got += d.toString('latin1');
        if (got.includes('\r\n')) resolve(got);
      });
      stalled.on('close', () => resolve(got));
      stalled.on('error', () => resolve(got));
    });
    stalled.destroy();
    assert.match(answer, /^HTTP\/1\.1 408 /);
    await waitFor(['proxy-server.object.client_timeouts:1|c']);

    const cut = partialPut('cut');
    await sleep(1000);
    cut.destroy();
    await waitFor(['proxy-server.object.client_disconnects:1|c']);
  });

  test('S3 requests are named by the Swift path s3api asked for (a bucket is a container, a key an object)', async () => {
    // Signature v2; a Buffer body, so fetch adds no Content-Type the signature would need.
    const s3 = async (method: string, path: string, body?: Buffer): Promise<number> => {
      const date = new Date().toUTCString();
      const signature = createHmac('sha1', cluster.key).update(`${method}\n\n\n${date}\n${path}`).digest('base64');
      const res = await fetch(`${base}${path}`, { method, body, headers: { date, authorization: `AWS ${cluster.user}:${signature}` } });
      await res.arrayBuffer();
      return res.status;
    };
    assert.equal(await s3('PUT', '/s3bucket'), 200);
    assert.equal(await s3('PUT', '/s3bucket/key', Buffer.from('hello')), 200);
    await waitFor([/^proxy-server\.container\.PUT\.200\.timing:[\d.]+\|ms$/, /^proxy-server\.object\.PUT\.200\.timing:[\d.]+\|ms$/]);
  });

  test('object-updater: successes, unlinks, errors (an unusable device, a file with an unexpected name) and a device sweep\'s timing', async () => {
    const devices = join(cluster.dir, 'node1');
    const suffixDir = join(devices, 'sdb1', 'async_pending', 'abc');
    mkdirSync(suffixDir, { recursive: true });
    const ts = Timestamp.now().internal;
    const update = {
      op: 'PUT', account: 'AUTH_test', container: 'c', obj: 'pending',
      headers: { 'X-Timestamp': ts, 'X-Size': '0', 'X-Content-Type': 'text/plain', 'X-Etag': createHash('md5').digest('hex') },
    };
    writeFileSync(join(suffixDir, `${'0'.repeat(29)}abc-${ts}`), JSON.stringify(update));
    writeFileSync(join(suffixDir, 'not-a-pending'), '');
    writeFileSync(join(devices, 'not-a-device'), '');
    try {
      await once('object-updater', section('object', 1));
    } finally {
      rmSync(join(devices, 'not-a-device'));
      rmSync(join(suffixDir, 'not-a-pending'), { force: true });
    }
    await waitFor(['object-updater.successes:1|c', 'object-updater.unlinks:1|c', /^object-updater\.timing:[\d.]+\|ms$/]);
    // Each container replica's answer to the update, timed by its status.
    await countOf('object-updater.updater.timing.status.201:', 3);
    assert.equal(lines('object-updater.errors:1|c').length, 2, statsd.lines.join('\n'));
    // The update reached the container: the object is listed.
    const listing = await fetch(`${base}/v1/AUTH_test/c?format=json`, { headers: { 'x-auth-token': token } });
    assert.ok(((await listing.json()) as { name: string }[]).some((o) => o.name === 'pending'));
  });

  test('container-auditor.errors: a pass that breaks off (a corrupt DB that cannot be quarantined)', async () => {
    const devices = mkdtempSync(join(tmpdir(), 'swiftly-statsd-auditor-'));
    try {
      const hash = 'f'.repeat(32);
      const dir = join(devices, 'sdb1', 'containers', '1', 'fff', hash);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${hash}.db`), 'not a database');
      // Where the quarantined DB would go is a file: the move fails and the pass with it.
      writeFileSync(join(devices, 'sdb1', 'quarantined'), '');
      await assert.rejects(once('container-auditor', { ...section('container', 0), devices }));
      await waitFor(['container-auditor.failures:1|c', 'container-auditor.errors:1|c']);
    } finally {
      rmSync(devices, { recursive: true, force: true });
    }
  });

  test('container-replicator: attempts, successes, timing, and removes.<device> of a handoff copy every primary has', async () => {
    const ring = cluster.ring('container');
    const { partition, nodes } = ring.getNodes('AUTH_test', 'c');
    const indexOf = (port: number): number => [0, 1, 2, 3].find((i) => cluster.node('container', i).port === port)!;
    const primary = indexOf(nodes[0].port);
    const handoff = [0, 1, 2, 3].find((i) => !nodes.some((n) => n.port === cluster.node('container', i).port))!;
    const hash = hashPath(loadSwiftConf(cluster.swiftDir).hashPath, 'AUTH_test', 'c');
    const rel = join('sdb1', 'containers', String(partition), hash.slice(-3), hash);
    cpSync(join(cluster.dir, `node${primary}`, rel), join(cluster.dir, `node${handoff}`, rel), { recursive: true });
    await once('container-replicator', section('container', handoff));
    await waitFor([
      'container-replicator.attempts:1|c', 'container-replicator.successes:1|c', 'container-replicator.removes.sdb1:1|c',
      /^container-replicator\.timing:[\d.]+\|ms$/,
    ]);
    // One per peer: the copy's three primaries (and the peers of any DB this node is a primary of).
    assert.ok(lines('container-replicator.successes:1|c').length >= 3, statsd.lines.join('\n'));
    assert.equal(lines('container-replicator.failures').length, 0, statsd.lines.join('\n'));
  });

  test('object-expirer: objects and timing of an expired object', async () => {
    assert.equal((await req('PUT', '/v1/AUTH_test/c/expiring', { 'x-delete-after': '1' }, Buffer.from('x'))).status, 201);
    await sleep(2100);
    // The queue's container reaches the queue account's listing through the container-updaters.
    for (const i of [0, 1, 2, 3]) await once('container-updater', section('container', i));
    await once('object-expirer', section('object', 0));
    await waitFor(['object-expirer.objects:1|c', /^object-expirer\.timing:[\d.]+\|ms$/]);
    assert.equal(lines('object-expirer.errors').length, 0);
    assert.equal((await req('GET', '/v1/AUTH_test/c/expiring')).status, 404);
  });

  test('account-reaper: containers_deleted, objects_deleted, return_codes.2 and timing of a deleted account', async () => {
    const token2 = await cluster.token('test2:tester2', 'testing2');
    assert.equal((await req('PUT', '/v1/AUTH_test2/doomed', {}, undefined, token2)).status, 201);
    assert.equal((await req('PUT', '/v1/AUTH_test2/doomed/o', {}, Buffer.from('x'), token2)).status, 201);
    const admin = await cluster.token('admin:admin', 'admin');
    assert.equal((await req('DELETE', '/v1/AUTH_test2', {}, undefined, admin)).status, 204);
    // Each account replica reaps its share of the containers.
    for (const i of [0, 1, 2, 3]) await once('account-reaper', section('account', i, { delay_reaping: '0' }));
    await waitFor([
      'account-reaper.containers_deleted:1|c', 'account-reaper.objects_deleted:1|c', 'account-reaper.return_codes.2:1|c',
      /^account-reaper\.timing:[\d.]+\|ms$/,
    ]);
  });

  /** Waits until every replica of `container` lists exactly `names` (comma-separated). */
  const listedOnAllReplicas = async (container: string, names: string): Promise<void> => {
    const { partition, nodes } = cluster.ring('container').getNodes('AUTH_test', container);
    await eventually(`${names} on every replica of ${container}`, async () => {
      const listed = await Promise.all(nodes.map(async (n) => {
        const r = await fetch(`http://127.0.0.1:${n.port}/${n.device}/${partition}/AUTH_test/${container}?format=json`);
        return r.status === 200 ? ((await r.json()) as { name: string }[]).map((o) => o.name).join(',') : '';
      }));
      return listed.every((l) => l === names);
    });
  };

  test('tempauth.AUTH_.unauthorized, .forbidden, .token_denied and .errors', async () => {
    // An unknown token of ours: denied outright.
    assert.equal((await req('GET', '/v1/AUTH_test/c', {}, undefined, 'AUTH_tkbogus')).status, 401);
    // A user of the account who is not its admin, without an ACL: denied by authorize.
    const reader = await cluster.token('test:tester2', 'testing2');
    assert.equal((await req('GET', '/v1/AUTH_test/c', {}, undefined, reader)).status, 403);
    // A token request with the wrong key, and one for an auth version tempauth has no handler for.
    const tokenReq = async (path: string, headers: Record<string, string>): Promise<number> => {
      const res = await fetch(`${base}${path}`, { headers });
      await res.arrayBuffer();
      return res.status;
    };
    assert.equal(await tokenReq('/auth/v1.0', { 'x-auth-user': 'test:tester', 'x-auth-key': 'wrong' }), 401);
    assert.equal(await tokenReq('/auth/v9', { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' }), 400);
    await waitFor(['tempauth.AUTH_.unauthorized:1|c', 'tempauth.AUTH_.forbidden:1|c', 'tempauth.AUTH_.token_denied:1|c', 'tempauth.AUTH_.errors:1|c']);
  });

  test('proxy-server.tempurl.digests.sha256 and proxy-server.formpost.digests.sha512: the digest of a signature that held', async () => {
    const key = 'statsd-secret';
    assert.equal((await req('POST', '/v1/AUTH_test', { 'x-account-meta-temp-url-key': key })).status, 204);
    assert.equal((await req('PUT', '/v1/AUTH_test/c/signed', {}, Buffer.from('signed'))).status, 201);
    const expires = Math.floor(Date.now() / 1000) + 600;
    const sig = createHmac('sha256', key).update(`GET\n${expires}\n/v1/AUTH_test/c/signed`).digest('hex');
    const got = await fetch(`${base}/v1/AUTH_test/c/signed?temp_url_sig=${sig}&temp_url_expires=${expires}`);
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'signed');

    const fields = { redirect: '', max_file_size: '100', max_file_count: '1', expires: String(expires) };
    const signature = createHmac('sha512', key)
      .update(['/v1/AUTH_test/c', fields.redirect, fields.max_file_size, fields.max_file_count, fields.expires].join('\n')).digest('hex');
    const form = new FormData();
    for (const [k, v] of Object.entries({ ...fields, signature })) form.append(k, v);
    form.append('file', new Blob(['posted']), 'posted');
    const posted = await fetch(`${base}/v1/AUTH_test/c`, { method: 'POST', body: form });
    await posted.arrayBuffer();
    assert.equal(posted.status, 201);
    await waitFor(['proxy-server.tempurl.digests.sha256:1|c', 'proxy-server.formpost.digests.sha512:1|c']);
  });

  test('object-server.PUT.timeouts: an upload still going past max_upload_time (408)', async () => {
    const { partition, nodes } = cluster.ring('object').getNodes('AUTH_test', 'c', 'slow');
    const socket = connect(nodes[0].port, '127.0.0.1');
    const answer = new Promise<string>((resolve) => {
      let got = '';
      socket.on('data', (d) => {
        got += d.toString('latin1');
        if (got.includes('\r\n')) resolve(got);
      });
      socket.on('close', () => resolve(got));
      socket.on('error', () => resolve(got));
    });
    socket.write([
      `PUT /${nodes[0].device}/${partition}/AUTH_test/c/slow HTTP/1.1`, 'Host: x', `X-Timestamp: ${Timestamp.now().internal}`,
      'Content-Type: text/plain', 'Content-Length: 2', 'X-Backend-Storage-Policy-Index: 0', '', 'a',
    ].join('\r\n'));
    // max_upload_time is 2 s: the second byte comes after it.
    await sleep(2500);
    socket.write('b');
    assert.match(await answer, /^HTTP\/1\.1 408 /);
    socket.destroy();
    await waitFor(['object-server.PUT.timeouts:1|c']);
  });

  test('container-sync: syncs, puts, deletes and their timings, skips, failures', async () => {
    const key = randomBytes(8).toString('hex');
    const target = (container: string): string => `http://127.0.0.1:${proxy.port}/v1/AUTH_test/${container}`;
    assert.equal((await req('PUT', '/v1/AUTH_test/syncdst', { 'x-container-sync-key': key })).status, 201);
    assert.equal((await req('PUT', '/v1/AUTH_test/syncsrc', { 'x-container-sync-to': target('syncdst'), 'x-container-sync-key': key })).status, 201);
    assert.equal((await req('PUT', '/v1/AUTH_test/syncsrc/kept', {}, Buffer.from('kept'))).status, 201);
    assert.equal((await req('PUT', '/v1/AUTH_test/syncsrc/gone', {}, Buffer.from('gone'))).status, 201);
    // Each row is sent by one replica: every replica must have it (a container update may have gone to async_pending).
    await listedOnAllReplicas('syncsrc', 'gone,kept');
    assert.equal((await req('DELETE', '/v1/AUTH_test/syncsrc/gone')).status, 204);
    await listedOnAllReplicas('syncsrc', 'kept');
    // A target that does not exist: the row's PUT there fails.
    assert.equal((await req('PUT', '/v1/AUTH_test/syncbroken', { 'x-container-sync-to': target('nosuch'), 'x-container-sync-key': key })).status, 201);
    assert.equal((await req('PUT', '/v1/AUTH_test/syncbroken/o', {}, Buffer.from('o'))).status, 201);
    // A synced container that object versioning (its sysmeta, set on the container servers) says to skip.
    assert.equal((await req('PUT', '/v1/AUTH_test/syncversioned', { 'x-container-sync-to': target('syncdst'), 'x-container-sync-key': key })).status, 201);
    const { partition, nodes } = cluster.ring('container').getNodes('AUTH_test', 'syncversioned');
    for (const node of nodes) {
      const res = await fetch(`http://127.0.0.1:${node.port}/${node.device}/${partition}/AUTH_test/syncversioned`, {
        method: 'POST', headers: { 'x-timestamp': Timestamp.now().internal, 'x-container-sysmeta-versions-container': 'versions' },
      });
      assert.equal(res.status, 204);
    }
    for (const i of [0, 1, 2, 3]) await once('container-sync', section('container', i));
    // Each row goes from one replica; each container replica on a node counts its container.
    await waitFor([
      'container-sync.puts:1|c', /^container-sync\.puts\.timing:[\d.]+\|ms$/, 'container-sync.deletes:1|c',
      /^container-sync\.deletes\.timing:[\d.]+\|ms$/, 'container-sync.syncs:1|c', 'container-sync.skips:1|c', 'container-sync.failures:1|c',
    ]);
    // Each replica of the versioned container skips it (the last datagrams may still be on their way).
    await countOf('container-sync.skips:1|c', 3);
    // The synced object reached the target.
    assert.equal((await req('GET', '/v1/AUTH_test/syncdst/kept')).status, 200);
  });

  test('proxy-server.object.handoff_count: a read that skipped an error-limited primary used a handoff past the expected ones', async () => {
    // An object name whose primaries include object node 0, which is stopped.
    const ring = cluster.ring('object');
    const down = cluster.node('object', 0);
    let name = '';
    for (let i = 0; !name; i++) if (ring.getNodes('AUTH_test', 'c', `missing-${i}`).nodes.some((n) => n.port === down.port)) name = `missing-${i}`;
    await cluster.stopNode(down);
    // A 404 is asked of every usable node: two primaries, then (request_node_count = 3, no handoff expected) a handoff.
    assert.equal((await req('GET', `/v1/AUTH_test/c/${name}`)).status, 404);
    await waitFor(['proxy-server.object.handoff_count:1|c']);
    assert.equal(lines('proxy-server.object.handoff_all_count').length, 0);
  });
});
