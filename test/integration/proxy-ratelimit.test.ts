/**
 * ratelimit across two of our proxies sharing one memcached, over swiftly
 * storage nodes: container writes sent to both at once are spaced at one
 * account_ratelimit between them; past max_sleep_time_seconds Swift's
 * "498 Rate Limited"; an account marked BLACKLIST by a direct client gets
 * "497 Blacklisted".
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, killProcess, spawnTracked, SwiftCluster, SWIFTLY_BIN, waitForPort } from '../helpers/swift-cluster.js';
import type { ChildProcess } from 'node:child_process';
import { startMemcache, type MemcacheServer } from '../helpers/memcache-server.js';
import { MemcacheClient } from '../../proxy/index.js';

const PIPELINE = 'catch_errors gatekeeper healthcheck proxy-logging cache ratelimit tempauth proxy-server';

// One set of storage nodes for both suites (each has its own proxies and its own containers): a cluster start is ~7 CPU-s.
let cluster: SwiftCluster;
before(async () => {
  cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
});
after(async () => {
  await cluster?.stop();
});

describe('ratelimit shared by two proxies', () => {
  let memcache: MemcacheServer | undefined;
  const bases: string[] = [];
  let token = '';

  const put = async (base: string, path: string, as = token) => {
    const res = await fetch(`${base}${path}`, { method: 'PUT', headers: { 'x-auth-token': as } });
    return { status: res.status, reason: res.statusText, text: await res.text(), at: Date.now() };
  };

  before(async () => {
    await cluster.postAccountDirect('AUTH_test2', { 'x-account-sysmeta-global-write-ratelimit': 'BLACKLIST' });
    memcache = await startMemcache();
    const filters = {
      cache: { memcache_servers: `127.0.0.1:${memcache.port}` },
      ratelimit: { account_ratelimit: 5, max_sleep_time_seconds: 1 },
    };
    for (let i = 0; i < 2; i++) bases.push(`http://127.0.0.1:${(await cluster.startProxy('', PIPELINE, filters)).port}`);
    token = await cluster.token();
  });
  after(async () => {
    await memcache?.close();
  });

  it('spaces one account\'s container PUTs sent to both proxies at once, one turn (200 ms) each', async () => {
    // Turns count from when the first request reached the filter: no sooner than this.
    const start = Date.now();
    assert.equal((await put(bases[0], '/v1/AUTH_test/first')).status, 201);
    const got = await Promise.all([0, 1, 2, 3].map((i) => put(bases[i % 2], `/v1/AUTH_test/c${i}`)));
    assert.deepEqual(got.map((r) => r.status), [201, 201, 201, 201]);
    [...got].sort((a, b) => a.at - b.at).forEach((r, k) => assert.ok(r.at - start >= (k + 1) * 200 - 10, `PUT ${k} answered after ${r.at - start} ms`));
  });

  it("answers '498 Rate Limited' past max_sleep_time_seconds on either proxy", async () => {
    // The account's next turn 3 s away, under Swift's key (as a burst of 15 would leave it).
    const client = new MemcacheClient([`127.0.0.1:${memcache!.port}`]);
    const next = Date.now() + 3000;
    await client.set('ratelimit/AUTH_test', next);
    const start = Date.now();
    const got = await Promise.all([0, 1].map((i) => put(bases[i], `/v1/AUTH_test/d${i}`)));
    for (const r of got) assert.deepEqual([r.status, r.reason, r.text], [498, 'Rate Limited', 'Slow down']);
    assert.ok(Date.now() - start < 1000, 'answered without sleeping');
    // Refused requests give their turns back.
    assert.equal(await client.get('ratelimit/AUTH_test'), next);
    client.close();
  });

  it("answers '497 Blacklisted' to an account its sysmeta marks BLACKLIST", async () => {
    const r = await put(bases[1], '/v1/AUTH_test2/c', await cluster.token('test2:tester2', 'testing2'));
    assert.deepEqual([r.status, r.reason, r.text], [497, 'Blacklisted', 'Your account has been blacklisted']);
  });

  it('is in /info with its options', async () => {
    const info = (await (await fetch(`${bases[0]}/info`)).json()) as Record<string, unknown>;
    assert.deepEqual(info.ratelimit, { account_ratelimit: 5, max_sleep_time_seconds: 1, container_ratelimits: [], container_listing_ratelimits: [] });
  });
});

describe('ratelimit shared by the workers of one proxy', () => {
  let proxy: ChildProcess | undefined;
  let base = '';

  before(async () => {
    const port = await freePort();
    const conf = cluster.writeProxyConf('', PIPELINE, port, { ratelimit: { account_ratelimit: 5 } });
    // Two workers, no memcached: the limit lives in the primary's cache (IPC).
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^workers = 0$/m, 'workers = 2'));
    proxy = spawnTracked(process.execPath, [SWIFTLY_BIN, 'server', 'proxy', conf], join(cluster.logDir, 'proxy-workers.log'));
    await waitForPort(port, proxy, 'swiftly proxy', cluster.startTimeoutMs);
    base = `http://127.0.0.1:${port}`;
    cluster.authUrl = `${base}/auth/v1.0`;
  });
  after(async () => {
    await killProcess(proxy, 'SIGTERM');
  });

  it('spaces container PUTs that land on either worker at one account_ratelimit', async () => {
    const token = await cluster.token();
    const put = async (path: string) => {
      // A connection each, so the requests spread over both workers.
      const res = await fetch(`${base}${path}`, { method: 'PUT', headers: { 'x-auth-token': token, connection: 'close' } });
      await res.arrayBuffer();
      return { status: res.status, at: Date.now() };
    };
    const start = Date.now();
    assert.equal((await put('/v1/AUTH_test/wfirst')).status, 201);
    const got = await Promise.all([0, 1, 2, 3].map((i) => put(`/v1/AUTH_test/w${i}`)));
    assert.deepEqual(got.map((r) => r.status), [201, 201, 201, 201]);
    [...got].sort((a, b) => a.at - b.at).forEach((r, k) => assert.ok(r.at - start >= (k + 1) * 200 - 10, `PUT ${k} answered after ${r.at - start} ms`));
  });
});
