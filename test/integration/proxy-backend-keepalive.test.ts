/**
 * The proxy keeps its connections to storage nodes: object and container
 * HEADs (which undici would close after each one) and GETs reuse them.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { ProxyServer } from '../../proxy/index.js';
import { listenOnEphemeralPort, startProxyOverNodes } from '../helpers/fake-nodes.js';

interface Node {
  server: http.Server;
  port: number;
  connections: number;
  requests: string[];
}

/** Answers HEAD/GET of a container (204) and of an object (200, 5 bytes). */
function storageNode(): Node {
  const node: Node = { server: http.createServer(), port: 0, connections: 0, requests: [] };
  node.server.on('connection', () => node.connections++);
  node.server.on('request', (req, res) => {
    req.resume();
    node.requests.push(`${req.method} ${req.url}`);
    const isObject = (req.url ?? '').split('/').length > 5;
    const headers = { 'x-backend-storage-policy-index': '0', 'x-timestamp': '1700000000.00000', 'x-put-timestamp': '1700000000.00000' };
    if (!isObject) return res.writeHead(204, headers).end();
    res.writeHead(200, { ...headers, 'content-length': '5', etag: '5a105e8b9d40e1329780d62ea2265d8a', 'content-type': 'text/plain' });
    res.end(req.method === 'HEAD' ? undefined : 'hello');
  });
  return node;
}

describe('proxy connections to storage nodes', () => {
  const nodes: Node[] = [];
  let proxy: ProxyServer;

  before(async () => {
    for (let i = 0; i < 3; i++) {
      const n = storageNode();
      n.port = await listenOnEphemeralPort(n.server);
      nodes.push(n);
    }
    proxy = await startProxyOverNodes(nodes.map((n) => n.port));
  }, { timeout: 10_000 });

  after(async () => {
    await proxy?.close();
    for (const n of nodes) {
      n.server.closeAllConnections();
      await new Promise((r) => n.server.close(r));
    }
  }, { timeout: 10_000 });

  it('twenty object HEADs one after another reuse a connection per node', { timeout: 20_000 }, async () => {
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/o${i}`, { method: 'HEAD' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), '5');
    }
    const heads = nodes.reduce((t, n) => t + n.requests.filter((r) => r.startsWith('HEAD /sd') && r.includes('/o')).length, 0);
    assert.ok(heads >= 20, `${heads} object HEADs reached the nodes`);
    for (const [i, n] of nodes.entries()) assert.ok(n.connections <= 2, `node ${i} took ${n.connections} connections for ${n.requests.length} requests`);
  });

  it('a GET after the HEADs reads its body whole', { timeout: 10_000 }, async () => {
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/o`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello');
  });
});
