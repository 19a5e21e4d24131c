/**
 * Object PUT fan-out, against small fake object servers: a
 * primary that refuses connections is replaced by a handoff from the ring,
 * the client's body reaches every live node whole, and the proxy answers on
 * quorum with the agreed ETag; a node that stops reading mid-body is dropped
 * after node_timeout while a quorum remains.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import type { ProxyServer } from '../../proxy/index.js';
import { closedPort, listenOnEphemeralPort, startProxyOverNodes, type FakeProxyOptions } from '../helpers/fake-nodes.js';

interface FakeNode {
  server?: http.Server;
  port: number;
  /** md5 of each object body received, by path. */
  received: Map<string, string>;
}

/** Enough of an object/container server: 100-continue, md5 ETags, HEAD 204. */
function fakeStorage(node: FakeNode): http.Server {
  const server = http.createServer((req, res) => {
    if (req.method === 'PUT') {
      const hash = createHash('md5');
      req.on('data', (c: Buffer) => hash.update(c));
      req.on('end', () => {
        const etag = hash.digest('hex');
        node.received.set(req.url!, etag);
        res.writeHead(201, { etag, 'content-length': '0' }).end();
      });
      return;
    }
    req.resume();
    res.writeHead(req.method === 'HEAD' ? 204 : 404, { 'x-backend-storage-policy-index': '0', 'content-length': '0' }).end();
  });
  server.on('checkContinue', (req, res) => {
    res.writeContinue();
    server.emit('request', req, res);
  });
  return server;
}

interface FakeCluster {
  nodes: FakeNode[];
  proxy: ProxyServer;
}

/**
 * `count` fake storage nodes on ephemeral ports and a proxy over a ring of
 * those ports; `adapt` may change a node's server before it listens. A node
 * listed in `down` gets a port nothing listens on.
 */
async function startCluster(
  count: number,
  options: FakeProxyOptions & { down?: number[]; adapt?: (server: http.Server, i: number) => void } = {},
): Promise<FakeCluster> {
  const nodes: FakeNode[] = [];
  for (let i = 0; i < count; i++) {
    const n: FakeNode = { port: 0, received: new Map() };
    nodes.push(n);
    // Listened on and closed at once, so the system picked the port and the proxy is refused there.
    if (options.down?.includes(i)) n.port = await closedPort();
    else {
      n.server = fakeStorage(n);
      options.adapt?.(n.server, i);
      n.port = await listenOnEphemeralPort(n.server);
    }
  }
  const proxy = await startProxyOverNodes(nodes.map((n) => n.port), options);
  return { nodes, proxy };
}

async function stopCluster(cluster: FakeCluster | undefined): Promise<void> {
  await cluster?.proxy.close();
  for (const n of cluster?.nodes ?? []) {
    if (!n.server) continue;
    n.server.closeAllConnections();
    await new Promise((r) => n.server!.close(r));
  }
}

describe('object PUT with handoffs', () => {
  let cluster: FakeCluster | undefined;
  let nodes: FakeNode[];
  let proxy: ProxyServer;

  before(async () => {
    // Node 1 (a primary) is down; node 3 is the first handoff.
    cluster = await startCluster(4, { replicas: 3, down: [1], filters: ['catch_errors'], app: ['conn_timeout = 0.5', 'node_timeout = 5'] });
    ({ nodes, proxy } = cluster);
  }, { timeout: 10_000 });

  after(() => stopCluster(cluster), { timeout: 10_000 });

  it('replaces a refusing primary with a handoff and streams the whole body to each', { timeout: 20_000 }, async () => {
    const body = randomBytes(3 * 1024 * 1024);
    const md5 = createHash('md5').update(body).digest('hex');
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/o`, { method: 'PUT', body });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('etag'), md5);
    const holders = nodes.map((n) => n.received.get('/sd' + nodes.indexOf(n) + '/0/AUTH_a/c/o'));
    assert.deepEqual(holders, [md5, undefined, md5, md5], 'primaries 0 and 2, and handoff 3');
  });
});

describe('object PUT with a node that stalls mid-body', () => {
  let cluster: FakeCluster | undefined;
  let nodes: FakeNode[];
  let proxy: ProxyServer;

  before(async () => {
    cluster = await startCluster(3, {
      app: ['conn_timeout = 0.5', 'node_timeout = 1'],
      adapt: (server, i) => {
        if (i !== 2) return;
        // Takes the headers, says 100 Continue, then never reads the body.
        server.removeAllListeners('request');
        server.on('request', (req) => req.pause());
      },
    });
    ({ nodes, proxy } = cluster);
  }, { timeout: 10_000 });

  after(() => stopCluster(cluster), { timeout: 10_000 });

  it('drops the stalled node after node_timeout and answers on quorum', { timeout: 30_000 }, async () => {
    const body = randomBytes(32 * 1024 * 1024);
    const md5 = createHash('md5').update(body).digest('hex');
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/o`, { method: 'PUT', body });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('etag'), md5);
    assert.equal(nodes[0].received.get('/sd0/0/AUTH_a/c/o'), md5);
    assert.equal(nodes[1].received.get('/sd1/0/AUTH_a/c/o'), md5);
  });

  it('a body smaller than the write-ahead queue: the stalled node is dropped when its answer never comes', { timeout: 20_000 }, async () => {
    const body = randomBytes(100 * 1024); // all of it fits the 640 KiB a node may hold unsent
    const md5 = createHash('md5').update(body).digest('hex');
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/small`, { method: 'PUT', body });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('etag'), md5);
    assert.equal(nodes[0].received.get('/sd0/0/AUTH_a/c/small'), md5);
    assert.equal(nodes[1].received.get('/sd1/0/AUTH_a/c/small'), md5);
  });
});

describe('object PUT from a client that leaves once its body is sent', () => {
  let cluster: FakeCluster | undefined;
  let nodes: FakeNode[];
  let proxy: ProxyServer;

  before(async () => {
    cluster = await startCluster(3, {
      adapt: (server) => {
        // The nodes take a moment to answer 100 Continue, so the client is gone before the proxy reads the body.
        server.removeAllListeners('checkContinue');
        server.on('checkContinue', (req, res) =>
          setTimeout(() => {
            res.writeContinue();
            server.emit('request', req, res);
          }, 200),
        );
      },
    });
    ({ nodes, proxy } = cluster);
  }, { timeout: 10_000 });

  after(() => stopCluster(cluster), { timeout: 10_000 });

  /** A PUT on a raw socket; resolves with what came back once the proxy closed it. */
  const rawPut = (path: string, head: string, body: Buffer, sent: (s: net.Socket) => void) =>
    new Promise<string>((resolve) => {
      let got = '';
      const s = net.connect(proxy.port, '127.0.0.1', () => {
        s.write(`PUT ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\n`);
        s.write(body, () => sent(s));
      });
      // Read it all: the proxy's FIN is only seen (and 'close' only comes) once the socket is read to its end.
      s.on('data', (d: Buffer) => (got += d.toString('latin1')));
      s.on('error', () => undefined);
      s.on('close', () => resolve(got));
    });

  const until = async (check: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end && !check(); ) await new Promise((r) => setTimeout(r, 20));
    return check();
  };

  it('a whole body followed by the client closing its side is still stored (as Swift does)', { timeout: 10_000 }, async () => {
    const body = randomBytes(4096);
    const md5 = createHash('md5').update(body).digest('hex');
    const answer = await rawPut('/v1/AUTH_a/c/left', 'Content-Length: 4096\r\n', body, (s) => s.end());
    assert.match(answer, /^HTTP\/1\.1 201 /, 'the client, had it stayed, would have read 201');
    assert.ok(await until(() => nodes.every((n, i) => n.received.get(`/sd${i}/0/AUTH_a/c/left`) === md5), 3000), 'every node got the whole body');
  });

  it('a client gone before its declared length arrives stores nothing', { timeout: 10_000 }, async () => {
    await rawPut('/v1/AUTH_a/c/cut', 'Content-Length: 8192\r\n', randomBytes(4096), (s) => s.end());
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(nodes.every((n, i) => !n.received.has(`/sd${i}/0/AUTH_a/c/cut`)), 'no node stored a short body');
  });
});
