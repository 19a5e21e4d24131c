/**
 * `X-Newest: true` keeps the answer with the newest Swift timestamp, taken
 * as Swift's proxy takes it (X-Backend-Data-Timestamp, then
 * X-Backend-Timestamp, X-Put-Timestamp, X-Timestamp) and compared as a
 * timestamp: offsets (`_0000000000000002`) order writes of the same time.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { ProxyServer } from '../../proxy/index.js';
import { closeAll, listenAll, objectNode, startProxyOverNodes } from '../helpers/fake-nodes.js';

/** What one storage node holds of each object: its body and timestamp headers. */
type Held = Record<string, { body: string; headers: Record<string, string> }>;

function storageNode(held: Held): http.Server {
  return objectNode((name, req, res) => {
    const obj = held[name];
    if (!obj) {
      res.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    res.writeHead(200, { 'content-length': String(obj.body.length), etag: 'x', ...obj.headers });
    res.end(req.method === 'HEAD' ? undefined : obj.body);
  });
}

describe('X-Newest', () => {
  const servers: http.Server[] = [];
  let proxy: ProxyServer;

  const get = async (name: string): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/${name}`, { headers: { 'x-newest': 'true' } });
    assert.equal(res.status, 200);
    return res.text();
  };

  before(async () => {
    const nodes: Held[] = [
      {
        offsets: { body: 'no offset', headers: { 'x-backend-timestamp': '1700000000.00000', 'x-timestamp': '1700000000.00000' } },
        data: { body: 'newer metadata', headers: { 'x-backend-timestamp': '1700000005.00000', 'x-backend-data-timestamp': '1700000001.00000' } },
      },
      {
        offsets: { body: 'offset 2', headers: { 'x-backend-timestamp': '1700000000.00000_0000000000000002', 'x-timestamp': '1700000000.00000' } },
        data: { body: 'newer data', headers: { 'x-backend-timestamp': '1700000003.00000', 'x-backend-data-timestamp': '1700000003.00000' } },
      },
      {
        offsets: { body: 'offset 1', headers: { 'x-backend-timestamp': '1700000000.00000_0000000000000001', 'x-timestamp': '1700000000.00000' } },
        data: { body: 'oldest', headers: { 'x-backend-timestamp': '1700000000.50000', 'x-backend-data-timestamp': '1700000000.50000' } },
      },
    ];
    servers.push(...nodes.map(storageNode));
    proxy = await startProxyOverNodes(await listenAll(servers));
  });

  after(async () => {
    await proxy?.close();
    await closeAll(servers);
  });

  it('orders timestamps of the same time by their offsets', async () => {
    // The primaries are shuffled per request: ask often enough that a
    // choice by node order would show.
    for (let i = 0; i < 12; i++) assert.equal(await get('offsets'), 'offset 2');
  });

  it('goes by the data timestamp before the metadata one, as Swift', async () => {
    for (let i = 0; i < 6; i++) assert.equal(await get('data'), 'newer data');
  });
});
