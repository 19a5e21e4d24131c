/**
 * When no node gives a good answer, the proxy answers as Swift's
 * best_response does: the chosen node's body as it was (an empty 412 stays
 * empty), its headers but Content-Type/Date/X-Put-Timestamp…, and the ETag
 * bare (Swift's conditional 412 carries the object's ETag unquoted).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { ProxyServer } from '../../proxy/index.js';
import { listenOnEphemeralPort, startProxyOverNodes } from '../helpers/fake-nodes.js';

/** A node answering an object GET 412 with an empty body, and a DELETE 404 with a body, as Swift's object server does. */
function storageNode(): http.Server {
  return http.createServer((req, res) => {
    req.resume();
    const account = (req.url ?? '').split('/').length <= 4;
    const container = (req.url ?? '').split('/').length === 5;
    if (account || container) return void res.writeHead(204, { 'x-backend-storage-policy-index': '0', 'x-put-timestamp': '1700000000.00000' }).end();
    if (req.method === 'DELETE') {
      const body = 'not here';
      return void res.writeHead(404, { 'content-type': 'text/plain', 'content-length': String(body.length), 'x-put-timestamp': '1.0', 'x-backend-timestamp': '1.0' }).end(body);
    }
    res.writeHead(412, {
      etag: '"5d41402abc4b2a76b9719d911017c592"', 'content-type': 'text/plain', 'content-length': '0',
      'x-timestamp': '1700000000.00000', 'x-object-meta-color': 'blue',
    }).end();
  });
}

describe('the answer when no node gave a good one', () => {
  const servers: http.Server[] = [];
  let proxy: ProxyServer;

  before(async () => {
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = storageNode();
      ports.push(await listenOnEphemeralPort(s));
      servers.push(s);
    }
    proxy = await startProxyOverNodes(ports);
  }, { timeout: 10_000 });

  after(async () => {
    await proxy?.close();
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }, { timeout: 10_000 });

  it("a conditional GET's 412: empty body, bare ETag, the object's metadata, Swift's content type", { timeout: 10_000 }, async () => {
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/o`, { headers: { 'if-match': 'bogus' } });
    assert.equal(res.status, 412);
    assert.equal(await res.text(), '');
    assert.equal(res.headers.get('etag'), '5d41402abc4b2a76b9719d911017c592');
    assert.equal(res.headers.get('content-type'), 'text/html; charset=UTF-8');
    assert.equal(res.headers.get('x-object-meta-color'), 'blue');
  });

  it("a DELETE's 404: the node's body, without the node's X-Put-Timestamp or content type", { timeout: 10_000 }, async () => {
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/o`, { method: 'DELETE' });
    assert.equal(res.status, 404);
    assert.equal(await res.text(), 'not here');
    assert.equal(res.headers.get('x-put-timestamp'), null);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=UTF-8');
  });
});
