/**
 * An object GET whose primaries fail does not answer 404 on the word of
 * nodes that never had the object: as Swift 2.30's GetOrHeadHandler, a
 * handoff's 404 (or 5xx) without X-Backend-Timestamp is not an answer, and
 * the first `rebalance_missing_suppression_count` (default 1) primaries'
 * 404s without one are not either (a primary a rebalance just gave the
 * partition has nothing yet; at most one fewer than the primaries). The
 * client gets 503 (try again), not 404 (gone). The multi-host bed saw this during a stall of its machine in a
 * drain: reads answered 404 for objects all three primaries held.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { ProxyServer } from '../../proxy/index.js';
import { closeAll, closedPort, listenAll, objectNode, startProxyOverNodes } from '../helpers/fake-nodes.js';

const TOMBSTONE = '1700000002.00000';

/** A node answering every object 404, with a tombstone's timestamp or without. */
const missing = (tombstone?: string): http.Server => objectNode((_name, _req, res) => {
  res.writeHead(404, { 'content-length': '0', ...(tombstone ? { 'x-backend-timestamp': tombstone } : {}) }).end();
});

describe('object GET with failing primaries', () => {
  const servers: http.Server[] = [];
  const proxies: ProxyServer[] = [];

  /** A proxy over `nodes` (undefined: a port nothing listens on), the first three the primaries. */
  const proxyOver = async (nodes: (http.Server | undefined)[], app: string[] = [], replicas = 3): Promise<ProxyServer> => {
    const up = nodes.filter((n): n is http.Server => n !== undefined);
    servers.push(...up);
    const ports = await listenAll(up);
    const all: number[] = [];
    for (const n of nodes) all.push(n ? ports.shift()! : await closedPort());
    const proxy = await startProxyOverNodes(all, { replicas, app });
    proxies.push(proxy);
    return proxy;
  };
  const status = async (proxy: ProxyServer, method = 'GET'): Promise<number> => {
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/o`, { method });
    await res.arrayBuffer();
    return res.status;
  };

  after(async () => {
    for (const p of proxies) await p.close();
    await closeAll(servers);
  });

  it("answers 503, not a handoff's 404, when every primary is down", async () => {
    const proxy = await proxyOver([undefined, undefined, undefined, missing(), missing()]);
    assert.equal(await status(proxy), 503);
    assert.equal(await status(proxy, 'HEAD'), 503);
  });

  it("answers 503 when one primary says 404 without a timestamp and the others are down", async () => {
    const proxy = await proxyOver([missing(), undefined, undefined, missing()]);
    assert.equal(await status(proxy), 503);
  });

  it('answers 404 with rebalance_missing_suppression_count = 0 in that case', async () => {
    const proxy = await proxyOver([missing(), undefined, undefined, missing()], ['rebalance_missing_suppression_count = 0']);
    assert.equal(await status(proxy), 404);
  });

  it("answers 404 over one replica, its only primary's 404 not disregarded (at most primaries - 1 are, as Swift)", async () => {
    const proxy = await proxyOver([missing(), missing()], [], 1);
    assert.equal(await status(proxy), 404);
    assert.equal(await status(proxy, 'HEAD'), 404);
  });

  it('answers 404 when the primaries say so', async () => {
    const proxy = await proxyOver([missing(), missing(), undefined, missing()]);
    assert.equal(await status(proxy), 404);
  });

  it("answers 404 on a handoff's tombstone when every primary is down", async () => {
    const proxy = await proxyOver([undefined, undefined, undefined, missing(TOMBSTONE)]);
    assert.equal(await status(proxy), 404);
  });
});
