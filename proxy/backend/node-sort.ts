/**
 * Ordering a partition's primaries per request: Swift's `sorting_method`
 * (shuffle, timing, affinity) and `read_affinity` / `write_affinity` rules.
 */
import type { RingNode } from '../../ring/index.js';
import { ConfigError } from '../../common/index.js';
import { nodeKey } from './error-limiter.js';

export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

type Matcher = (node: RingNode) => boolean;

function regionZoneMatcher(spec: string): Matcher {
  const m = /^r(\d+)(?:z(\d+))?$/.exec(spec.trim());
  if (!m) throw new ConfigError(`Invalid affinity value: ${spec}`);
  const region = Number(m[1]);
  const zone = m[2] === undefined ? undefined : Number(m[2]);
  return (n) => n.region === region && (zone === undefined || n.zone === zone);
}

/** `read_affinity = r1z1=100, r1=200`: a node's priority is its lowest matching value. */
export function readAffinitySorter(spec: string): (nodes: RingNode[]) => RingNode[] {
  const rules = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const [rz, pri] = item.split('=');
      if (pri === undefined || !/^\s*\d+\s*$/.test(pri)) throw new ConfigError(`Invalid read_affinity value: ${item}`);
      return { match: regionZoneMatcher(rz), priority: Number(pri) };
    });
  return (nodes) => {
    const keyed = shuffle([...nodes]).map((n) => ({
      n,
      p: Math.min(...rules.filter((r) => r.match(n)).map((r) => r.priority), Infinity),
    }));
    keyed.sort((a, b) => a.p - b.p);
    return keyed.map((k) => k.n);
  };
}

/** `write_affinity = r1, r2z1`: whether a node is local for writes. */
export function writeAffinityMatcher(spec: string): Matcher | undefined {
  const items = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) return undefined;
  const matchers = items.map(regionZoneMatcher);
  return (n) => matchers.some((m) => m(n));
}

/** Moving average of each node's response time, for `sorting_method = timing`. */
export class NodeTimings {
  private readonly times = new Map<string, { avg: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  record(node: RingNode, ms: number): void {
    const k = nodeKey(node);
    const prev = this.times.get(k);
    this.times.set(k, { avg: prev ? prev.avg * 0.7 + ms * 0.3 : ms, at: this.now() });
  }

  /** Nodes never timed (or not for 5 minutes) sort as fast, so they get tried. */
  sort(nodes: RingNode[]): RingNode[] {
    const t = (n: RingNode) => {
      const e = this.times.get(nodeKey(n));
      return e && this.now() - e.at < 300_000 ? e.avg : 0;
    };
    return shuffle([...nodes]).sort((a, b) => t(a) - t(b));
  }
}
