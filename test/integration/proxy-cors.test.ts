/**
 * CORS as Swift's proxy answers it: OPTIONS is a preflight (200 with the
 * Access-Control-Allow-* headers when the container's
 * X-Container-Meta-Access-Control-Allow-Origin allows the origin and the
 * method, 401 otherwise; 200 with Allow when not a CORS request), and
 * requests with an Origin get Access-Control-Allow-Origin/-Expose-Headers
 * (none for an origin strict_cors_mode does not allow).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { login, startSwiftlyCluster, type SwiftlyCluster } from './helpers/swiftly-cluster.js';

describe('CORS', () => {
  let cluster: SwiftlyCluster;
  let token: string;
  const url = (path: string) => `${cluster.proxyUrl}/v1/AUTH_test${path}`;

  before(async () => {
    cluster = await startSwiftlyCluster();
    token = (await login(cluster.authUrl, 'test:tester', 'testing')).token;
    const c = await fetch(url('/open'), { method: 'PUT', headers: { 'x-auth-token': token, 'x-container-meta-access-control-allow-origin': '*' } });
    assert.equal(c.status, 201);
    const s = await fetch(url('/secret'), {
      method: 'PUT',
      headers: { 'x-auth-token': token, 'x-container-meta-access-control-allow-origin': 'http://secret.com', 'x-container-meta-access-control-max-age': '60' },
    });
    assert.equal(s.status, 201);
    for (const c of ['open', 'secret']) {
      assert.equal((await fetch(url(`/${c}/cat`), { method: 'PUT', body: 'test', headers: { 'x-auth-token': token, 'x-object-meta-color': 'red' } })).status, 201);
    }
  }, { timeout: 30_000 });

  after(() => cluster?.stop());

  it('a preflight is answered from the container\'s allowed origins, without a token', { timeout: 10_000 }, async () => {
    const plain = await fetch(url('/open/cat'), { method: 'OPTIONS', headers: { origin: 'http://m.com' } });
    assert.equal(plain.status, 401, 'an Origin without Access-Control-Request-Method');
    const ok = await fetch(url('/open/cat'), { method: 'OPTIONS', headers: { origin: 'http://m.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-foo, x-bar' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), '*');
    assert.equal(ok.headers.get('access-control-allow-headers'), 'x-foo, x-bar');
    // Swift varies a '*' answer on the requested headers only: it does not depend on the Origin.
    assert.equal(ok.headers.get('vary'), 'Access-Control-Request-Headers');
    assert.match(ok.headers.get('access-control-allow-methods')!, /GET/);
    const refused = await fetch(url('/secret/cat'), { method: 'OPTIONS', headers: { origin: 'http://m.com', 'access-control-request-method': 'GET' } });
    assert.equal(refused.status, 401);
    const allowed = await fetch(url('/secret/cat'), { method: 'OPTIONS', headers: { origin: 'http://secret.com', 'access-control-request-method': 'PUT' } });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'http://secret.com');
    assert.equal(allowed.headers.get('vary'), 'Origin');
    assert.equal(allowed.headers.get('access-control-max-age'), '60');
    const noCors = await fetch(url(''), { method: 'OPTIONS' });
    assert.equal(noCors.status, 200);
    assert.match(noCors.headers.get('allow')!, /GET/);
  });

  it('a request with an Origin gets the CORS headers its container allows', { timeout: 10_000 }, async () => {
    const open = await fetch(url('/open/cat'), { headers: { 'x-auth-token': token, origin: 'http://m.com' } });
    assert.equal(await open.text(), 'test');
    assert.equal(open.headers.get('access-control-allow-origin'), '*');
    assert.match(open.headers.get('access-control-expose-headers')!, /x-object-meta-color/);
    const other = await fetch(url('/secret/cat'), { headers: { 'x-auth-token': token, origin: 'http://m.com' } });
    assert.equal(other.status, 200);
    assert.equal(other.headers.get('access-control-allow-origin'), null, 'strict_cors_mode: an origin not allowed gets none');
    const secret = await fetch(url('/secret/cat'), { headers: { 'x-auth-token': token, origin: 'http://secret.com' } });
    assert.equal(secret.headers.get('access-control-allow-origin'), 'http://secret.com');
    const listing = await fetch(url('/open'), { headers: { 'x-auth-token': token, origin: 'http://m.com' } });
    assert.equal(listing.headers.get('access-control-allow-origin'), '*');
  });
});
