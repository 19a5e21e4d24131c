/**
 * The backend client's HEAD (on its kept-alive node:http agent) against a
 * node that takes the request and never answers: it fails with a
 * BackendTimeoutError after node_timeout, and the client goes on working.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { BackendClient, BackendTimeoutError } from '../../common/index.js';
import { fakeRingNode, listenOnEphemeralPort } from '../helpers/fake-nodes.js';

const until = async (check: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end && !check(); ) await new Promise((r) => setTimeout(r, 20));
  return check();
};

describe('backend HEAD to a node that never answers', () => {
  const client = new BackendClient({ connTimeout: 0.5, nodeTimeout: 0.3 });
  // Reads what it is sent and says nothing.
  const silentSockets = new Set<net.Socket>();
  let silentReceived = '';
  const silent = net.createServer((s) => {
    silentSockets.add(s);
    s.on('data', (d: Buffer) => (silentReceived += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => silentSockets.delete(s));
  });
  let answeringConnections = 0;
  const answering = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-length': '5', 'x-backend-storage-policy-index': '0' }).end();
  });
  answering.on('connection', () => answeringConnections++);
  let silentPort: number;
  let answeringPort: number;

  before(async () => {
    silentPort = await listenOnEphemeralPort(silent);
    answeringPort = await listenOnEphemeralPort(answering);
  }, { timeout: 5_000 });

  after(async () => {
    await client.close();
    for (const s of silentSockets) s.destroy();
    answering.closeAllConnections();
    await Promise.all([new Promise((r) => silent.close(r)), new Promise((r) => answering.close(r))]);
  }, { timeout: 5_000 });

  it('rejects with a BackendTimeoutError after node_timeout and drops the connection', { timeout: 5_000 }, async () => {
    const started = Date.now();
    await assert.rejects(client.request(fakeRingNode(0, silentPort), 'HEAD', '/sda/0/a/c/o', {}), BackendTimeoutError);
    const took = Date.now() - started;
    assert.ok(took >= 250, `gave up after ${took} ms, before node_timeout (300 ms)`);
    assert.ok(took < 2000, `gave up after ${took} ms`);
    assert.match(silentReceived, /^HEAD \/sda\/0\/a\/c\/o HTTP\/1\.1\r\n/, 'the node was sent the HEAD');
    assert.equal(silentReceived.match(/^HEAD /gm)?.length, 1, 'a timed-out HEAD is not sent again');
    assert.ok(await until(() => silentSockets.size === 0, 1000), 'the timed-out connection was closed, not kept for reuse');
  });

  it('after the timeout, HEADs to an answering node go through on one kept-alive connection', { timeout: 5_000 }, async () => {
    for (let i = 0; i < 3; i++) {
      const res = await client.request(fakeRingNode(1, answeringPort), 'HEAD', `/sda/0/a/c/o${i}`, {});
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-length'], '5');
      res.body.destroy();
    }
    assert.equal(answeringConnections, 1);
  });
});
