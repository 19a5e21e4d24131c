/**
 * The proxy's GET resume and an object server's rot verdict. A node that
 * announces `X-Backend-Verified-Tail: 1` and cuts its body one byte short
 * found its copy rotten after sending the rest: the proxy must cut its
 * client, not complete the body from another node. That holds when the
 * proxy had not yet passed on what the node sent (its client was slow and
 * the node's body paused with bytes buffered when the cut came). A cut
 * earlier in the body is an ordinary failure, resumed from the next node.
 * Backends are played by the test through a fake client, so each case is
 * exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { silentLogger } from '../../common/index.js';
import type { RingNode } from '../../ring/index.js';
import { getObject, type GetPlan } from '../../proxy/controllers/object-get.js';
import type { ProxyContext } from '../../proxy/controllers/context.js';
import type { SwiftRequest } from '../../proxy/types.js';
import { fakeRingNode, onePartitionRing } from '../helpers/fake-nodes.js';

const SIZE = 1024 * 1024;
const OBJECT = Buffer.alloc(SIZE, 0x61);

interface Scene {
  /** The first node's body, written by the test. */
  first: Readable;
  /** Range headers the other nodes were asked for. */
  resumes: string[];
  body: Readable;
}

/** A GET through getObject over two nodes: the first answers 200 with a verified tail, the second serves ranges. */
async function scene(): Promise<Scene> {
  const nodes: RingNode[] = [fakeRingNode(0, 1), fakeRingNode(1, 2)];
  const first = new Readable({ read() {} });
  const resumes: string[] = [];
  const ctx = {
    conf: { recoverableNodeTimeout: 1 },
    now: () => Date.now(),
    logger: silentLogger,
    limiter: { error: () => undefined, limitNow: () => undefined },
    timings: { record: () => undefined },
    readNodes: () => nodes,
    client: {
      request: async (node: RingNode, _method: string, _path: string, headers: Record<string, string>) => {
        if (node.port === 1) {
          return { status: 200, headers: { 'content-length': String(SIZE), etag: '"e"', 'x-backend-verified-tail': '1' }, body: first };
        }
        resumes.push(headers.range);
        const start = Number(/^bytes=(\d+)-/.exec(headers.range)![1]);
        return {
          status: 206,
          headers: { 'content-length': String(SIZE - start), 'content-range': `bytes ${start}-${SIZE - 1}/${SIZE}`, etag: '"e"' },
          body: Readable.from([OBJECT.subarray(start)]),
        };
      },
    },
  } as unknown as ProxyContext;
  const req = { method: 'GET', path: '/v1/a/c/o', query: '', headers: {}, remoteAddr: '127.0.0.1', env: { transId: 'tx' } } as unknown as SwiftRequest;
  const plan: GetPlan = { method: 'GET', path: '/a/c/o', partition: 0, ring: onePartitionRing([1, 2], 2), headers: {} };
  const resp = await getObject(ctx, req, plan, nodes);
  assert.equal(resp.status, 200);
  return { first, resumes, body: resp.body as Readable };
}

/** Reads `body` to its end: the bytes, and whether it ended cleanly. */
async function drain(body: Readable): Promise<{ bytes: number; complete: boolean }> {
  let bytes = 0;
  try {
    for await (const c of body) bytes += (c as Buffer).length;
    return { bytes, complete: true };
  } catch {
    return { bytes, complete: false };
  }
}

/** Writes `n` bytes of the object into the first node's body, from `from`, in 64 KiB pieces. */
function send(s: Scene, from: number, n: number): void {
  for (let off = from; off < from + n; off += 65536) s.first.push(OBJECT.subarray(off, Math.min(off + 65536, from + n)));
}

test('a cut one byte short of a verified tail, with the client not yet having read it: the client is cut, no node is asked for the rest', async () => {
  const s = await scene();
  // The client reads nothing yet: the proxy passes on what its buffer holds and pauses the node's body.
  send(s, 0, SIZE - 1);
  await tick();
  assert.ok(s.first.readableLength > 0, 'the node\'s body was not paused with bytes in it');
  s.first.destroy(new Error('other side closed'));
  const got = await drain(s.body);
  assert.equal(got.complete, false, 'the client got a complete body');
  assert.deepEqual(s.resumes, []);
});

test('a cut earlier in the body is resumed from the next node with a Range from the next byte', async () => {
  const s = await scene();
  send(s, 0, SIZE / 2);
  const reading = drain(s.body);
  await tick();
  await tick();
  s.first.destroy(new Error('other side closed'));
  const got = await reading;
  assert.deepEqual(s.resumes, [`bytes=${SIZE / 2}-${SIZE - 1}`]);
  assert.deepEqual(got, { bytes: SIZE, complete: true });
});
