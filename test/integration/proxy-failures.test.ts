/**
 * Node failures under the proxy, the same cases over Debian's real Swift
 * object servers and over swiftly's:
 * a hung object server (dropped after node_timeout, quorum still met), an
 * object server SIGKILLed in the middle of a GET (the client still gets
 * the whole, correct body), one of three object servers down (PUT 201, GET
 * 200), then two down (PUT 503); a client that stops sending mid-body (408
 * after client_timeout, nothing stored). Each test starts with every object
 * server up and stops what it needs itself, so none depends on another's
 * leftovers or on the order they run in.
 *
 * Only object servers fail here, so only they are Swift's in the `swift`
 * run: its account and container servers are swiftly's (a Python server
 * costs ~2.4 s CPU to start, ours ~0.85 s).
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { SwiftCluster, type Backend } from '../helpers/swift-cluster.js';

for (const backend of ['swift', 'swiftly'] as Backend[]) describe(`proxy failure handling over ${backend} storage nodes`, () => {
  let cluster: SwiftCluster;
  let token: string;
  let base: string;

  const req = async (method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { method, body, headers: { 'x-auth-token': token, ...headers } });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', backends: { object: backend } });
    // Reads go to node 0 first, so the test knows which server to kill.
    const proxy = await cluster.startProxy('sorting_method = affinity\nread_affinity = r1z1=100, r1z2=200, r1z3=300\nnode_timeout = 5');
    base = `http://127.0.0.1:${proxy.port}`;
    const auth = await fetch(`${base}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
    token = auth.headers.get('x-auth-token')!;
    assert.equal((await req('PUT', '/v1/AUTH_test/f')).status, 201);
  });

  after(async () => {
    await cluster?.stop();
  });

  beforeEach(async () => {
    for (const i of [0, 1, 2]) {
      const node = cluster.node('object', i);
      if (!node.proc) await cluster.startNode(node);
    }
  });

  it('answers 408 to a client that stalls mid-body past client_timeout, and stores nothing', async () => {
    const slow = await cluster.startProxy('client_timeout = 1');
    // each in-process proxy keeps its own tokens
    const auth = await fetch(`http://127.0.0.1:${slow.port}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
    const slowToken = auth.headers.get('x-auth-token')!;
    const status = await new Promise<number>((resolve, reject) => {
      const r = http.request({
        host: '127.0.0.1', port: slow.port, method: 'PUT', path: '/v1/AUTH_test/f/stalled',
        headers: { 'x-auth-token': slowToken, 'content-length': '1000' },
      }, (res) => {
        res.resume();
        resolve(res.statusCode!);
        r.destroy();
      });
      r.on('error', reject);
      r.write(Buffer.alloc(100, 1)); // then nothing more
    });
    assert.equal(status, 408);
    assert.equal((await req('GET', '/v1/AUTH_test/f/stalled')).status, 404);
  });

  it('answers a PUT on quorum when one object server hangs', async () => {
    const hung = cluster.node('object', 2).proc!;
    hung.kill('SIGSTOP');
    try {
      const started = Date.now();
      const put = await req('PUT', '/v1/AUTH_test/f/hung', randomBytes(256 * 1024));
      assert.equal(put.status, 201);
      assert.ok(Date.now() - started < 30_000, 'within node_timeout, not forever');
      assert.equal((await req('GET', '/v1/AUTH_test/f/hung')).status, 200);
    } finally {
      hung.kill('SIGCONT');
    }
  });

  it('resumes a GET from another node when the serving node is killed mid-body', async () => {
    const data = randomBytes(24 * 1024 * 1024);
    const md5 = createHash('md5').update(data).digest('hex');
    const put = await req('PUT', '/v1/AUTH_test/f/big', data);
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('etag'), md5);

    const got = await new Promise<{ status: number; md5: string; length: number }>((resolve, reject) => {
      http.get(`${base}/v1/AUTH_test/f/big`, { headers: { 'x-auth-token': token } }, (res) => {
        const hash = createHash('md5');
        let length = 0;
        let killed = false;
        res.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          length += chunk.length;
          if (!killed && length > 1024 * 1024) {
            killed = true;
            res.pause();
            cluster.stopNode(cluster.node('object', 0), 'SIGKILL').then(() => res.resume(), reject);
          }
        });
        res.on('end', () => resolve({ status: res.statusCode!, md5: hash.digest('hex'), length }));
        res.on('error', reject);
      }).on('error', reject);
    });
    assert.equal(got.status, 200);
    assert.equal(got.length, data.length);
    assert.equal(got.md5, md5);
  });

  // One test, not two: the second server goes down after the first, which saves restarting one.
  it('with one of three object servers down: PUT 201, GET 200; with two down: PUT 503', async () => {
    await cluster.stopNode(cluster.node('object', 0), 'SIGKILL');
    const put = await req('PUT', '/v1/AUTH_test/f/one-down', 'still here');
    assert.equal(put.status, 201);
    const get = await req('GET', '/v1/AUTH_test/f/one-down');
    assert.equal(get.status, 200);
    assert.equal(get.body.toString(), 'still here');

    await cluster.stopNode(cluster.node('object', 1), 'SIGTERM');
    const two = await req('PUT', '/v1/AUTH_test/f/two-down', 'nope');
    assert.equal(two.status, 503);
  });
});
