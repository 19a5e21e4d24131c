/**
 * Container sync between two clusters: a container on cluster A with
 * X-Container-Sync-To `//test/b/AUTH_test/dst` sends its PUTs, POSTs and
 * DELETEs to the container on cluster B once the container-sync daemon
 * of each of A's container nodes has run, signed for the realm both
 * clusters share; B's container_sync filter checks the signature and keeps
 * the sender's timestamp. Also the refusals: a bad signature or sync key
 * (401), an unknown realm or cluster (400), a full URL with
 * allow_full_urls off (400), and the swift CLI's `post -t -k`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { containerSyncSignature, hashPathRaw, loadSwiftConf, silentLogger } from '../../common/index.js';
import { ContainerSync } from '../../consistency/index.js';
import { Ring } from '../../ring/index.js';
import { freePort, type SwiftCluster } from '../helpers/swift-cluster.js';
import { startSyncClusters, SYNC_PIPELINE, SYNC_REALM_KEY, syncRealmsConf, type SyncSide } from '../helpers/sync-clusters.js';

const run = promisify(execFile);
describe('container sync between two clusters', () => {
  let A: SwiftCluster;
  let B: SwiftCluster;
  let urlA: string;
  let urlB: string;
  let portA: number;
  let portB: number;
  let onA: SyncSide['fetch'];
  let onB: SyncSide['fetch'];

  before(async () => {
    const { a, b } = await startSyncClusters({ a: 'swiftly', b: 'swiftly' });
    ({ cluster: A, url: urlA, port: portA, fetch: onA } = a);
    ({ cluster: B, url: urlB, port: portB, fetch: onB } = b);
  });
  after(async () => {
    await Promise.all([A?.stop(), B?.stop()]);
  });

  /** One pass of the container-sync daemon of each of A's container nodes; the puts and deletes sent, and the puts by node port. */
  async function syncPass(extra: Record<string, string> = {}): Promise<{ puts: number; deletes: number; byPort: Record<number, number> }> {
    const swiftConf = loadSwiftConf(A.swiftDir);
    const total = { puts: 0, deletes: 0, byPort: {} as Record<number, number> };
    for (const node of A.nodes.filter((n) => n.kind === 'container')) {
      const daemon = new ContainerSync({
        conf: {
          devices: join(A.dir, `node${node.index}`), mount_check: 'false', swift_dir: A.swiftDir, bind_ip: '127.0.0.1',
          bind_port: String(node.port), interval: '1', ...extra,
        },
        swiftConf,
        logger: silentLogger,
      });
      try {
        await daemon.runOnce(new AbortController().signal);
      } finally {
        await daemon.close();
      }
      total.puts += daemon.stats.puts;
      if (daemon.stats.puts) total.byPort[node.port] = daemon.stats.puts;
      total.deletes += daemon.stats.deletes;
    }
    return total;
  }

  /** Which of A's container nodes (by port) should send each name: the row's hash modulo the replicas picks the replica. */
  function shares(container: string, names: string[]): Record<number, number> {
    const swiftConf = loadSwiftConf(A.swiftDir);
    const ring = new Ring(A.swiftDir, { ringName: 'container', hashPath: swiftConf.hashPath });
    const { nodes } = ring.getNodes('AUTH_test', container);
    const out: Record<number, number> = {};
    for (const name of names) {
      const port = nodes[hashPathRaw(swiftConf.hashPath, 'AUTH_test', container, name).readUInt32BE(0) % nodes.length].port;
      out[port] = (out[port] ?? 0) + 1;
    }
    return out;
  }

  /** Waits until every container replica on A lists exactly `names` (object updates may be async). */
  async function rowsOnAllReplicas(container: string, names: string[]): Promise<void> {
    const ring = new Ring(A.swiftDir, { ringName: 'container', hashPath: loadSwiftConf(A.swiftDir).hashPath });
    const { partition, nodes } = ring.getNodes('AUTH_test', container);
    for (let i = 0; i < 100; i++) {
      const listed = await Promise.all(nodes.map(async (n) => {
        const r = await fetch(`http://${n.ip}:${n.port}/${n.device}/${partition}/AUTH_test/${container}?format=json`);
        return r.status === 200 ? ((await r.json()) as { name: string }[]).map((o) => o.name).join(',') : '';
      }));
      if (listed.every((l) => l === names.join(','))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`container replicas of ${container} never listed ${names.join(',')}`);
  }

  test('PUT, POST and DELETE on A reach B after a daemon pass; each replica sends its share once', async () => {
    assert.equal((await onB('/dst', { method: 'PUT', headers: { 'x-container-sync-key': 'secret' } })).status, 201);
    const put = await onA('/src', { method: 'PUT', headers: { 'x-container-sync-to': '//test/b/AUTH_test/dst', 'x-container-sync-key': 'secret' } });
    assert.equal(put.status, 201);
    const head = await onA('/src', { method: 'HEAD' });
    assert.equal(head.headers.get('x-container-sync-to'), '//test/b/AUTH_test/dst');

    // A UTF-8 metadata value goes out as its raw bytes (fetch sends a header's code units as bytes).
    const utf8Meta = Buffer.from('Bär ☃').toString('latin1');
    const o1 = await onA('/src/o1', {
      method: 'PUT', body: 'first object', headers: { 'content-type': 'text/x-one', 'x-object-meta-color': 'blue', 'x-object-meta-name': utf8Meta },
    });
    assert.equal(o1.status, 201);
    const more = ['o2', 'o3', 'o4', 'o5', 'o6'];
    for (const name of more) assert.equal((await onA(`/src/${name}`, { method: 'PUT', body: name === 'o2' ? 'second' : name })).status, 201);
    await rowsOnAllReplicas('src', ['o1', ...more]);

    const first = await syncPass();
    assert.deepEqual(first, { puts: 6, deletes: 0, byPort: shares('src', ['o1', ...more]) }, 'each row sent by its replica only');
    const got = await onB('/dst/o1');
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'first object');
    assert.equal(got.headers.get('content-type'), 'text/x-one');
    assert.equal(got.headers.get('x-object-meta-color'), 'blue');
    assert.equal(got.headers.get('x-object-meta-name'), utf8Meta, 'UTF-8 metadata arrives byte for byte');
    const local = await onA('/src/o1', { method: 'HEAD' });
    assert.equal(got.headers.get('x-timestamp'), local.headers.get('x-timestamp'), 'the copy keeps the original time');
    assert.equal(got.headers.get('etag'), local.headers.get('etag'));
    assert.equal(await (await onB('/dst/o2')).text(), 'second');

    // The next pass goes over the shared-out rows from every replica, and finds B current.
    assert.deepEqual(await syncPass(), { puts: 0, deletes: 0, byPort: {} });

    assert.equal((await onA('/src/o1', { method: 'POST', headers: { 'x-object-meta-color': 'red' } })).status, 202);
    assert.equal((await onA('/src/o2', { method: 'DELETE' })).status, 204);
    await rowsOnAllReplicas('src', ['o1', ...more.slice(1)]);
    const second = await syncPass();
    assert.deepEqual({ ...second, byPort: undefined }, { puts: 1, deletes: 1, byPort: undefined });
    const after = await onB('/dst/o1');
    assert.equal(after.headers.get('x-object-meta-color'), 'red');
    assert.equal(await after.text(), 'first object');
    assert.equal((await onB('/dst/o2')).status, 404);
  });

  test('a big object streams across; an SLO manifest and a symlink arrive as what they are', async () => {
    // The same container name on both sides: a manifest and a link name their segments' and target's containers.
    assert.equal((await onB('/src3', { method: 'PUT', headers: { 'x-container-sync-key': 'secret3' } })).status, 201);
    const put = await onA('/src3', { method: 'PUT', headers: { 'x-container-sync-to': '//test/b/AUTH_test/src3', 'x-container-sync-key': 'secret3' } });
    assert.equal(put.status, 201);
    const big = randomBytes(3 * 1024 * 1024 + 17);
    assert.equal((await onA('/src3/big', { method: 'PUT', body: big })).status, 201);
    assert.equal((await onA('/src3/seg1', { method: 'PUT', body: 'hello ' })).status, 201);
    assert.equal((await onA('/src3/seg2', { method: 'PUT', body: 'world' })).status, 201);
    const manifest = JSON.stringify([{ path: '/src3/seg1' }, { path: '/src3/seg2' }]);
    assert.equal((await onA('/src3/slo?multipart-manifest=put', { method: 'PUT', body: manifest })).status, 201);
    assert.equal((await onA('/src3/link', { method: 'PUT', body: '', headers: { 'x-symlink-target': 'src3/seg1' } })).status, 201);
    const odd = 'dir/ünï cödé ☃ 100%?&#';
    assert.equal((await onA(`/src3/${encodeURIComponent(odd)}`, { method: 'PUT', body: 'odd name' })).status, 201);
    await rowsOnAllReplicas('src3', ['big', odd, 'link', 'seg1', 'seg2', 'slo']);
    assert.equal((await syncPass()).puts, 6);
    assert.equal(await (await onB(`/src3/${encodeURIComponent(odd)}`)).text(), 'odd name', 'a name that needs quoting is signed as the receiver sees it');

    const gotBig = Buffer.from(await (await onB('/src3/big')).arrayBuffer());
    assert.ok(gotBig.equals(big), 'the big object arrives whole');
    const slo = await onB('/src3/slo');
    assert.equal(slo.status, 200);
    assert.equal(await slo.text(), 'hello world', 'the manifest is an SLO on B, over the segments synced beside it');
    const raw = await onB('/src3/slo?multipart-manifest=get');
    assert.equal(raw.headers.get('x-static-large-object'), 'True');
    const link = await onB('/src3/link?symlink=get', { method: 'HEAD' });
    assert.equal(link.headers.get('x-symlink-target'), 'src3/seg1', 'the symlink keeps its target');
    // Each is current on B now (the symlink by its own time, not its target's): nothing is sent again.
    assert.deepEqual(await syncPass(), { puts: 0, deletes: 0, byPort: {} });
  });

  test('with sync_proxy the remote requests go through the HTTP proxy', async () => {
    const seen: string[] = [];
    const forward = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const target = new URL(req.url!);
      const out = httpRequest({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      req.pipe(out);
    });
    await new Promise<void>((resolve) => forward.listen(0, '127.0.0.1', resolve));
    try {
      assert.equal((await onB('/dst4', { method: 'PUT', headers: { 'x-container-sync-key': 'k4' } })).status, 201);
      assert.equal((await onA('/src4', { method: 'PUT', headers: { 'x-container-sync-to': '//test/b/AUTH_test/dst4', 'x-container-sync-key': 'k4' } })).status, 201);
      assert.equal((await onA('/src4/p', { method: 'PUT', body: 'proxied' })).status, 201);
      await rowsOnAllReplicas('src4', ['p']);
      const { port } = forward.address() as AddressInfo;
      assert.equal((await syncPass({ sync_proxy: `http://127.0.0.1:${port}` })).puts, 1);
      assert.equal(await (await onB('/dst4/p')).text(), 'proxied');
      assert.ok(seen.includes(`PUT ${urlB}/dst4/p`), seen.join('\n'));
    } finally {
      forward.closeAllConnections();
      await new Promise((resolve) => forward.close(resolve));
    }
  });

  test('a signed request with a wrong signature or sync key is refused 401; a good one is let in without a token', async () => {
    assert.equal((await onB('/keyed', { method: 'PUT', headers: { 'x-container-sync-key': 'k1' } })).status, 201);
    const path = '/v1/AUTH_test/keyed/obj';
    const ts = '1700000000.00000';
    const signed = (key: string, userKey: string) => `test nonce1 ${containerSyncSignature('PUT', path, ts, 'nonce1', key, userKey)}`;
    const send = (auth: string) => fetch(`${urlB.replace('/v1/AUTH_test', '')}${path}`, {
      method: 'PUT', body: 'x', headers: { 'x-container-sync-auth': auth, 'x-timestamp': ts },
    });
    for (const auth of [signed(SYNC_REALM_KEY, 'wrong'), signed('not-the-realm-key', 'k1'), 'test nonce1', `other nonce1 ${'0'.repeat(40)}`]) {
      const r = await send(auth);
      assert.equal(r.status, 401, auth);
      assert.equal(await r.text(), 'X-Container-Sync-Auth header not valid; contact cluster operator for support.');
      assert.equal(r.headers.get('www-authenticate'), 'SwiftContainerSync realm="AUTH_test"');
    }
    const good = await send(signed(SYNC_REALM_KEY, 'k1'));
    assert.equal(good.status, 201);
    const stored = await onB('/keyed/obj', { method: 'HEAD' });
    assert.equal(stored.headers.get('x-timestamp'), ts, "the sender's X-Timestamp is kept");
  });

  test('X-Container-Sync-To naming an unknown realm or cluster is refused 400', async () => {
    assert.equal((await onA('/badsync', { method: 'PUT' })).status, 201);
    const post = (to: string) => onA('/badsync', { method: 'POST', headers: { 'x-container-sync-to': to } });
    let r = await post('//nowhere/b/AUTH_test/dst');
    assert.equal(r.status, 400);
    assert.equal(await r.text(), "No realm key for 'nowhere'");
    r = await post('//test/c/AUTH_test/dst');
    assert.equal(r.status, 400);
    assert.equal(await r.text(), "No cluster endpoint for 'test' 'c'");
    r = await post('//test/b/AUTH_test');
    assert.equal(r.status, 400);
    assert.equal(await r.text(), "Invalid X-Container-Sync-To format '//test/b/AUTH_test'");
  });

  test('/info shows the realms and the current cluster', async () => {
    const info = (await (await fetch(`${urlA.replace('/v1/AUTH_test', '')}/info`)).json()) as Record<string, unknown>;
    assert.deepEqual(info.container_sync, { realms: { TEST: { clusters: { A: { current: true }, B: {} } } } });
  });

  test('swift post -t -k sets the sync target and key', async () => {
    await run('swift', ['-A', A.authUrl, '-U', A.user, '-K', A.key, 'post', '-t', '//test/b/AUTH_test/dst', '-k', 'secret', 'cli']);
    const head = await onA('/cli', { method: 'HEAD' });
    assert.equal(head.status, 204);
    assert.equal(head.headers.get('x-container-sync-to'), '//test/b/AUTH_test/dst');
    assert.equal(head.headers.get('x-container-sync-key'), 'secret');
    const refused = await run('swift', ['-A', A.authUrl, '-U', A.user, '-K', A.key, 'post', '-t', '//elsewhere/b/AUTH_test/dst', 'cli'])
      .then(() => undefined, (err: { stderr: string }) => err.stderr);
    assert.match(refused ?? '', /400 Bad Request/);
  });

  test('a full-URL target: the daemon sends the bare sync key, taken with the sender X-Timestamp where gatekeeper keeps it', async () => {
    // Swift's gatekeeper moves a client's X-Timestamp aside, and the auth filter wants one with the key: only a proxy that does
    // not shunt it (shunt_inbound_x_timestamp = false) takes full-URL syncs, as in Swift 2.30.
    const port = await freePort();
    await B.startProxy('', SYNC_PIPELINE, { gatekeeper: { shunt_inbound_x_timestamp: 'false' }, container_sync: { swift_dir: B.swiftDir } }, port);
    assert.equal((await onB('/dst5', { method: 'PUT', headers: { 'x-container-sync-key': 'k5' } })).status, 201);
    const bare = (base: string, key: string) => fetch(`${base}/v1/AUTH_test/dst5/bare`, {
      method: 'PUT', body: 'b', headers: { 'x-container-sync-key': key, 'x-timestamp': '1700000000.00000' },
    });
    assert.equal((await bare(`http://127.0.0.1:${port}`, 'wrong')).status, 401);
    assert.equal((await bare(`http://127.0.0.1:${portB}`, 'k5')).status, 401, 'X-Timestamp shunted: no');
    assert.equal((await bare(`http://127.0.0.1:${port}`, 'k5')).status, 201);

    const to = `http://127.0.0.1:${port}/v1/AUTH_test/dst5`;
    assert.equal((await onA('/src5', { method: 'PUT', headers: { 'x-container-sync-to': to, 'x-container-sync-key': 'k5' } })).status, 201);
    assert.equal((await onA('/src5/f', { method: 'PUT', body: 'full url' })).status, 201);
    await rowsOnAllReplicas('src5', ['f']);
    assert.equal((await syncPass()).puts, 1);
    const got = await onB('/dst5/f');
    assert.equal(await got.text(), 'full url');
    assert.equal(got.headers.get('x-timestamp'), (await onA('/src5/f', { method: 'HEAD' })).headers.get('x-timestamp'));
    // The key lets no HEAD in, so the rows each replica goes over again in the next pass are sent again (B keeps its copy: same time).
    assert.equal((await syncPass()).puts, 3);
    assert.equal((await syncPass()).puts, 0);
  });

  // Last: the Swift proxy takes over B's authUrl.
  test("Swift 2.30's container_sync takes what the daemon sends (a Swift proxy in front of B)", async () => {
    const swiftUrl = await B.startSwiftProxy('catch_errors gatekeeper healthcheck proxy-logging cache container_sync tempauth copy dlo slo proxy-logging proxy-server');
    // A's servers look at the realms file every second: B's Swift proxy joins the realm as cluster bswift.
    writeFileSync(join(A.swiftDir, 'container-sync-realms.conf'), `${syncRealmsConf(portA, portB)}cluster_bswift = ${swiftUrl}/v1/\n`);
    await sleep(1100);
    const token = await B.token();
    const onSwift = (path: string, init: RequestInit = {}) =>
      fetch(`${swiftUrl}/v1/AUTH_test${path}`, { ...init, headers: { 'x-auth-token': token, ...(init.headers as Record<string, string>) } });
    assert.equal((await onSwift('/dst2', { method: 'PUT', headers: { 'x-container-sync-key': 'secret2' } })).status, 201);
    const put = await onA('/src2', { method: 'PUT', headers: { 'x-container-sync-to': '//test/bswift/AUTH_test/dst2', 'x-container-sync-key': 'secret2' } });
    assert.equal(put.status, 201);
    assert.equal((await onA('/src2/s1', { method: 'PUT', body: 'through swift', headers: { 'x-object-meta-kind': 'interop' } })).status, 201);
    const odd = 'ünï cödé ☃ 100%?&#~';
    assert.equal((await onA(`/src2/${encodeURIComponent(odd)}`, { method: 'PUT', body: 'odd' })).status, 201);
    await rowsOnAllReplicas('src2', ['s1', odd]);
    assert.deepEqual((await syncPass()).puts, 2);
    assert.equal(await (await onSwift(`/dst2/${encodeURIComponent(odd)}`)).text(), 'odd', "signed as Swift's filter quotes the path");
    const got = await onSwift('/dst2/s1');
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'through swift');
    assert.equal(got.headers.get('x-object-meta-kind'), 'interop');
    assert.equal(got.headers.get('x-timestamp'), (await onA('/src2/s1', { method: 'HEAD' })).headers.get('x-timestamp'));
    // the remote HEAD before a PUT, through Swift's filter too: nothing more to send
    assert.deepEqual(await syncPass(), { puts: 0, deletes: 0, byPort: {} });
    assert.equal((await onA('/src2/s1', { method: 'DELETE' })).status, 204);
    await rowsOnAllReplicas('src2', [odd]);
    assert.equal((await syncPass()).deletes, 1);
    assert.equal((await onSwift('/dst2/s1')).status, 404);
  });
});
