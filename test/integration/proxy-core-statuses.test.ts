/**
 * Swift's statuses for requests its proxy refuses before any storage node is
 * asked (Swift's functional tests.py checks each): a path split_path refuses
 * is 404, one no controller takes 412 "Bad URL"; a PUT with neither
 * Content-Length nor chunked is 411 (answered before the 400 for the body
 * bytes that follow); a Transfer-Encoding with several codings is 501, one
 * that is not chunked 400.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { login, startSwiftlyCluster, type SwiftlyCluster } from './helpers/swiftly-cluster.js';

/** One raw request on its own connection; the first response's status line and body. */
function raw(port: number, request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(request));
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/^content-length:\s*(\d+)/im.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length >= end + 4 + length) {
        sock.destroy();
        resolve({ status: Number(buf.slice(9, 12)), body: buf.slice(end + 4, end + 4 + length) });
      }
    });
    sock.on('error', reject);
    sock.setTimeout(10_000, () => reject(new Error(`no answer to ${request.split('\r\n')[0]}`)));
  });
}

describe("statuses Swift's proxy answers before asking a node", () => {
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

  const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nConnection: close\r\n\r\n`;

  it('a path split_path refuses is 404; one no controller takes is 412 Bad URL', { timeout: 10_000 }, async () => {
    assert.equal((await raw(port, get('//v1/AUTH_test'))).status, 404);
    const bad = await raw(port, `PUT /v1 HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nContent-Length: 0\r\n\r\n`);
    assert.deepEqual(bad, { status: 412, body: 'Bad URL' });
  });

  it('a PUT without Content-Length or chunked is 411, even with body bytes after it', { timeout: 10_000 }, async () => {
    const r = await raw(port, `PUT /v1/AUTH_test/c/o HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\n\r\ntesting`);
    assert.equal(r.status, 411);
  });

  it('Transfer-Encoding with several codings is 501, a lone coding other than chunked 400', { timeout: 10_000 }, async () => {
    const put = (te: string) => `PUT /v1/AUTH_test/c/o HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nTransfer-Encoding: ${te}\r\n\r\n4\r\ndata\r\n0\r\n\r\n`;
    const several = await raw(port, put('gzip,chunked'));
    assert.deepEqual(several, { status: 501, body: 'Unsupported Transfer-Coding header value specified in Transfer-Encoding header' });
    const chunked = await raw(port, put('chunked'));
    assert.equal(chunked.status, 201);
  });

  it("a client's X-Timestamp does not date its write (gatekeeper's shunt_inbound_x_timestamp)", { timeout: 10_000 }, async () => {
    const before = Date.now() / 1000;
    const put = await fetch(`${cluster.proxyUrl}/v1/AUTH_test/c/dated`, {
      method: 'PUT', body: '', headers: { 'x-auth-token': token, 'x-timestamp': '99999999999.9999999999' },
    });
    assert.equal(put.status, 201);
    const head = await fetch(`${cluster.proxyUrl}/v1/AUTH_test/c/dated`, { method: 'HEAD', headers: { 'x-auth-token': token } });
    const ts = Number(head.headers.get('x-timestamp'));
    assert.ok(ts >= before - 1 && ts <= Date.now() / 1000 + 1, `x-timestamp ${ts}`);
  });

  it('an empty X-Storage-Policy on a container PUT names no policy: the default', { timeout: 10_000 }, async () => {
    const put = await raw(port, `PUT /v1/AUTH_test/nopolicy HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nX-Storage-Policy: \r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    assert.equal(put.status, 201);
    const head = await fetch(`${cluster.proxyUrl}/v1/AUTH_test/nopolicy`, { method: 'HEAD', headers: { 'x-auth-token': token } });
    assert.equal(head.headers.get('x-storage-policy'), 'gold');
  });

  it("a 401's WWW-Authenticate names the account percent-quoted, whatever it decodes to", { timeout: 10_000 }, async () => {
    const hax = '/v1/AUTH_haxx%22%0AContent-Length%3A%2014%0A%0A%3Cb%3EHello%20World';
    const res = await fetch(`${cluster.proxyUrl}${hax}`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Swift realm="AUTH_haxx%22%0AContent-Length%3A%2014%0A%0A%3Cb%3EHello%20World"');
    const utf8 = await fetch(`${cluster.proxyUrl}/v1/AUTH_t%C3%A9st/c`);
    assert.equal(utf8.headers.get('www-authenticate'), 'Swift realm="AUTH_t%C3%A9st"');
  });
});

