/**
 * etag_quoter through our proxy over swiftly storage nodes: quoted ETags
 * per container or account (the container's setting first), the client
 * headers kept as sysmeta and shown back under their own names, an SLO's
 * X-Manifest-Etag left bare, enable_by_default and the /info entry.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { startMemcache, type MemcacheServer } from '../helpers/memcache-server.js';

const PIPELINE = 'catch_errors gatekeeper healthcheck proxy-logging cache etag-quoter tempauth slo proxy-server';
const MD5 = createHash('md5').update('test').digest('hex');

describe('etag_quoter', () => {
  let cluster: SwiftCluster | undefined;
  let memcache: MemcacheServer | undefined;
  const base = { off: '', on: '' };
  let token = '';

  const call = async (which: 'off' | 'on', method: string, path: string, headers: Record<string, string> = {}, body?: string) => {
    const res = await fetch(`${base[which]}/v1/AUTH_test${path}`, { method, body, headers: { 'x-auth-token': token, ...headers } });
    await res.arrayBuffer();
    return { status: res.status, headers: res.headers };
  };
  const etagOf = async (path: string, which: 'off' | 'on' = 'off') => (await call(which, 'HEAD', path)).headers.get('etag');

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    memcache = await startMemcache();
    const cache = { memcache_servers: `127.0.0.1:${memcache.port}` };
    base.off = `http://127.0.0.1:${(await cluster.startProxy('', PIPELINE, { cache })).port}`;
    base.on = `http://127.0.0.1:${(await cluster.startProxy('', PIPELINE, { cache, 'etag-quoter': { enable_by_default: true } })).port}`;
    token = await cluster.token();
    for (const c of ['c1', 'c2', 'c3']) {
      assert.equal((await call('off', 'PUT', `/${c}`)).status, 201);
      assert.equal((await call('off', 'PUT', `/${c}/o`, {}, 'test')).status, 201);
    }
  });
  after(async () => {
    await cluster?.stop();
    await memcache?.close();
  });

  it("quotes an object's ETag once its container asks, and shows the setting under the client's name", async () => {
    assert.equal(await etagOf('/c1/o'), MD5);
    assert.equal((await call('off', 'POST', '/c1', { 'x-container-rfc-compliant-etags': 't' })).status, 204);
    assert.equal(await etagOf('/c1/o'), `"${MD5}"`);
    const get = await call('off', 'GET', '/c1/o');
    assert.equal(get.headers.get('etag'), `"${MD5}"`);
    const head = await call('off', 'HEAD', '/c1');
    assert.equal(head.headers.get('x-container-rfc-compliant-etags'), 'True');
    assert.equal(head.headers.get('x-container-sysmeta-rfc-compliant-etags'), null);
  });

  it("takes the account's setting where the container has none; a container's false wins", async () => {
    assert.equal((await call('off', 'POST', '', { 'x-account-rfc-compliant-etags': 'yes' })).status, 204);
    assert.equal((await call('off', 'HEAD', '')).headers.get('x-account-rfc-compliant-etags'), 'True');
    assert.equal(await etagOf('/c2/o'), `"${MD5}"`);
    assert.equal((await call('off', 'POST', '/c3', { 'x-container-rfc-compliant-etags': 'false' })).status, 204);
    assert.equal(await etagOf('/c3/o'), MD5);
    // Removing the container's setting falls back to the account's.
    assert.equal((await call('off', 'POST', '/c3', { 'x-remove-container-rfc-compliant-etags': '1' })).status, 204);
    assert.equal(await etagOf('/c3/o'), `"${MD5}"`);
    assert.equal((await call('off', 'POST', '', { 'x-account-rfc-compliant-etags': '' })).status, 204);
    assert.equal(await etagOf('/c2/o'), MD5);
  });

  it("quotes an SLO's ETag no more than it is, and leaves X-Manifest-Etag bare", async () => {
    const manifest = JSON.stringify([{ path: '/c1/o' }]);
    assert.equal((await call('off', 'PUT', '/c1/slo?multipart-manifest=put', {}, manifest)).status, 201);
    const head = await call('off', 'HEAD', '/c1/slo');
    assert.match(head.headers.get('etag')!, /^"[0-9a-f]{32}"$/);
    assert.match(head.headers.get('x-manifest-etag')!, /^[0-9a-f]{32}$/);
  });

  it('quotes by default with enable_by_default, and says so in /info', async () => {
    assert.equal(await etagOf('/c2/o', 'on'), `"${MD5}"`);
    const on = (await (await fetch(`${base.on}/info`)).json()) as Record<string, unknown>;
    const off = (await (await fetch(`${base.off}/info`)).json()) as Record<string, unknown>;
    assert.deepEqual([on.etag_quoter, off.etag_quoter], [{ enable_by_default: true }, { enable_by_default: false }]);
  });
});
