/**
 * write_affinity as Swift's proxy has it: an object PUT goes to local
 * nodes first (primaries and handoffs, up to write_affinity_node_count); an
 * object DELETE to every primary plus the local handoffs such a PUT may
 * have used (write_affinity_handoff_delete_count); every other write —
 * object POST, container and account writes, account autocreation — to the
 * primaries, whatever the affinity. Six nodes that record what reaches
 * them: primaries 0 (region 1), 1 (region 1), 2 (region 2); handoffs
 * 3 (r2), 4 (r1), 5 (r2); the proxy is in region 2.
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { ProxyServer } from '../../proxy/index.js';
import { listenOnEphemeralPort, startProxyOverNodes } from '../helpers/fake-nodes.js';

const REGIONS = [1, 1, 2, 2, 1, 2];

interface Seen { node: number; method: string; depth: number }

describe('write affinity', () => {
  const servers: http.Server[] = [];
  const seen: Seen[] = [];
  const proxies: ProxyServer[] = [];
  let accountExists = true;

  const node = (i: number): http.Server => http.createServer((req, res) => {
    const depth = (req.url ?? '').split('?')[0].split('/').length - 3; // /dev/part/a[/c[/o]]
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'HEAD' && req.method !== 'GET') seen.push({ node: i, method: req.method ?? '', depth });
      const ts = { 'x-backend-storage-policy-index': '0', 'x-put-timestamp': '1700000000.00000', 'x-timestamp': '1700000000.00000' };
      if (req.method === 'HEAD' || req.method === 'GET') {
        if (depth === 1 && !accountExists) return void res.writeHead(404, ts).end();
        return void res.writeHead(depth === 3 ? 404 : 204, ts).end();
      }
      if (depth === 1 && req.method === 'PUT') accountExists = true;
      if (req.method === 'PUT' && depth === 3) {
        return void res.writeHead(201, { etag: createHash('md5').update(Buffer.concat(chunks)).digest('hex') }).end();
      }
      res.writeHead(req.method === 'PUT' ? 201 : req.method === 'POST' ? 202 : 204, ts).end();
    });
  });

  const targets = (method: string, depth: number): number[] =>
    [...new Set(seen.filter((s) => s.method === method && s.depth === depth).map((s) => s.node))].sort();

  let proxy: ProxyServer;
  let deleteOne: ProxyServer;
  before(async () => {
    const ports: number[] = [];
    for (let i = 0; i < REGIONS.length; i++) {
      const s = node(i);
      ports.push(await listenOnEphemeralPort(s));
      servers.push(s);
    }
    const app = ['sorting_method = affinity', 'read_affinity = r2=100', 'write_affinity = r2', 'write_affinity_node_count = 2 * replicas', 'account_autocreate = true'];
    proxy = await startProxyOverNodes(ports, { replicas: 3, regions: REGIONS, app });
    deleteOne = await startProxyOverNodes(ports, { replicas: 3, regions: REGIONS, app: [...app, 'write_affinity_handoff_delete_count = 1'] });
    proxies.push(proxy, deleteOne);
  }, { timeout: 10_000 });

  after(async () => {
    for (const p of proxies) await p.close();
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }, { timeout: 10_000 });

  beforeEach(() => {
    seen.length = 0;
  });

  const url = (p: ProxyServer, path: string): string => `http://127.0.0.1:${p.port}${path}`;

  it('sends an object PUT to local nodes first', async () => {
    const res = await fetch(url(proxy, '/v1/AUTH_a/c/o'), { method: 'PUT', body: 'hello' });
    assert.equal(res.status, 201);
    assert.deepEqual(targets('PUT', 3), [2, 3, 5]);
  });

  it('sends an object DELETE to every primary and the local handoffs a PUT may have used', async () => {
    assert.equal((await fetch(url(proxy, '/v1/AUTH_a/c/o'), { method: 'DELETE' })).status, 204);
    assert.deepEqual(targets('DELETE', 3), [0, 1, 2, 3, 5]);
    seen.length = 0;
    assert.equal((await fetch(url(deleteOne, '/v1/AUTH_a/c/o'), { method: 'DELETE' })).status, 204);
    assert.deepEqual(targets('DELETE', 3), [0, 1, 2, 3]);
  });

  it('sends an object POST and container writes to the primaries', async () => {
    assert.equal((await fetch(url(proxy, '/v1/AUTH_a/c/o'), { method: 'POST', headers: { 'x-object-meta-a': 'b' } })).status, 202);
    assert.deepEqual(targets('POST', 3), [0, 1, 2]);
    assert.equal((await fetch(url(proxy, '/v1/AUTH_a/c2'), { method: 'PUT' })).status, 201);
    assert.deepEqual(targets('PUT', 2), [0, 1, 2]);
  });

  it('autocreates an account on its primaries', async () => {
    accountExists = false;
    assert.equal((await fetch(url(proxy, '/v1/AUTH_new/c'), { method: 'PUT' })).status, 201);
    assert.deepEqual(targets('PUT', 1), [0, 1, 2]);
  });
});
