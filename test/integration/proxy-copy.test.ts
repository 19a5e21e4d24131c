/**
 * Server-side copy as Swift's copy middleware does it: the source is read
 * with the client's request as a GET (a Range copies just those bytes),
 * names in X-Copy-From / Destination may be raw UTF-8 and cross accounts,
 * and X-Fresh-Metadata keeps the request's own headers (Content-Type, new
 * metadata) while dropping the source's metadata.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { login, startSwiftlyCluster, type SwiftlyCluster } from './helpers/swiftly-cluster.js';

/** A request whose header bytes are sent as given (fetch would refuse raw UTF-8 in a header). */
function rawStatus(port: number, head: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(head));
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) {
        sock.destroy();
        resolve(Number(buf.slice(9, 12)));
      }
    });
    sock.on('error', reject);
  });
}

describe('server-side copy', () => {
  let cluster: SwiftlyCluster;
  let port: number;
  let token: string;
  let token2: string;
  const data = Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 251));
  const utf8Name = '\u00fcber \u2603/n\u00e4me';

  const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: Buffer, tok = token) => {
    const res = await fetch(`${cluster.proxyUrl}${path}`, { method, headers: { 'x-auth-token': tok, ...headers }, body });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };

  before(async () => {
    cluster = await startSwiftlyCluster();
    port = Number(new URL(cluster.proxyUrl).port);
    token = (await login(cluster.authUrl, 'test:tester', 'testing')).token;
    token2 = (await login(cluster.authUrl, 'other:tester', 'testing')).token;
    assert.equal((await call('PUT', '/v1/AUTH_test/src', { 'x-container-read': 'other:tester' })).status, 201);
    assert.equal((await call('PUT', '/v1/AUTH_test/src/obj', { 'content-type': 'application/x-src', 'x-object-meta-old': 'yes' }, data)).status, 201);
    assert.equal((await call('PUT', `/v1/AUTH_test/src/${encodeURIComponent(utf8Name)}`, {}, data)).status, 201);
    assert.equal((await call('PUT', '/v1/AUTH_other/dst', {}, undefined, token2)).status, 201);
  }, { timeout: 30_000 });

  after(() => cluster?.stop());

  it('COPY with a Range copies those bytes, with their own ETag', { timeout: 10_000 }, async () => {
    const r = await call('COPY', '/v1/AUTH_test/src/obj', { destination: 'src/ranged', range: 'bytes=100-200' });
    assert.equal(r.status, 201);
    const got = await call('GET', '/v1/AUTH_test/src/ranged');
    assert.deepEqual(got.body, data.subarray(100, 201));
    assert.equal(got.headers.get('etag'), createHash('md5').update(data.subarray(100, 201)).digest('hex'));
    assert.equal(got.headers.get('content-type'), 'application/x-src');
  });

  it('a PUT with X-Copy-From naming a raw UTF-8 object in another account', { timeout: 10_000 }, async () => {
    const head = Buffer.concat([
      Buffer.from(`PUT /v1/AUTH_other/dst/copied HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token2}\r\nContent-Length: 0\r\nX-Copy-From-Account: AUTH_test\r\nX-Copy-From: src/`),
      Buffer.from(utf8Name, 'utf8'),
      Buffer.from('\r\nConnection: close\r\n\r\n'),
    ]);
    assert.equal(await rawStatus(port, head), 201);
    assert.deepEqual((await call('GET', '/v1/AUTH_other/dst/copied', {}, undefined, token2)).body, data);
  });

  it('X-Fresh-Metadata: the request\'s Content-Type and metadata, none of the source\'s', { timeout: 10_000 }, async () => {
    const r = await call('COPY', '/v1/AUTH_test/src/obj', {
      destination: 'src/fresh', 'x-fresh-metadata': 'true', 'content-type': 'application/x-new', 'x-object-meta-new': 'yes',
    });
    assert.equal(r.status, 201);
    const got = await call('HEAD', '/v1/AUTH_test/src/fresh');
    assert.equal(got.headers.get('content-type'), 'application/x-new');
    assert.equal(got.headers.get('x-object-meta-new'), 'yes');
    assert.equal(got.headers.get('x-object-meta-old'), null);
  });
});
