/**
 * The ratelimit filter over a MemoryCache and stub account/container info:
 * requests spaced at the configured rate, 498 past max_sleep_time_seconds,
 * 497 for blacklisted accounts, the interpolated container rates, the
 * account's global write rate, and Swift's /info entry.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../common/index.js';
import { FILTERS } from '../../proxy/registry.js';
import { confLimits, maxRate } from '../../proxy/filters/ratelimit.js';
import { MemoryCache, type App, type PipelineContext, type SwiftRequest } from '../../proxy/index.js';

interface Stub {
  accountSysmeta?: Record<string, Record<string, string>>;
  objectCount?: number;
}

const ctx = (stub: Stub = {}): PipelineContext => {
  const info: Record<string, Record<string, unknown>> = {};
  return {
    logger: silentLogger, now: Date.now, info, registerInfo: (n, d) => (info[n] = { ...info[n], ...d }),
    infoSource: {
      account: async (_req, account) => ({ status: 204, containerCount: 0, objectCount: 0, bytes: 0, meta: {}, sysmeta: stub.accountSysmeta?.[account] ?? {} }),
      container: async () => ({ status: 204, objectCount: stub.objectCount ?? 0, bytes: 0, storagePolicy: 0, meta: {}, sysmeta: {} }),
      policy: () => undefined,
    },
  };
};

/** The filter over an app that notes when each request reached it. */
async function build(conf: Record<string, string>, stub: Stub = {}) {
  const c = ctx(stub);
  const reached: number[] = [];
  const app: App = async () => {
    reached.push(Date.now());
    return { status: 204, headers: {}, body: undefined };
  };
  const cache = new MemoryCache();
  const f = (await FILTERS.get('ratelimit')!(conf, c))(app);
  const send = async (method: string, path: string) => {
    const req: SwiftRequest = { method, path, query: '', headers: {}, remoteAddr: '127.0.0.1', env: { transId: 'tx', cache } };
    const r = await f(req);
    return { status: r.status, body: r.body };
  };
  return { send, reached, info: c.info, cache };
}

/*
 * As in Swift, the counter of a key not used for rate_buffer_seconds is
 * reset by whichever request finds it stale: requests racing on a cold key
 * all find it so and go at once. Each test sends one request first.
 */

/**
 * Requests sent after one sent at `start` reached the app a turn of
 * `turnMs` apart: the k-th no sooner than k+1 turns after `start` (turns
 * count from the clock when the first one came; a loaded machine's late
 * timers only make them later).
 */
function assertSpaced(reached: number[], start: number, turnMs: number, what: string): void {
  const sorted = [...reached].sort((a, b) => a - b);
  sorted.forEach((t, k) => assert.ok(t - start >= (k + 1) * turnMs - 5, `${what}: request ${k} after ${t - start} ms, turn ${turnMs} ms`));
}

describe('ratelimit', () => {
  it('spaces container PUTs and DELETEs of an account at account_ratelimit a second, leaves reads and objects alone', async () => {
    const rl = await build({ account_ratelimit: '20' });
    const start = Date.now();
    await rl.send('PUT', '/v1/AUTH_a/first');
    rl.reached.length = 0;
    const got = await Promise.all(Array.from({ length: 5 }, (_, i) => rl.send(i % 2 ? 'DELETE' : 'PUT', `/v1/AUTH_a/c${i}`)));
    assert.deepEqual(got.map((r) => r.status), [204, 204, 204, 204, 204]);
    assertSpaced(rl.reached, start, 50, 'container writes');
    rl.reached.length = 0;
    await Promise.all(Array.from({ length: 5 }, () => rl.send('GET', '/v1/AUTH_a/c0')));
    await Promise.all(Array.from({ length: 5 }, () => rl.send('PUT', '/v1/AUTH_a/c0/o')));
    assert.ok(Math.max(...rl.reached) - Math.min(...rl.reached) < 40, 'reads and object PUTs went at once');
  });

  it("answers 498 'Slow down' to a request that would sleep past max_sleep_time_seconds, giving its turn back", async () => {
    const rl = await build({ account_ratelimit: '10', max_sleep_time_seconds: '0.25' });
    await rl.send('PUT', '/v1/AUTH_a/first');
    // Turns 100 and 200 ms away wait; 300 ms is past 0.25 s.
    const got = await Promise.all(Array.from({ length: 5 }, (_, i) => rl.send('PUT', `/v1/AUTH_a/c${i}`)));
    assert.deepEqual(got.map((r) => r.status).sort(), [204, 204, 498, 498, 498]);
    assert.equal(got.find((r) => r.status === 498)!.body, 'Slow down');
    // The refused ones took no turn: once the three went, the next goes at once.
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    assert.equal((await rl.send('PUT', '/v1/AUTH_a/next')).status, 204);
    assert.ok(Date.now() - t0 < 90, `waited ${Date.now() - t0} ms`);
  });

  it("answers 497 after a second to a blacklisted account (by option or by its sysmeta); a whitelisted one is never limited", async () => {
    const rl = await build(
      { account_ratelimit: '5', account_blacklist: 'AUTH_bad', account_whitelist: 'AUTH_good' },
      { accountSysmeta: { AUTH_marked: { 'global-write-ratelimit': 'BLACKLIST' }, AUTH_free: { 'global-write-ratelimit': 'WHITELIST' } } },
    );
    const t0 = Date.now();
    const [byOption, bySysmeta] = await Promise.all([rl.send('GET', '/v1/AUTH_bad'), rl.send('GET', '/v1/AUTH_marked/c/o')]);
    assert.ok(Date.now() - t0 >= 990);
    for (const r of [byOption, bySysmeta]) assert.deepEqual([r.status, r.body], [497, 'Your account has been blacklisted']);
    for (const account of ['AUTH_good', 'AUTH_free']) {
      rl.reached.length = 0;
      await Promise.all(Array.from({ length: 4 }, (_, i) => rl.send('PUT', `/v1/${account}/c${i}`)));
      assert.ok(Math.max(...rl.reached) - Math.min(...rl.reached) < 100, `${account} went at once`);
    }
  });

  it("limits every write of an account by its X-Account-Sysmeta-Global-Write-Ratelimit", async () => {
    const rl = await build({}, { accountSysmeta: { AUTH_a: { 'global-write-ratelimit': '20' } } });
    const start = Date.now();
    await rl.send('PUT', '/v1/AUTH_a/c/first');
    rl.reached.length = 0;
    await Promise.all(['PUT', 'POST', 'DELETE', 'COPY'].map((m, i) => rl.send(m, `/v1/AUTH_a/c/o${i}`)));
    assertSpaced(rl.reached, start, 50, 'writes');
    rl.reached.length = 0;
    await Promise.all(Array.from({ length: 4 }, () => rl.send('GET', '/v1/AUTH_a/c/o')));
    assert.ok(Math.max(...rl.reached) - Math.min(...rl.reached) < 40, 'reads went at once');
  });

  it('limits object writes and listings by the container size, on the line between the sizes configured', async () => {
    assert.deepEqual(confLimits({ container_ratelimit_200: '50', container_ratelimit_100: '100', other: 'x' }, 'container_ratelimit_'), [[100, 100], [200, 50]]);
    assert.throws(() => confLimits({ container_ratelimit_big: '5' }, 'container_ratelimit_'), /container_ratelimit_<container size>/);
    assert.throws(() => confLimits({ container_ratelimit_10: 'fast' }, 'container_ratelimit_'), /container_ratelimit_10 = fast/);
    const limits: [number, number][] = [[100, 100], [200, 50], [500, 20]];
    assert.deepEqual([0, 99, 100, 150, 200, 350, 500, 10_000].map((n) => maxRate(limits, n)), [undefined, undefined, 100, 75, 50, 35, 20, 20]);
    const rl = await build({ container_ratelimit_10: '40', container_ratelimit_30: '10', container_listing_ratelimit_10: '10' }, { objectCount: 20 });
    // 20 objects: 25 writes a second (40 ms apart), 10 listings a second (100 ms apart).
    let start = Date.now();
    await rl.send('PUT', '/v1/AUTH_a/c/first');
    rl.reached.length = 0;
    await Promise.all(Array.from({ length: 4 }, (_, i) => rl.send('PUT', `/v1/AUTH_a/c/o${i}`)));
    assertSpaced(rl.reached, start, 40, 'object writes');
    assert.ok(Math.max(...rl.reached) - start < 400, 'not at a lower rate');
    start = Date.now();
    await rl.send('GET', '/v1/AUTH_a/c');
    rl.reached.length = 0;
    await Promise.all(Array.from({ length: 3 }, () => rl.send('GET', '/v1/AUTH_a/c')));
    assertSpaced(rl.reached, start, 100, 'listings');
    assert.deepEqual(rl.info.ratelimit, {
      account_ratelimit: 0, max_sleep_time_seconds: 60, container_ratelimits: [[10, 40], [30, 10]], container_listing_ratelimits: [[10, 10]],
    });
  });

  it('lets through what is not a Swift API path', async () => {
    const rl = await build({ account_ratelimit: '1', account_blacklist: 'AUTH_a' });
    assert.equal((await rl.send('GET', '/info')).status, 204);
    assert.equal((await rl.send('GET', '/auth/v1.0')).status, 204);
    assert.equal((await rl.send('PUT', '/v2/AUTH_a/c')).status, 204);
  });
});
