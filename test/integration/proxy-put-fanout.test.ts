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
import { parseIni, silentLogger, swiftConfFromIni } from '../../common/index.js';
import type { RingLookup, RingNode } from '../../ring/index.js';
import { startProxyServer, type ProxyServer } from '../../proxy/index.js';
import { freePort, TEST_SWIFT_CONF } from '../helpers/swift-cluster.js';

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

const ringOf = (nodes: FakeNode[], replicas: number): RingLookup => {
  const devs: RingNode[] = nodes.map((n, i) => ({
    id: i, index: i, region: 1, zone: i + 1, ip: '127.0.0.1', port: n.port, replication_ip: '127.0.0.1',
    replication_port: n.port, device: `sd${i}`, weight: 1, meta: '',
  }));
  return {
    partPower: 0, partCount: 1, replicaCount: replicas, devs,
    getPart: () => 0,
    getPartNodes: () => devs.slice(0, replicas),
    getNodes: () => ({ partition: 0, nodes: devs.slice(0, replicas) }),
    moreNodes: function* () {
      for (const d of devs.slice(replicas)) yield { ...d, handoff_index: d.index - replicas };
    },
  };
};

describe('object PUT with handoffs', () => {
  const nodes: FakeNode[] = [];
  let proxy: ProxyServer;

  before(async () => {
    for (let i = 0; i < 4; i++) nodes.push({ port: await freePort(), received: new Map() });
    // Node 1 (a primary) is down: nothing listens on its port.
    for (const [i, n] of nodes.entries()) {
      if (i === 1) continue;
      n.server = fakeStorage(n);
      await new Promise<void>((r) => n.server!.listen(n.port, '127.0.0.1', r));
    }
    const ring = ringOf(nodes, 3);
    const conf = parseIni(
      '[DEFAULT]\n[pipeline:main]\npipeline = catch_errors proxy-server\n[filter:catch_errors]\nuse = egg:swift#catch_errors\n' +
        '[app:proxy-server]\nuse = egg:swift#proxy\nswift_dir = unused\nconn_timeout = 0.5\nnode_timeout = 5\n',
    );
    proxy = await startProxyServer(conf, {
      logger: silentLogger,
      port: 0,
      swiftConf: swiftConfFromIni(parseIni(TEST_SWIFT_CONF)),
      loadRing: () => ring,
    });
  });

  after(async () => {
    await proxy?.close();
    for (const n of nodes) await new Promise((r) => (n.server ? n.server.close(r) : r(undefined)));
  });

  it('replaces a refusing primary with a handoff and streams the whole body to each', async () => {
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
  const nodes: FakeNode[] = [];
  let proxy: ProxyServer;

  before(async () => {
    for (let i = 0; i < 3; i++) nodes.push({ port: await freePort(), received: new Map() });
    for (const [i, n] of nodes.entries()) {
      n.server = fakeStorage(n);
      if (i === 2) {
        // Takes the headers, says 100 Continue, then never reads the body.
        n.server.removeAllListeners('request');
        n.server.on('request', (req) => req.pause());
      }
      await new Promise<void>((r) => n.server!.listen(n.port, '127.0.0.1', r));
    }
    const ring = ringOf(nodes, 3);
    const conf = parseIni(
      '[DEFAULT]\n[pipeline:main]\npipeline = proxy-server\n' +
        '[app:proxy-server]\nuse = egg:swift#proxy\nswift_dir = unused\nconn_timeout = 0.5\nnode_timeout = 1\n',
    );
    proxy = await startProxyServer(conf, { logger: silentLogger, port: 0, swiftConf: swiftConfFromIni(parseIni(TEST_SWIFT_CONF)), loadRing: () => ring });
  });

  after(async () => {
    await proxy?.close();
    for (const n of nodes) {
      n.server?.closeAllConnections();
      await new Promise((r) => n.server!.close(r));
    }
  });

  it('drops the stalled node after node_timeout and answers on quorum', async () => {
    const body = randomBytes(32 * 1024 * 1024);
    const md5 = createHash('md5').update(body).digest('hex');
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/o`, { method: 'PUT', body });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('etag'), md5);
    assert.equal(nodes[0].received.get('/sd0/0/AUTH_a/c/o'), md5);
    assert.equal(nodes[1].received.get('/sd1/0/AUTH_a/c/o'), md5);
  });

  it('a body smaller than the write-ahead queue: the stalled node is dropped when its answer never comes', async () => {
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
  const nodes: FakeNode[] = [];
  let proxy: ProxyServer;

  before(async () => {
    for (let i = 0; i < 3; i++) {
      // Port 0: a port picked beforehand could be taken by a test running beside this one, and listen() would never call back.
      const n: FakeNode = { port: 0, received: new Map() };
      n.server = fakeStorage(n);
      // The nodes take a moment to answer 100 Continue, so the client is gone before the proxy reads the body.
      n.server.removeAllListeners('checkContinue');
      n.server.on('checkContinue', (req, res) =>
        setTimeout(() => {
          res.writeContinue();
          n.server!.emit('request', req, res);
        }, 200),
      );
      await new Promise<void>((r) => n.server!.listen(0, '127.0.0.1', r));
      n.port = (n.server.address() as net.AddressInfo).port;
      nodes.push(n);
    }
    const conf = parseIni('[DEFAULT]\n[pipeline:main]\npipeline = proxy-server\n[app:proxy-server]\nuse = egg:swift#proxy\nswift_dir = unused\n');
    proxy = await startProxyServer(conf, { logger: silentLogger, port: 0, swiftConf: swiftConfFromIni(parseIni(TEST_SWIFT_CONF)), loadRing: () => ringOf(nodes, 3) });
  }, { timeout: 10_000 });

  after(async () => {
    await proxy?.close();
    for (const n of nodes) {
      n.server!.closeAllConnections();
      await new Promise((r) => n.server!.close(r));
    }
  }, { timeout: 10_000 });

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
