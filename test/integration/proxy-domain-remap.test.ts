/**
 * domain_remap through our proxy over swiftly storage nodes: accounts and
 * containers named by the Host header under `storage_domain`, reseller
 * prefixes written with `-` or in another case, `default_reseller_prefix`,
 * `path_root`, a bad host, and staticweb's redirects mapped back to the
 * virtual host's paths.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { remapOptions, remapPath } from '../../proxy/filters/domain-remap.js';

const PIPELINE = 'catch_errors gatekeeper healthcheck proxy_logging cache domain_remap listing_formats tempauth staticweb copy proxy-server';

describe('domain_remap', () => {
  it('maps hosts to paths as Swift does', () => {
    const o = remapOptions({ storage_domain: 'example.com, .other.org', reseller_prefixes: 'AUTH, SERVICE', path_root: '/v1/' });
    assert.deepEqual(remapPath(o, 'c.auth-test.example.com:8080', '/o'), { kind: 'path', path: '/v1/AUTH_test/c/o' });
    assert.deepEqual(remapPath(o, 'service_x.other.org', '/'), { kind: 'path', path: '/v1/SERVICE_x/' });
    assert.deepEqual(remapPath(o, 'a.b.AUTH_x.example.com', '/'), { kind: 'bad' });
    // A UTF-8 container name in the Host header, as Node reads it (a code unit a byte).
    assert.deepEqual(remapPath(o, `${Buffer.from('\u00e9t\u00e9').toString('latin1')}.AUTH_x.example.com`, '/'), { kind: 'path', path: '/v1/AUTH_x/%C3%A9t%C3%A9/' });
    assert.deepEqual(remapPath(o, 'nope.example.com', '/'), { kind: 'none' });
    assert.deepEqual(remapPath(o, 'AUTH_x.elsewhere.com', '/'), { kind: 'none' });
    const d = remapOptions({ default_reseller_prefix: 'AUTH', mangle_client_paths: 'yes' });
    assert.deepEqual(remapPath(d, 'c.test.example.com', '/v1/o'), { kind: 'path', path: '/v1/AUTH_test/c/o' });
  });

  describe('through the proxy', () => {
    let cluster: SwiftCluster | undefined;
    let port: number;
    let token: string;
    // fetch() will not send a Host header of our choosing: node:http does.
    const call = (method: string, host: string, path: string, headers: Record<string, string> = {}, body = '') =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path, headers: { host, 'x-auth-token': token, 'content-length': String(body.length), ...headers } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }));
        });
        req.on('error', reject);
        req.end(body);
      });

    before(async () => {
      cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
      const proxy = await cluster.startProxy('', PIPELINE, { domain_remap: { storage_domain: 'example.net' } });
      port = proxy.port;
      token = (await fetch(`http://127.0.0.1:${port}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } })).headers.get('x-auth-token')!;
    });
    after(() => cluster?.stop());

    it('reads and writes containers and objects by virtual host', async () => {
      assert.equal((await call('PUT', 'auth-test.example.net', '/web', { 'x-container-read': '.r:*' })).status, 201);
      assert.equal((await call('PUT', 'web.AUTH_test.example.net:80', '/hello', {}, 'hi there')).status, 201);
      const got = await call('GET', 'web.auth_test.example.net', '/hello');
      assert.equal(got.status, 200);
      assert.equal(got.text, 'hi there');
      assert.equal((await call('GET', 'auth-test.example.net', '/web/hello')).text, 'hi there');
      assert.match((await call('GET', 'auth-test.example.net', '/')).text, /^web\n/);
      const bad = await call('GET', 'a.b.auth-test.example.net', '/');
      assert.equal(bad.status, 400);
      assert.equal(bad.text, 'Bad domain in host header');
      const info = await (await fetch(`http://127.0.0.1:${port}/info`)).json() as Record<string, unknown>;
      assert.deepEqual(info.domain_remap, { default_reseller_prefix: null });
    });

    it("maps staticweb's redirect back to the virtual host's path", async () => {
      assert.equal((await call('POST', 'auth-test.example.net', '/web', { 'x-container-meta-web-listings': 'true' })).status, 204);
      assert.equal((await call('PUT', 'web.auth-test.example.net', '/dir/x', {}, 'x')).status, 201);
      const redirect = await call('GET', 'web.auth-test.example.net', '/dir', { 'x-web-mode': 'true' });
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.location, 'http://web.auth-test.example.net/dir/');
      const acct = await call('GET', 'auth-test.example.net', '/web', { 'x-web-mode': 'true' });
      assert.equal(acct.headers.location, 'http://auth-test.example.net/web/');
    });
  });
});
