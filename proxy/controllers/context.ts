/**
 * What every controller shares for the life of the proxy: options, rings,
 * the backend client, error limiting and node ordering.
 */
import { NO_STATSD, type Logger, type Statsd, type SwiftConf } from '../../common/index.js';
import type { RingLookup, RingNode } from '../../ring/index.js';
import type { ProxyConf } from '../proxy-conf.js';
import { nodeCount } from '../proxy-conf.js';
import type { Cache } from '../types.js';
import { BackendClient } from '../../common/index.js';
import { ErrorLimiter } from '../backend/error-limiter.js';
import { countBackendError } from '../proxy-metrics.js';
import { NodeTimings, readAffinitySorter, shuffle, writeAffinityMatcher } from '../backend/node-sort.js';
import { nodeIter } from '../backend/node-iter.js';
import { quorumSize } from './best-response.js';

export interface Rings {
  account: RingLookup;
  container: RingLookup;
  object(policyIndex: number): RingLookup;
}

export class ProxyContext {
  readonly client: BackendClient;
  readonly limiter: ErrorLimiter;
  readonly timings: NodeTimings;
  private readonly readSort?: (nodes: RingNode[]) => RingNode[];
  private readonly writeLocal?: (n: RingNode) => boolean;

  constructor(
    readonly conf: ProxyConf,
    readonly swiftConf: SwiftConf,
    readonly rings: Rings,
    readonly logger: Logger,
    readonly now: () => number,
    /** Used for account/container info when no cache filter is in the pipeline. */
    readonly localCache: Cache,
    /**
     * Swift's proxy app statsd client (`proxy-server.` names); controllers
     * count under their server type (`controllerStat`).
     */
    readonly statsd: Statsd = NO_STATSD,
  ) {
    this.client = new BackendClient({ connTimeout: conf.connTimeout, nodeTimeout: conf.nodeTimeout });
    this.limiter = new ErrorLimiter(conf.errorSuppressionLimit, conf.errorSuppressionInterval, now, countBackendError);
    this.timings = new NodeTimings(now);
    if (conf.sortingMethod === 'affinity' && conf.readAffinity) this.readSort = readAffinitySorter(conf.readAffinity);
    this.writeLocal = writeAffinityMatcher(conf.writeAffinity);
  }

  /**
   * One more of a controller's statsd counter: Swift's controllers prefix
   * the proxy's names with their server type (`proxy-server.object.client_timeouts`).
   */
  controllerStat(serverType: 'account' | 'container' | 'object', metric: string): void {
    this.statsd.increment(`${serverType}.${metric}`);
  }

  /** Primaries in this request's order (Swift's `sort_nodes`). */
  sortNodes(nodes: RingNode[]): RingNode[] {
    if (this.conf.sortingMethod === 'timing') return this.timings.sort(nodes);
    if (this.readSort) return this.readSort(nodes);
    return shuffle([...nodes]);
  }

  /** Nodes for a read: sorted primaries, then handoffs. */
  readNodes(ring: RingLookup, partition: number, primaries: RingNode[]): Iterable<RingNode> {
    return nodeIter({
      primaries: this.sortNodes(primaries),
      ring,
      partition,
      limiter: this.limiter,
      requestNodeCount: nodeCount(this.conf.requestNodeCount, ring.replicaCount),
      onExtraHandoff: this.extraHandoff(ring),
    });
  }

  /**
   * Swift's log_handoffs: a handoff used past the expected ones (primaries
   * were error-limited) is logged and counted as `<type>.handoff_count`,
   * and as `handoff_all_count` when no primary was usable.
   */
  private extraHandoff(ring: RingLookup): ((handoffs: number, all: boolean) => void) | undefined {
    if (!this.conf.logHandoffs) return undefined;
    return this.handoffReporters[ring === this.rings.account ? 'account' : ring === this.rings.container ? 'container' : 'object'];
  }

  /** One `log_handoffs` reporter per server type, made once rather than per request. */
  private readonly handoffReporters = Object.fromEntries((['account', 'container', 'object'] as const).map((type) => [
    type,
    (handoffs: number, all: boolean): void => {
      this.controllerStat(type, 'handoff_count');
      this.logger.warn({ handoffs, type }, 'Handoff requested');
      if (all) this.controllerStat(type, 'handoff_all_count');
    },
  ])) as Record<'account' | 'container' | 'object', (handoffs: number, all: boolean) => void>;

  /**
   * Nodes for an account, container or object POST write: as Swift's
   * `make_requests`, the primaries in read order, then handoffs.
   * write_affinity does not apply (Swift applies it to object PUTs and
   * DELETEs only): an account or container written to local handoffs
   * would miss the updates sent to its primaries.
   */
  writeNodes(ring: RingLookup, partition: number, primaries: RingNode[]): Iterable<RingNode> {
    return this.readNodes(ring, partition, primaries);
  }

  /**
   * Nodes for an object PUT: with write_affinity, local primaries and
   * handoffs first (up to write_affinity_node_count), then the rest (Swift's
   * `iter_nodes_local_first`); the replicators later move what landed on
   * handoffs to the primaries.
   */
  objectPutNodes(ring: RingLookup, partition: number, primaries: RingNode[]): Iterable<RingNode> {
    const all = this.plainNodes(ring, partition, primaries);
    const local = this.writeLocal;
    if (!local) return all;
    const max = nodeCount(this.conf.writeAffinityNodeCount, ring.replicaCount);
    const list = [...all];
    const first = list.filter(local).slice(0, max);
    return [...first, ...list.filter((n) => !first.includes(n))];
  }

  /**
   * Nodes for an object DELETE and how many to send at once: every primary,
   * and with write_affinity also the first local handoffs
   * (write_affinity_handoff_delete_count, by default as many as there are
   * non-local primaries), where an affinity PUT may have left the object:
   * the tombstone must reach them too (Swift's object DELETE).
   */
  objectDeleteNodes(ring: RingLookup, partition: number, primaries: RingNode[]): { nodes: Iterable<RingNode>; count: number } {
    const local = this.writeLocal;
    if (!local) return { nodes: this.plainNodes(ring, partition, primaries), count: primaries.length };
    const wanted = this.conf.writeAffinityHandoffDeleteCount ?? primaries.filter((n) => !local(n)).length;
    const handoffs: RingNode[] = [];
    for (const n of ring.moreNodes(partition)) {
      if (handoffs.length >= wanted) break;
      if (local(n) && !this.limiter.isLimited(n)) handoffs.push(n);
    }
    const first = [...primaries.filter((n) => !this.limiter.isLimited(n)), ...handoffs];
    const rest = [...this.plainNodes(ring, partition, primaries)].filter((n) => !first.some((f) => f.id === n.id));
    return { nodes: [...first, ...rest], count: primaries.length + handoffs.length };
  }

  private plainNodes(ring: RingLookup, partition: number, primaries: RingNode[]): Iterable<RingNode> {
    return nodeIter({
      primaries: shuffle([...primaries]),
      ring,
      partition,
      limiter: this.limiter,
      requestNodeCount: nodeCount(this.conf.requestNodeCount, ring.replicaCount),
      onExtraHandoff: this.extraHandoff(ring),
    });
  }

  /**
   * Successes a write to a partition's primaries needs: Swift's proxy
   * `quorum_size(len(nodes))` (with a fractional replica count, partitions
   * differ in their number of primaries).
   */
  quorum(primaries: readonly RingNode[]): number {
    return quorumSize(primaries.length);
  }
}
