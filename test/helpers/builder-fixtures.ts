/** Seeded device sets and invariant checks for ring builder tests. */
import assert from 'node:assert/strict';
import { RingBuilder, NONE_DEV } from '../../ring/index.js';
import { createPrng } from '../../ring/prng.js';
import { buildReplicaPlan } from '../../ring/replica-plan.js';
import { buildTierTree, TIERS_PER_DEV } from '../../ring/tier-tree.js';

export interface Topology {
  regions: number;
  zonesPerRegion: number;
  serversPerZone: number;
  devsPerServer: number;
  /** Weights drawn from [min, max). */
  weights: [number, number];
}

/** Adds the devices of `topo` to `b`, with weights from a PRNG seeded by `seed`. */
export function addDevices(b: RingBuilder, topo: Topology, seed: number, serverOffset = 0): void {
  const rng = createPrng(seed);
  for (let r = 1; r <= topo.regions; r++) {
    for (let z = 1; z <= topo.zonesPerRegion; z++) {
      for (let s = 0; s < topo.serversPerZone; s++) {
        for (let d = 0; d < topo.devsPerServer; d++) {
          const [lo, hi] = topo.weights;
          b.addDev({
            region: r,
            zone: z,
            ip: `10.${r}.${z}.${s + serverOffset}`,
            port: 6200,
            device: `sd${String.fromCharCode(97 + d)}`,
            weight: Math.round(lo + rng.next() * (hi - lo)),
          });
        }
      }
    }
  }
}

/** A random topology from a seed (1-2 regions, 1-5 zones, 1-3 servers, 1-4 devices, weights 50-250). */
export function randomTopology(seed: number): Topology {
  const rng = createPrng(seed * 7919 + 1);
  return {
    regions: 1 + rng.below(2),
    zonesPerRegion: 1 + rng.below(5),
    serversPerZone: 1 + rng.below(3),
    devsPerServer: 1 + rng.below(4),
    weights: [50, 250],
  };
}

/** Counts per dev id from the replica arrays. */
export function partsPerDev(b: RingBuilder): Map<number, number> {
  const counts = new Map<number, number>();
  for (const p2d of b.state.replica2part2dev ?? []) for (const d of p2d) counts.set(d, (counts.get(d) ?? 0) + 1);
  return counts;
}

/**
 * The invariants every rebalanced builder keeps: all replicas assigned to
 * live devices, distinct devices per partition, part counts accounted, and
 * no tier holding more replicas of a partition than the replica plan allows.
 */
export function assertRingInvariants(b: RingBuilder): void {
  b.validate();
  const counts = partsPerDev(b);
  for (const dev of b.liveDevs()) assert.equal(dev.parts, counts.get(dev.id) ?? 0, `parts of dev ${dev.id}`);
  const r2p2d = b.state.replica2part2dev!;
  const whole = Math.floor(b.replicas);
  const frac = b.replicas - whole;
  const expected = [...Array(whole).fill(b.parts), ...(frac > 0 ? [Math.floor(b.parts * frac)] : [])];
  assert.deepEqual(r2p2d.map((a) => a.length), expected);
  const tree = buildTierTree(b.state.devs);
  const plan = buildReplicaPlan(tree, b.state);
  const cnt = new Int32Array(tree.nodeCount);
  for (let p = 0; p < b.parts; p++) {
    const nodes: number[] = [];
    for (const p2d of r2p2d) {
      if (p >= p2d.length) continue;
      assert.notEqual(p2d[p], NONE_DEV);
      for (let t = 0; t < TIERS_PER_DEV; t++) {
        const node = tree.devPath[p2d[p] * TIERS_PER_DEV + t];
        cnt[node]++;
        nodes.push(node);
      }
    }
    for (const node of nodes) {
      assert.ok(cnt[node] <= plan.max[node], `part ${p}: ${cnt[node]} replicas in tier ${tree.tier[node].join('/')} (plan max ${plan.max[node]})`);
    }
    for (const node of nodes) cnt[node] = 0;
  }
}

/** Slots (replica, part) whose device differs between two assignments. */
export function changedSlots(before: Uint16Array[], after: Uint16Array[]): { part: number; replica: number; from: number; to: number }[] {
  const out: { part: number; replica: number; from: number; to: number }[] = [];
  after.forEach((p2d, r) => {
    for (let p = 0; p < p2d.length; p++) {
      const from = before[r] && p < before[r].length ? before[r][p] : NONE_DEV;
      if (from !== p2d[p]) out.push({ part: p, replica: r, from, to: p2d[p] });
    }
  });
  return out;
}

export const snapshot = (b: RingBuilder): Uint16Array[] => (b.state.replica2part2dev ?? []).map((a) => a.slice());
