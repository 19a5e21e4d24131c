/**
 * Choosing storage nodes: error limiting, primaries then handoffs up to
 * request_node_count, read/write affinity, best response by quorum, and how
 * container updates are spread over an object PUT's requests.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RingLookup, RingNode } from '../../ring/index.js';
import { ErrorLimiter } from '../../proxy/backend/error-limiter.js';
import { nodeIter } from '../../proxy/backend/node-iter.js';
import { readAffinitySorter, writeAffinityMatcher, NodeTimings } from '../../proxy/backend/node-sort.js';
import { bestResponse, quorumSize } from '../../proxy/controllers/best-response.js';
import { numContainerUpdates } from '../../proxy/controllers/object-updates.js';
import { nodeCount } from '../../proxy/proxy-conf.js';

const node = (id: number, region = 1, zone = id + 1): RingNode => ({
  id, index: id, region, zone, ip: '127.0.0.1', port: 6000 + id, replication_ip: '127.0.0.1', replication_port: 6000 + id,
  device: `d${id}`, weight: 1, meta: '',
});

const fakeRing = (primaries: RingNode[], handoffs: RingNode[]): RingLookup => ({
  partPower: 4, partCount: 16, replicaCount: primaries.length, devs: [...primaries, ...handoffs],
  getPart: () => 0, getPartNodes: () => primaries, getNodes: () => ({ partition: 0, nodes: primaries }),
  moreNodes: function* () {
    yield* handoffs;
  },
});

describe('proxy node selection', () => {
  it('error-limits a node past the limit until the interval passes', () => {
    let now = 0;
    const limiter = new ErrorLimiter(2, 60, () => now);
    const n = node(0);
    for (let i = 0; i < 3; i++) limiter.error(n);
    assert.equal(limiter.isLimited(n), true);
    now += 61_000;
    assert.equal(limiter.isLimited(n), false);
    limiter.limitNow(n);
    assert.equal(limiter.isLimited(n), true, '507 limits at once');
  });

  it('yields primaries, skips limited ones, then handoffs until request_node_count usable nodes (as Swift: a limited one takes no place)', () => {
    const primaries = [node(0), node(1), node(2)];
    const handoffs = [node(3), node(4), node(5), node(6), node(7), node(8)];
    const limiter = new ErrorLimiter(0, 60);
    limiter.error(primaries[1]);
    limiter.error(handoffs[1]);
    const extra: [number, boolean][] = [];
    const got = [...nodeIter({
      primaries, ring: fakeRing(primaries, handoffs), partition: 0, limiter, requestNodeCount: nodeCount('2 * replicas', 3),
      onExtraHandoff: (n, all) => extra.push([n, all]),
    })];
    assert.deepEqual(got.map((n) => n.id), [0, 2, 3, 5, 6, 7]);
    // Three handoffs are expected (request_node_count - primaries); the fourth is there because a primary was limited.
    assert.deepEqual(extra, [[4, false]]);
  });

  it('a node error-limited while it was tried is not counted: the next one takes its place', () => {
    const primaries = [node(0), node(1), node(2)];
    const handoffs = [node(3), node(4), node(5)];
    const limiter = new ErrorLimiter(0, 60);
    const got: number[] = [];
    for (const n of nodeIter({ primaries, ring: fakeRing(primaries, handoffs), partition: 0, limiter, requestNodeCount: 3 })) {
      got.push(n.id);
      if (n.id === 1) limiter.error(n);
    }
    assert.deepEqual(got, [0, 1, 2, 3]);
  });

  it('says when every primary was skipped (handoff_all_count)', () => {
    const primaries = [node(0), node(1), node(2)];
    const handoffs = [3, 4, 5, 6, 7, 8, 9].map((i) => node(i));
    const limiter = new ErrorLimiter(0, 60);
    for (const p of primaries) limiter.error(p);
    const extra: [number, boolean][] = [];
    const got = [...nodeIter({
      primaries, ring: fakeRing(primaries, handoffs), partition: 0, limiter, requestNodeCount: 6,
      onExtraHandoff: (n, all) => extra.push([n, all]),
    })];
    assert.deepEqual(got.map((n) => n.id), [3, 4, 5, 6, 7, 8]);
    assert.deepEqual(extra, [[4, false], [5, false], [6, true]]);
  });

  it('sorts by read affinity and picks write-affinity nodes', () => {
    const nodes = [node(0, 2, 1), node(1, 1, 2), node(2, 1, 1)];
    const sorted = readAffinitySorter('r1z1=100, r1=200')(nodes);
    assert.deepEqual(sorted.map((n) => n.id), [2, 1, 0]);
    const local = writeAffinityMatcher('r2')!;
    assert.deepEqual(nodes.filter(local).map((n) => n.id), [0]);
    assert.throws(() => readAffinitySorter('z1=1'));
  });

  it('sorts by response time with sorting_method = timing', () => {
    const timings = new NodeTimings(() => 1000);
    const [a, b] = [node(0), node(1)];
    timings.record(a, 50);
    timings.record(b, 5);
    assert.deepEqual(timings.sort([a, b]).map((n) => n.id), [1, 0]);
  });

  it('answers with the best status a quorum agrees on', () => {
    const a = (status: number) => ({ status, headers: {} });
    assert.equal(bestResponse([a(201), a(201), a(503)].filter((x) => x.status < 500), 2)?.status, 201);
    assert.equal(bestResponse([a(204), a(404), a(404)], 2)?.status, 404);
    assert.equal(bestResponse([a(201), a(202), a(404)], 2)?.status, 202);
    assert.equal(bestResponse([a(201), a(404)], 2), undefined);
  });

  it("takes Swift's proxy quorum: (n + 1) // 2, so 2 replicas tolerate one failure", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(quorumSize), [1, 1, 2, 2, 3, 3]);
  });

  it('sends enough container updates for a durable listing', () => {
    // Swift 2.30's num_container_updates(Rc, quorum_size(Rc), Ro, quorum_size(Ro)),
    // rows Rc = 1..5, columns Ro = 1..6.
    const swift = [
      [1, 2, 2, 3, 3, 4],
      [2, 2, 2, 3, 3, 4],
      [3, 3, 3, 4, 4, 5],
      [4, 4, 4, 4, 4, 5],
      [5, 5, 5, 5, 5, 6],
    ];
    for (const [i, row] of swift.entries()) {
      assert.deepEqual(row.map((_, j) => numContainerUpdates(i + 1, j + 1)), row, `Rc = ${i + 1}`);
    }
  });
});
