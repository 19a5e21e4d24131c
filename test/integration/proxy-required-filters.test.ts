/**
 * A proxy-server.conf pipeline without gatekeeper (here: none at all) still
 * keeps clients' X-Backend-* and sysmeta headers away from the storage nodes
 * and the nodes' from the clients: Swift's required filters are inserted.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { ProxyServer } from '../../proxy/index.js';
import { listenOnEphemeralPort, startProxyOverNodes } from '../helpers/fake-nodes.js';

interface Node {
  server: http.Server;
  seen: http.IncomingHttpHeaders[];
}

/** Answers any request 201/200 with private headers of its own, and records what it was sent. */
function storageNode(): Node {
  const node: Node = { server: http.createServer(), seen: [] };
  node.server.on('request', (req, res) => {
    node.seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      const headers = {
        'x-backend-storage-policy-index': '0', 'x-backend-secret': 'node', 'x-object-sysmeta-secret': 'node',
        'x-timestamp': '1700000000.00000', 'x-put-timestamp': '1700000000.00000',
        etag: 'd41d8cd98f00b204e9800998ecf8427e', 'content-length': '0',
      };
      res.writeHead(req.method === 'PUT' ? 201 : req.method === 'HEAD' && (req.url ?? '').split('/').length <= 5 ? 204 : 200, headers).end();
    });
  });
  return node;
}

describe('a pipeline without gatekeeper gets one', () => {
  const nodes: Node[] = [];
  let proxy: ProxyServer;

  before(async () => {
    for (let i = 0; i < 3; i++) {
      const n = storageNode();
      await listenOnEphemeralPort(n.server);
      nodes.push(n);
    }
    proxy = await startProxyOverNodes(nodes.map((n) => (n.server.address() as { port: number }).port), { filters: [] });
  }, { timeout: 10_000 });

  after(async () => {
    await proxy?.close();
    for (const n of nodes) {
      n.server.closeAllConnections();
      await new Promise((r) => n.server.close(r));
    }
  }, { timeout: 10_000 });

  it("a client's X-Backend-* and sysmeta headers never reach a storage node", { timeout: 10_000 }, async () => {
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/o`, {
      method: 'PUT',
      body: '',
      headers: {
        'x-backend-storage-policy-index': '7', 'x-backend-evil': '1', 'x-object-sysmeta-evil': '1',
        'x-object-transient-sysmeta-evil': '1', 'x-object-meta-fine': 'yes',
      },
    });
    assert.equal(res.status, 201);
    const puts = nodes.flatMap((n) => n.seen).filter((h) => h['x-object-meta-fine'] === 'yes');
    assert.ok(puts.length >= 2, `${puts.length} object PUTs reached the nodes`);
    for (const h of puts) {
      assert.equal(h['x-backend-evil'], undefined);
      assert.equal(h['x-object-sysmeta-evil'], undefined);
      assert.equal(h['x-object-transient-sysmeta-evil'], undefined);
      assert.notEqual(h['x-backend-storage-policy-index'], '7');
    }
  });

  it("a storage node's private headers don't reach the client", { timeout: 10_000 }, async () => {
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/o`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-backend-secret'), null);
    assert.equal(res.headers.get('x-object-sysmeta-secret'), null);
  });
});
