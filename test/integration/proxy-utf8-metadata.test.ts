/**
 * Non-ASCII metadata round-trips byte for byte, as through Swift: the
 * client's UTF-8 header bytes are stored and sent back unchanged (object
 * metadata and Content-Type came back double-encoded: Node sent the head of
 * an `Expect: 100-continue` PUT to the object servers as UTF-8 of the latin1
 * code units), and the container listing shows the Content-Type decoded.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { login, startSwiftlyCluster, type SwiftlyCluster } from './helpers/swiftly-cluster.js';

/** Sends raw request bytes; resolves with the response head's bytes and body. */
function raw(port: number, request: Buffer): Promise<{ head: Buffer; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(request));
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const isHead = request.subarray(0, 5).toString() === 'HEAD ';
      const length = isHead ? 0 : Number(/^content-length:\s*(\d+)/im.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      if (buf.length >= end + 4 + length) {
        sock.destroy();
        resolve({ head: buf.subarray(0, end), body: buf.subarray(end + 4, end + 4 + length) });
      }
    });
    sock.on('error', reject);
    sock.setTimeout(10_000, () => reject(new Error('no answer')));
  });
}

describe('UTF-8 metadata through the proxy', () => {
  let cluster: SwiftlyCluster;
  let port: number;
  let token: string;

  before(async () => {
    cluster = await startSwiftlyCluster();
    port = Number(new URL(cluster.proxyUrl).port);
    token = (await login(cluster.authUrl, 'test:tester', 'testing')).token;
    const res = await fetch(`${cluster.proxyUrl}/v1/AUTH_test/c`, { method: 'PUT', headers: { 'x-auth-token': token } });
    assert.equal(res.status, 201);
  }, { timeout: 30_000 });

  after(() => cluster?.stop());

  const meta = Buffer.from('B\u00e4r \u2603', 'utf8');
  const ctype = Buffer.from('t\u00ebxt/\u00fc', 'utf8');

  it('object metadata and Content-Type come back as the same bytes', { timeout: 20_000 }, async () => {
    const put = Buffer.concat([
      Buffer.from(`PUT /v1/AUTH_test/c/o HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nContent-Length: 4\r\nX-Object-Meta-Foo: `),
      meta, Buffer.from('\r\nContent-Type: '), ctype, Buffer.from('\r\nConnection: close\r\n\r\ndata'),
    ]);
    assert.match((await raw(port, put)).head.toString('latin1'), /^HTTP\/1\.1 201/);
    for (const method of ['HEAD', 'GET']) {
      const { head } = await raw(port, Buffer.from(`${method} /v1/AUTH_test/c/o HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nConnection: close\r\n\r\n`));
      assert.ok(head.includes(Buffer.concat([Buffer.from('X-Object-Meta-Foo: '), meta, Buffer.from('\r\n')])), `${method}: ${head.toString('latin1')}`);
      assert.ok(head.includes(Buffer.concat([Buffer.from('Content-Type: '), ctype, Buffer.from('\r\n')])), `${method}: ${head.toString('latin1')}`);
    }
    const listing = await fetch(`${cluster.proxyUrl}/v1/AUTH_test/c?format=json`, { headers: { 'x-auth-token': token } });
    const [entry] = (await listing.json()) as { name: string; content_type: string }[];
    assert.equal(entry.content_type, 't\u00ebxt/\u00fc');
  });

  it('object POST metadata too', { timeout: 20_000 }, async () => {
    const post = Buffer.concat([
      Buffer.from(`POST /v1/AUTH_test/c/o HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nContent-Length: 0\r\nX-Object-Meta-Bar: `),
      meta, Buffer.from('\r\nConnection: close\r\n\r\n'),
    ]);
    assert.match((await raw(port, post)).head.toString('latin1'), /^HTTP\/1\.1 202/);
    const { head } = await raw(port, Buffer.from(`HEAD /v1/AUTH_test/c/o HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nConnection: close\r\n\r\n`));
    assert.ok(head.includes(Buffer.concat([Buffer.from('X-Object-Meta-Bar: '), meta, Buffer.from('\r\n')])), head.toString('latin1'));
  });
});
