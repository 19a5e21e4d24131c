/**
 * An object GET that meets a tombstone (a 404 carrying X-Backend-Timestamp)
 * does not then serve a copy older than it from another node: Swift 2.30's
 * GetOrHeadHandler keeps the newest 404 timestamp it has seen
 * (`latest_404_timestamp`) and drops good answers older than it, with or
 * without X-Newest. The case is a DELETE acknowledged by the primaries while
 * a handoff (a write_affinity PUT's, or a node a ring change took a
 * partition from) still holds the version before it: the multi-host bed
 * read such a deleted object back through a proxy. A copy answered before
 * any tombstone is served, as Swift serves it (the first good answer).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { ProxyServer } from '../../proxy/index.js';
import { closeAll, listenAll, objectNode, startProxyOverNodes } from '../helpers/fake-nodes.js';

const OLD = '1700000001.00000';
const DELETED = '1700000002.00000';
const NEWER = '1700000003.00000';

/** What one node holds of each object: a copy (its body and timestamp) or a tombstone. */
type Held = Record<string, { body: string; ts: string } | { tombstone: string }>;

function storageNode(held: Held): http.Server {
  return objectNode((name, req, res) => {
    const obj = held[name];
    if (!obj) {
      res.writeHead(404, { 'content-length': '0' }).end();
    } else if ('tombstone' in obj) {
      res.writeHead(404, { 'content-length': '0', 'x-backend-timestamp': obj.tombstone }).end();
    } else {
      res.writeHead(200, { 'content-length': String(obj.body.length), etag: 'x', 'x-timestamp': obj.ts, 'x-backend-timestamp': obj.ts, 'x-backend-data-timestamp': obj.ts });
      res.end(req.method === 'HEAD' ? undefined : obj.body);
    }
  });
}

describe('object GET after a tombstone', () => {
  const servers: http.Server[] = [];
  let proxy: ProxyServer;

  const get = async (name: string, headers: Record<string, string> = {}): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/${name}`, { headers });
    const body = await res.text();
    return res.status === 200 ? body : String(res.status);
  };

  before(async () => {
    // Three primaries and a handoff. read_affinity orders the primaries: node 0 (region 1) first, then 1 and 2 (region 2)
    // in a random order; the handoff (node 3) last.
    const nodes: Held[] = [
      { deleted: { tombstone: DELETED }, rewritten: { tombstone: DELETED }, onHandoff: { tombstone: DELETED }, firstOld: { body: 'old', ts: OLD } },
      { deleted: { body: 'old', ts: OLD }, rewritten: { body: 'newer', ts: NEWER }, onHandoff: { tombstone: DELETED }, firstOld: { tombstone: DELETED } },
      { deleted: { body: 'old', ts: OLD }, rewritten: { body: 'newer', ts: NEWER }, onHandoff: { tombstone: DELETED }, firstOld: { tombstone: DELETED } },
      { onHandoff: { body: 'old', ts: OLD } },
    ];
    servers.push(...nodes.map(storageNode));
    proxy = await startProxyOverNodes(await listenAll(servers), {
      replicas: 3, regions: [1, 2, 2, 2], app: ['sorting_method = affinity', 'read_affinity = r1=100, r2=200'],
    });
  });

  after(async () => {
    await proxy?.close();
    await closeAll(servers);
  });

  it('does not serve a copy older than a tombstone it met first', async () => {
    for (let i = 0; i < 6; i++) assert.equal(await get('deleted'), '404');
  });

  it("does not serve a handoff's copy older than the primaries' tombstones", async () => {
    for (let i = 0; i < 3; i++) assert.equal(await get('onHandoff'), '404');
  });

  it('serves a copy newer than the tombstone', async () => {
    for (let i = 0; i < 6; i++) assert.equal(await get('rewritten'), 'newer');
  });

  it('with X-Newest, a tombstone newer than every copy wins', async () => {
    for (let i = 0; i < 6; i++) assert.equal(await get('deleted', { 'x-newest': 'true' }), '404');
    for (let i = 0; i < 6; i++) assert.equal(await get('rewritten', { 'x-newest': 'true' }), 'newer');
  });

  it('serves the first good answer when it comes before any tombstone, as Swift does', async () => {
    for (let i = 0; i < 6; i++) assert.equal(await get('firstOld'), 'old');
  });
});
