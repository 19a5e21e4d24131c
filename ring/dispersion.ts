/**
 * Dispersion: for every tier, how many partitions hold 0..N replicas in it,
 * and how many part-replicas sit in a tier beyond the most it should hold
 * (Swift's `_build_dispersion_graph` and `dispersion_report`).
 */
import { NONE_DEV, type BuilderState } from './builder-state.js';
import { maxReplicasByTier } from './replica-plan.js';
import { buildTierTree, TIERS_PER_DEV, type TierTree } from './tier-tree.js';

export interface DispersionGraph {
  tree: TierTree;
  /** Columns per tier: replica counts 0..ceil(replicas). */
  width: number;
  /** `counts[node * width + k]`: partitions with k replicas in tier `node`. */
  counts: Int32Array;
  /** 1 for tiers holding at least one replica of some partition. */
  present: Uint8Array;
  /** Max replicas per tier if spread evenly (Swift's max_replicas_by_tier). */
  maxAllowed: Float64Array;
  /** Part-replicas beyond what their worst tier should hold. */
  partsAtRisk: number;
  /** The ring's dispersion, in percent of all part-replicas. */
  dispersion: number;
}

/** Walks every partition once and tallies its replicas per tier. */
export function buildDispersionGraph(state: BuilderState, tree: TierTree = buildTierTree(state.devs)): DispersionGraph {
  const width = Math.ceil(state.replicas) + 1;
  const counts = new Int32Array(tree.nodeCount * width);
  const present = new Uint8Array(tree.nodeCount);
  const maxAllowed = maxReplicasByTier(tree, state.replicas, 'ceil');
  const r2p2d = state.replica2part2dev ?? [];
  const cnt = new Int32Array(tree.nodeCount);
  const touched = new Int32Array(r2p2d.length * TIERS_PER_DEV);
  const depthRisk = new Float64Array(TIERS_PER_DEV + 1);
  const path = tree.devPath;
  let partsAtRisk = 0;
  for (let part = 0; part < state.parts; part++) {
    let nTouched = 0;
    for (const p2d of r2p2d) {
      if (part >= p2d.length) continue;
      const dev = p2d[part];
      if (dev === NONE_DEV || path[dev * TIERS_PER_DEV] < 0) continue;
      for (let t = 0; t < TIERS_PER_DEV; t++) {
        const node = path[dev * TIERS_PER_DEV + t];
        if (cnt[node]++ === 0) touched[nTouched++] = node;
      }
    }
    depthRisk.fill(0);
    for (let i = 0; i < nTouched; i++) {
      const node = touched[i];
      const c = cnt[node];
      counts[node * width + c]++;
      present[node] = 1;
      if (c > maxAllowed[node]) depthRisk[tree.depth[node]] += c - maxAllowed[node];
      cnt[node] = 0;
    }
    let worst = 0;
    for (const r of depthRisk) if (r > worst) worst = r;
    partsAtRisk += worst;
  }
  for (let node = 0; node < tree.nodeCount; node++) {
    if (!present[node]) continue;
    let placed = 0;
    for (let k = 1; k < width; k++) placed += counts[node * width + k];
    counts[node * width] = state.parts - placed;
  }
  const dispersion = (100 * partsAtRisk) / (state.parts * state.replicas);
  return { tree, width, counts, present, maxAllowed, partsAtRisk, dispersion };
}

function compareTiers(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i], y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

/** Swift's tier names: `r1`, `r1z2`, `r1z2-10.0.0.1`, `r1z2-10.0.0.1/sdb`. */
export function tierName(tier: readonly (number | string)[], state: BuilderState): string {
  const [r, z, ip, id] = tier;
  switch (tier.length) {
    case 1:
      return `r${r}`;
    case 2:
      return `r${r}z${z}`;
    case 3:
      return `r${r}z${z}-${ip}`;
    default: {
      const dev = state.devs[id as number];
      return `r${r}z${z}-${ip}/${dev ? dev.device : `IDd${id}`}`;
    }
  }
}

export interface TierDispersion {
  maxReplicas: number;
  placedParts: number;
  dispersion: number;
  /** Partitions with 0..N replicas in the tier. */
  replicas: number[];
}

export interface DispersionReport {
  maxDispersion: number;
  worstTier: string | null;
  graph: [string, TierDispersion][];
}

/**
 * Swift's `dispersion_report`: the worst tier, and with `verbose` a row per
 * tier; `searchFilter` is a regular expression matched at the start of the
 * tier name.
 */
export function dispersionReport(
  state: BuilderState,
  options: { searchFilter?: string; verbose?: boolean; graph?: DispersionGraph } = {},
): DispersionReport {
  const g = options.graph ?? buildDispersionGraph(state);
  const filter = options.searchFilter ? new RegExp(`^(?:${options.searchFilter})`) : null;
  const nodes: number[] = [];
  for (let n = 1; n < g.tree.nodeCount; n++) if (g.present[n]) nodes.push(n);
  nodes.sort((a, b) => compareTiers(g.tree.tier[a], g.tree.tier[b]));
  let maxDispersion = 0;
  let worstTier: string | null = null;
  const graph: [string, TierDispersion][] = [];
  for (const node of nodes) {
    const name = tierName(g.tree.tier[node], state);
    if (filter && !filter.test(name)) continue;
    const maxReplicas = Math.trunc(g.maxAllowed[node]);
    const replicas = Array.from(g.counts.subarray(node * g.width, (node + 1) * g.width));
    let atRisk = 0;
    let placed = 0;
    for (let k = 1; k < replicas.length; k++) {
      placed += replicas[k] * k;
      if (k > maxReplicas) atRisk += replicas[k] * (k - maxReplicas);
    }
    const dispersion = placed ? (100 * atRisk) / placed : 0;
    if (dispersion > maxDispersion) {
      maxDispersion = dispersion;
      worstTier = name;
    }
    if (options.verbose) graph.push([name, { maxReplicas, placedParts: placed, dispersion, replicas }]);
  }
  return { maxDispersion, worstTier, graph };
}
