/**
 * read_only through our proxy over swiftly storage nodes: a cluster-wide
 * read-only mode, an account's X-Account-Sysmeta-Read-Only (set by a
 * direct client) overriding it either way, allow_deletes, COPY counted
 * against its Destination-Account, Swift's 405 and /info entry.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { startMemcache, type MemcacheServer } from '../helpers/memcache-server.js';

const PIPELINE = 'catch_errors gatekeeper healthcheck proxy-logging cache read_only tempauth copy proxy-server';

describe('read_only', () => {
  let cluster: SwiftCluster | undefined;
  let memcache: MemcacheServer | undefined;
  /** Proxy `open`: read_only off; proxy `closed`: read_only on, deletes allowed. */
  const base: Record<'open' | 'closed', string> = { open: '', closed: '' };
  const tokens: Record<string, string> = {};

  const call = async (proxy: 'open' | 'closed', method: string, path: string, as: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base[proxy]}${path}`, { method, headers: { 'x-auth-token': tokens[as], ...headers } });
    return { status: res.status, text: await res.text() };
  };

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    // Set before any proxy caches these accounts' info.
    await cluster.postAccountDirect('AUTH_test', { 'x-account-sysmeta-read-only': 'true' });
    await cluster.postAccountDirect('AUTH_test2', { 'x-account-sysmeta-read-only': 'false' });
    // One memcached behind both proxies, so a token works on either.
    memcache = await startMemcache();
    const cache = { memcache_servers: `127.0.0.1:${memcache.port}` };
    const open = await cluster.startProxy('', PIPELINE, { cache });
    base.open = `http://127.0.0.1:${open.port}`;
    const closed = await cluster.startProxy('', PIPELINE, { cache, read_only: { read_only: true, allow_deletes: true } });
    base.closed = `http://127.0.0.1:${closed.port}`;
    tokens.test = await cluster.token('test:tester', 'testing');
    tokens.test2 = await cluster.token('test2:tester2', 'testing2');
    tokens.admin = await cluster.token('admin:admin', 'admin');
  });
  after(async () => {
    await cluster?.stop();
    await memcache?.close();
  });

  it("refuses every write to an account marked read only, with Swift's 405, and still reads it", async () => {
    for (const [method, path] of [['PUT', '/v1/AUTH_test/c'], ['POST', '/v1/AUTH_test'], ['DELETE', '/v1/AUTH_test/c/o'], ['PUT', '/v1/AUTH_test/c/o']]) {
      const r = await call('open', method, path, 'test');
      assert.deepEqual([method, path, r.status, r.text], [method, path, 405, 'Writes are disabled for this account.']);
    }
    assert.equal((await call('open', 'GET', '/v1/AUTH_test', 'test')).status, 204);
    assert.equal((await call('open', 'PUT', '/v1/AUTH_admin/c', 'admin')).status, 201);
  });

  it('lets no client mark an account itself (the gatekeeper drops the sysmeta header)', async () => {
    assert.equal((await call('open', 'POST', '/v1/AUTH_admin', 'admin', { 'x-account-sysmeta-read-only': 'true' })).status, 204);
    assert.equal((await call('open', 'PUT', '/v1/AUTH_admin/still-writable', 'admin')).status, 201);
    assert.equal((await call('open', 'DELETE', '/v1/AUTH_admin/still-writable', 'admin')).status, 204);
  });

  it('makes the whole cluster read only, deletes allowed when asked; an account marked false stays writable', async () => {
    assert.equal((await call('closed', 'PUT', '/v1/AUTH_admin/c2', 'admin')).text, 'Writes are disabled for this account.');
    assert.equal((await call('closed', 'POST', '/v1/AUTH_admin/c', 'admin')).status, 405);
    assert.equal((await call('closed', 'DELETE', '/v1/AUTH_admin/c', 'admin')).status, 204);
    assert.equal((await call('closed', 'PUT', '/v1/AUTH_test2/c', 'test2')).status, 201);
    assert.equal((await call('closed', 'PUT', '/v1/AUTH_test2/c/o', 'test2')).status, 201);
  });

  it('judges a COPY by the account it writes to', async () => {
    assert.equal((await call('open', 'PUT', '/v1/AUTH_test2/src', 'test2')).status, 201);
    assert.equal((await call('open', 'PUT', '/v1/AUTH_test2/src/o', 'test2')).status, 201);
    const toReadOnly = await call('open', 'COPY', '/v1/AUTH_test2/src/o', 'test2', { destination: 'c/o', 'destination-account': 'AUTH_test' });
    assert.deepEqual([toReadOnly.status, toReadOnly.text], [405, 'Writes are disabled for this account.']);
    const within = await call('open', 'COPY', '/v1/AUTH_test2/src/o', 'test2', { destination: 'src/o2' });
    assert.equal(within.status, 201);
  });

  it('is in /info only when the cluster is read only', async () => {
    const open = (await (await fetch(`${base.open}/info`)).json()) as Record<string, unknown>;
    const closed = (await (await fetch(`${base.closed}/info`)).json()) as Record<string, unknown>;
    assert.equal('read_only' in open, false);
    assert.deepEqual(closed.read_only, {});
  });
});
