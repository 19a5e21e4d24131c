/**
 * The daemons' backend client over common's: ordinary requests with the
 * answer read whole, REPLICATE/SSYNC each on a fresh connection to the
 * replication address, and a node that never answers failing with a
 * BackendTimeoutError after node_timeout.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { BackendTimeoutError } from '../../common/index.js';
import { BackendClient } from '../../consistency/backend-client.js';
import { fakeRingNode, listenOnEphemeralPort } from '../helpers/fake-nodes.js';

/** A node that answers every request with its method and path. */
function echoNode() {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`);
      res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Seen': String(seen.length) }).end(`${req.method} ${req.url}`);
    });
  });
  return { server, seen };
}

/**
 * A replication port as the storage edge has it (node:http does not parse
 * REPLICATE): the first request of each connection is answered with its
 * request line and body, and the connection closed.
 */
function replicationNode() {
  const seen: string[] = [];
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = got.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (got.length < end + 4 + length) return;
      const line = head.split('\r\n')[0];
      seen.push(`${line} ${got.subarray(end + 4, end + 4 + length).toString()}`);
      s.end(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(line)}\r\nConnection: close\r\n\r\n${line}`);
    });
    s.on('error', () => undefined);
  });
  return { server, seen, connections: () => connections };
}

describe('the daemons\' backend client', () => {
  const client = new BackendClient({ connTimeout: 0.5, nodeTimeout: 0.3 });
  const service = echoNode();
  const replication = replicationNode();
  const silentSockets = new Set<net.Socket>();
  const silent = net.createServer((s) => {
    silentSockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => silentSockets.delete(s));
  });
  let node: ReturnType<typeof fakeRingNode>;
  let silentPort: number;

  before(async () => {
    node = { ...fakeRingNode(0, await listenOnEphemeralPort(service.server)), replication_port: await listenOnEphemeralPort(replication.server) };
    silentPort = await listenOnEphemeralPort(silent);
  });

  after(async () => {
    await client.close();
    for (const s of silentSockets) s.destroy();
    service.server.closeAllConnections();
    await Promise.all([service.server, replication.server, silent].map((s) => new Promise((r) => s.close(r))));
  });

  it('reads answers whole, from the service port', async () => {
    for (const i of [1, 2]) {
      const res = await client.request(node, 'PUT', `/sd0/0/a/c${i}`, { headers: { 'X-Timestamp': '1' }, body: `body${i}` });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-seen'], String(i));
      assert.ok(Buffer.isBuffer(res.body));
      assert.equal(res.body.toString(), `PUT /sd0/0/a/c${i}`);
    }
    assert.deepEqual(service.seen, ['PUT /sd0/0/a/c1 body1', 'PUT /sd0/0/a/c2 body2']);
    assert.equal(replication.seen.length, 0);
  });

  it('sends REPLICATE and SSYNC to the replication port, each on a connection of its own', async () => {
    const a = await client.replicationRequest(node, 'REPLICATE', '/sd0/0/abc', { body: '["sync"]' });
    const b = await client.replicationRequest(node, 'SSYNC', '/sd0/0', { headers: { 'X-Step': 'missing-check' } });
    assert.equal(a.status, 200);
    assert.equal(a.body.toString(), 'REPLICATE /sd0/0/abc HTTP/1.1');
    assert.equal(b.body.toString(), 'SSYNC /sd0/0 HTTP/1.1');
    assert.deepEqual(replication.seen, ['REPLICATE /sd0/0/abc HTTP/1.1 ["sync"]', 'SSYNC /sd0/0 HTTP/1.1 ']);
    assert.equal(replication.connections(), 2);
  });

  it('gives up on a node that never answers after node_timeout, with a BackendTimeoutError', { timeout: 5_000 }, async () => {
    const started = Date.now();
    await assert.rejects(client.request(fakeRingNode(1, silentPort), 'GET', '/sd1/0/a/c?format=json'), BackendTimeoutError);
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 2000, `gave up after ${took} ms (node_timeout 300 ms)`);
  });
});
