/**
 * Swift's NodeIter: the primaries in this request's order, then handoffs from
 * the ring, skipping error-limited nodes, up to `request_node_count` nodes.
 */
import type { RingLookup, RingNode } from '../../ring/index.js';
import type { ErrorLimiter } from './error-limiter.js';

export interface NodeIterOptions {
  /** The primaries already ordered for this request. */
  primaries: RingNode[];
  ring: RingLookup;
  partition: number;
  limiter: ErrorLimiter;
  /** Total nodes to yield at most (primaries + handoffs). */
  requestNodeCount: number;
}

export function* nodeIter(opts: NodeIterOptions): Generator<RingNode> {
  let yielded = 0;
  const seen = new Set<number>();
  for (const node of opts.primaries) {
    seen.add(node.id);
    if (opts.limiter.isLimited(node)) continue;
    yielded++;
    yield node;
  }
  let handoffs = 0;
  const maxHandoffs = Math.max(0, opts.requestNodeCount - opts.primaries.length);
  for (const node of opts.ring.moreNodes(opts.partition)) {
    if (handoffs >= maxHandoffs && yielded >= opts.requestNodeCount) break;
    if (handoffs >= maxHandoffs) break;
    handoffs++;
    if (seen.has(node.id) || opts.limiter.isLimited(node)) continue;
    yielded++;
    yield node;
  }
}

/** A shared pull-iterator several concurrent requests can take nodes from. */
export class NodeSource {
  private readonly it: Iterator<RingNode>;
  constructor(nodes: Iterable<RingNode>) {
    this.it = nodes[Symbol.iterator]();
  }
  next(): RingNode | undefined {
    const r = this.it.next();
    return r.done ? undefined : r.value;
  }
}
