/**
 * Swift's NodeIter: the primaries in this request's order, then handoffs from
 * the ring, skipping error-limited nodes, until `request_node_count` nodes
 * were used. A node that is error-limited by the time the next one is asked
 * for (its request just failed) is not counted, so another takes its place.
 */
import type { RingLookup, RingNode } from '../../ring/index.js';
import type { ErrorLimiter } from './error-limiter.js';

export interface NodeIterOptions {
  /** The primaries already ordered for this request. */
  primaries: RingNode[];
  ring: RingLookup;
  partition: number;
  limiter: ErrorLimiter;
  /** Total nodes to use at most (primaries + handoffs), error-limited ones not counted. */
  requestNodeCount: number;
  /**
   * Told of each handoff yielded past the expected ones (`request_node_count`
   * minus the primaries: more means primaries were error-limited), with
   * `all` when every primary was (Swift's `log_handoffs`).
   */
  onExtraHandoff?: (handoffs: number, all: boolean) => void;
}

export function* nodeIter(opts: NodeIterOptions): Generator<RingNode> {
  let nodesLeft = opts.requestNodeCount;
  const expectedHandoffs = nodesLeft - opts.primaries.length;
  const seen = new Set<number>();
  for (const node of opts.primaries) {
    seen.add(node.id);
    if (opts.limiter.isLimited(node)) continue;
    yield node;
    if (!opts.limiter.isLimited(node) && --nodesLeft <= 0) return;
  }
  let handoffs = 0;
  for (const node of opts.ring.moreNodes(opts.partition)) {
    if (seen.has(node.id) || opts.limiter.isLimited(node)) continue;
    handoffs++;
    const extra = handoffs - expectedHandoffs;
    if (extra > 0) opts.onExtraHandoff?.(handoffs, extra === opts.primaries.length);
    yield node;
    if (!opts.limiter.isLimited(node) && --nodesLeft <= 0) return;
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
