/**
 * The replica plan: how many replicas of each partition every tier should
 * hold, from device weights, full dispersion and overload — Swift's
 * `_build_weighted/wanted/target_replicas_by_tier`, `get_required_overload`
 * and `_set_parts_wanted`, computed per tier (cheap: no per-partition work).
 */
import { RingError } from '../common/core.js';
import type { BuilderState } from './builder-state.js';
import { liveDevs } from './builder-state.js';
import { DEPTH_DEVICE, TIERS_PER_DEV, type TierTree } from './tier-tree.js';

const EPSILON = 1e-10;

export interface ReplicaPlan {
  /** Fewest replicas of a partition the tier should hold. */
  min: Int32Array;
  /** Most replicas of a partition the tier may hold. */
  max: Int32Array;
  /** Replicanths the tier should hold on average. */
  target: Float64Array;
}

function validationError(message: string): RingError {
  return new RingError('ERR_RING_BUILDER', message);
}

/** Swift's `weight_of_one_part`: partition-replicas per unit of weight. */
export function weightOfOnePart(state: BuilderState): number {
  let total = 0;
  for (const dev of state.devs) if (dev) total += dev.weight;
  if (!(total > 0)) {
    throw new RingError('ERR_RING_BUILDER', 'There are no devices in this ring, or all devices have been deleted');
  }
  return (state.parts * state.replicas) / total;
}

/** Checks that every depth's replicanths add up to the replica count. */
function validateByTier(tree: TierTree, replicas: number, byTier: Float64Array): void {
  const names = ['cluster', 'regions', 'zones', 'servers', 'devices'];
  const sums = [0, 0, 0, 0, 0];
  for (let n = 0; n < tree.nodeCount; n++) {
    if (n === 0 || tree.weightedDevs[n] > 0) sums[tree.depth[n]] += byTier[n];
  }
  sums.forEach((sum, depth) => {
    if (Math.abs(replicas - sum) > EPSILON) {
      throw validationError(`${sum} != ${replicas} at tier ${names[depth]}`);
    }
  });
}

/** Replicanths each tier would hold going by weight alone (no device above 1). */
export function weightedReplicasByTier(tree: TierTree, state: BuilderState): Float64Array {
  const wop = weightOfOnePart(state);
  const byDev = new Map<number, number>();
  let withRoom: number[] = [];
  for (const dev of liveDevs(state)) {
    if (!dev.weight) continue;
    let w = (dev.weight * wop) / state.parts;
    if (w < 1) withRoom.push(dev.id);
    else w = 1;
    byDev.set(dev.id, w);
  }
  for (let guard = 0; guard < 10_000; guard++) {
    let sum = 0;
    for (const w of byDev.values()) sum += w;
    const remaining = state.replicas - sum;
    if (remaining < EPSILON) break;
    withRoom = withRoom.filter((id) => byDev.get(id)! < 1);
    let roomSum = 0;
    for (const id of withRoom) roomSum += byDev.get(id)!;
    if (!(roomSum > 0)) break;
    const rel = remaining / roomSum;
    for (const id of withRoom) byDev.set(id, Math.min(1, byDev.get(id)! * (rel + 1)));
  }
  const byTier = new Float64Array(tree.nodeCount);
  for (const [id, w] of byDev) {
    byTier[0] += w;
    for (let t = 0; t < TIERS_PER_DEV; t++) byTier[tree.devPath[id * TIERS_PER_DEV + t]] += w;
  }
  validateByTier(tree, state.replicas, byTier);
  return byTier;
}

/**
 * Most replicas each tier may hold if spread evenly over its children,
 * rounded up (`ceil`) or left fractional (`float`): Swift's
 * `_build_max_replicas_by_tier`. Tiers without weighted devices get 0.
 */
export function maxReplicasByTier(tree: TierTree, replicas: number, bound: 'ceil' | 'float' = 'ceil'): Float64Array {
  const out = new Float64Array(tree.nodeCount);
  const walk = (node: number, count: number): void => {
    if (tree.depth[node] === DEPTH_DEVICE) count = Math.min(1, count);
    out[node] = count;
    const kids = tree.children[node];
    for (const kid of kids) {
      const share = count / kids.length;
      walk(kid, bound === 'ceil' ? Math.ceil(share) : share);
    }
  };
  walk(0, replicas);
  return out;
}

/** Replicanths each tier wants for the best dispersion its weights allow (Swift's `_build_wanted_replicas_by_tier`). */
export function wantedReplicasByTier(tree: TierTree, state: BuilderState, weighted: Float64Array): Float64Array {
  const dispersed = maxReplicasByTier(tree, state.replicas, 'float');
  const dMin = (t: number): number => Math.floor(dispersed[t]);
  const dMax = (t: number): number => Math.ceil(dispersed[t]);
  const numDevs = tree.weightedDevs;
  const wanted = new Float64Array(tree.nodeCount);
  const place = (tier: number, replicanths: number): void => {
    if (replicanths > numDevs[tier]) {
      throw validationError(
        `More replicanths (${replicanths}) than devices (${numDevs[tier]}) in tier (${tree.tier[tier].join(', ')})`,
      );
    }
    wanted[tier] = replicanths;
    const subs = tree.children[tier];
    if (subs.length === 0) return;
    const toPlace = new Map<number, number>();
    let remaining = replicanths;
    let spread = subs;
    let deviceLimited = false;
    for (let guard = 0; guard < 10_000; guard++) {
      let wsum = 0;
      for (const t of spread) wsum += weighted[t];
      const rel = remaining / wsum;
      for (const t of spread) {
        let r = (toPlace.get(t) ?? 0) + weighted[t] * rel;
        if (r < dMin(t)) r = dMin(t);
        else if (r > dMax(t) && !deviceLimited) r = dMax(t);
        if (r > numDevs[t]) r = numDevs[t];
        toPlace.set(t, r);
      }
      let placed = 0;
      for (const v of toPlace.values()) placed += v;
      remaining = replicanths - placed;
      if (remaining < -EPSILON) {
        spread = subs.filter((t) => toPlace.get(t)! > dMin(t));
      } else if (remaining > EPSILON) {
        spread = subs.filter((t) => numDevs[t] > toPlace.get(t)! && toPlace.get(t)! < dMax(t));
        if (spread.length === 0) {
          deviceLimited = true;
          spread = subs.filter((t) => toPlace.get(t)! < numDevs[t]);
        }
      } else {
        break;
      }
      if (spread.length === 0) break;
    }
    for (const t of subs) place(t, toPlace.get(t) ?? 0);
  };
  place(0, state.replicas);
  validateByTier(tree, state.replicas, wanted);
  return wanted;
}

/**
 * The least overload that lets the ring be fully dispersed: the largest
 * relative gap between a device's wanted and weighted replicanths.
 */
export function requiredOverload(
  tree: TierTree,
  state: BuilderState,
  weighted = weightedReplicasByTier(tree, state),
  wanted = wantedReplicasByTier(tree, state, weighted),
): number {
  let max = 0;
  for (const dev of liveDevs(state)) {
    const node = tree.devPath[dev.id * TIERS_PER_DEV + 3];
    if (!dev.weight) {
      if (!wanted[node]) continue;
      throw validationError(`Device ${dev.id} has zero weight and should not want any replicas`);
    }
    const required = (wanted[node] - weighted[node]) / weighted[node];
    if (required > max) max = required;
  }
  return max;
}

/** Target replicanths per tier: weighted, pulled toward wanted by the overload allowed. */
export function targetReplicasByTier(tree: TierTree, state: BuilderState): Float64Array {
  const weighted = weightedReplicasByTier(tree, state);
  const wanted = wantedReplicasByTier(tree, state, weighted);
  const maxOverload = requiredOverload(tree, state, weighted, wanted);
  if (maxOverload <= 0) return wanted;
  const overload = Math.min(state.overload, maxOverload);
  const target = new Float64Array(tree.nodeCount);
  for (let t = 0; t < tree.nodeCount; t++) {
    if (t !== 0 && tree.weightedDevs[t] === 0) continue;
    target[t] = ((wanted[t] - weighted[t]) / maxOverload) * overload + weighted[t];
  }
  validateByTier(tree, state.replicas, target);
  return target;
}

/** Swift's `_build_replica_plan`: target plus its floor and ceiling per tier. */
export function buildReplicaPlan(tree: TierTree, state: BuilderState): ReplicaPlan {
  const target = targetReplicasByTier(tree, state);
  const min = new Int32Array(tree.nodeCount);
  const max = new Int32Array(tree.nodeCount);
  for (let t = 0; t < tree.nodeCount; t++) {
    min[t] = Math.floor(target[t] + EPSILON);
    max[t] = Math.ceil(target[t] - EPSILON);
  }
  return { min, max, target };
}

/**
 * Partition-replicas each tier should end up with: the integer split of
 * `int(replicas * parts)` down the tree by target (Swift's `place_parts`:
 * floors first, leftovers one by one to the smallest targets).
 */
export function partsByTier(tree: TierTree, plan: ReplicaPlan, state: BuilderState): Int32Array {
  const out = new Int32Array(tree.nodeCount);
  const place = (tier: number, parts: number): void => {
    out[tier] = parts;
    const subs = tree.children[tier];
    if (subs.length === 0) return;
    const toPlace = new Map<number, number>();
    for (const t of subs) {
      const n = Math.min(parts, Math.floor(plan.target[t] * state.parts));
      toPlace.set(t, n);
      parts -= n;
    }
    if (parts > 0) {
      const bySmallest = [...subs].sort((a, b) => plan.target[a] - plan.target[b]);
      for (let i = 0; parts > 0; i = (i + 1) % bySmallest.length, parts--) {
        const t = bySmallest[i];
        toPlace.set(t, toPlace.get(t)! + 1);
      }
    }
    for (const t of subs) place(t, toPlace.get(t)!);
  };
  place(0, Math.floor(state.replicas * state.parts));
  return out;
}
