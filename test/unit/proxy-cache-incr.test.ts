/**
 * Cache.incr, what ratelimit counts on: atomic across every client of one
 * cache (concurrent calls, two proxies on one memcached, the workers of one
 * proxy over IPC), created when absent, floored at 0 going down.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { MemoryCache, MemcacheClient, serveIpcCache, type Cache } from '../../proxy/index.js';
import { startMemcache, type MemcacheServer } from '../helpers/memcache-server.js';

/** n concurrent incrs by delta: each value handed out exactly once. */
async function assertAtomic(caches: Cache[], key: string, n: number, delta: number): Promise<void> {
  const got = await Promise.all(Array.from({ length: n }, (_, i) => caches[i % caches.length].incr(key, delta)));
  assert.deepEqual([...got].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => (i + 1) * delta));
}

describe('MemoryCache.incr', () => {
  it('creates, adds, and hands each concurrent caller its own value', async () => {
    const c = new MemoryCache();
    await assertAtomic([c], 'k', 50, 7);
    assert.equal(await c.get('k'), 350);
  });

  it('goes down with a negative delta, never below 0', async () => {
    const c = new MemoryCache();
    await c.set('k', 10);
    assert.equal(await c.incr('k', -4), 6);
    assert.equal(await c.incr('k', -100), 0);
    assert.equal(await c.incr('absent', -3), 0);
  });

  it('counts afresh once the entry expired', async () => {
    let now = 1_000_000;
    const c = new MemoryCache(() => now);
    assert.equal(await c.incr('k', 5, 10), 5);
    now += 5_000;
    assert.equal(await c.incr('k', 5, 10), 10);
    now += 6_000;
    assert.equal(await c.incr('k', 5, 10), 5);
  });
});

describe('MemcacheClient.incr', () => {
  let server: MemcacheServer;
  let a: MemcacheClient;
  let b: MemcacheClient;

  before(async () => {
    server = await startMemcache();
    a = new MemcacheClient([`127.0.0.1:${server.port}`]);
    b = new MemcacheClient([`127.0.0.1:${server.port}`]);
  });

  after(async () => {
    a.close();
    b.close();
    await server.close();
  });

  it('two clients of one memcached count one series, even racing to create the key', async () => {
    await assertAtomic([a, b], 'ratelimit/AUTH_x', 40, 250);
    assert.equal(await b.get('ratelimit/AUTH_x'), 10_000);
  });

  it('counts on a value set as a number, and goes down with a negative delta', async () => {
    await a.set('n', 1000);
    assert.equal(await b.incr('n', 5), 1005);
    assert.equal(await a.incr('n', -1005), 0);
    assert.equal(await a.incr('n', -1), 0);
  });

  it('rejects when memcached is gone (a count can not be guessed)', async () => {
    const dead = new MemcacheClient(['127.0.0.1:1'], { timeoutMs: 200 });
    await assert.rejects(dead.incr('x', 1));
    dead.close();
  });
});

describe('IpcCache.incr', () => {
  it("workers of one proxy count one series in the primary's cache", async () => {
    serveIpcCache();
    cluster.setupPrimary({ exec: fileURLToPath(new URL('../helpers/ipc-cache-worker.js', import.meta.url)) });
    const runs = [0, 1, 2].map(
      () =>
        new Promise<number[]>((resolve, reject) => {
          const w = cluster.fork({ INCR_KEY: 'shared', INCR_COUNT: '20', INCR_DELTA: '3' });
          w.on('message', (m: { incrValues?: number[] }) => m.incrValues && resolve(m.incrValues));
          w.on('exit', (code) => code !== 0 && reject(new Error(`worker exit ${code}`)));
        }),
    );
    const all = (await Promise.all(runs)).flat().sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: 60 }, (_, i) => (i + 1) * 3));
  });
});
