/**
 * Rebalance: give every device its share of partition-replicas by weight,
 * keep each partition's replicas as far apart as the replica plan allows,
 * and move as little as possible — nothing that moved within
 * `min_part_hours`, at most one replica of a partition per rebalance
 * (replicas on removed devices excepted).
 *
 * Steps: size the replica arrays for the replica count; empty removed
 * devices; pick up replicas that break the plan's dispersion; place
 * everything picked up; then move replicas off overweight devices, one
 * per partition, to devices with room, for a few passes.
 */
import { RingError } from '../common/core.js';
import { NONE_DEV, type BuilderState } from './builder-state.js';
import { buildDispersionGraph } from './dispersion.js';
import { PartPlacer } from './placement.js';
import { createPrng, type Prng } from './prng.js';
import { buildReplicaPlan, partsByTier } from './replica-plan.js';
import { buildTierTree, TIERS_PER_DEV } from './tier-tree.js';
import { shedOverweight } from './shed.js';
import { getBalance } from './balance.js';

export interface RebalanceOptions {
  seed?: number | string;
  /** Unix seconds; defaults to the clock (tests inject one). */
  now?: number;
}

export interface RebalanceResult {
  /** Part-replicas whose device changed (Swift's `changed_parts`). */
  changedParts: number;
  balance: number;
  removedDevs: number;
}

/** Python's `str(float)` for the messages Swift prints. */
export function pyFloat(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

/** Ages `lastPartMoves` by the whole hours since the last rebalance. */
export function updateLastPartMoves(state: BuilderState, now: number): void {
  const elapsedHours = Math.floor(Math.trunc(now - state.lastPartMovesEpoch) / 3600);
  if (elapsedHours <= 0) return;
  const moves = state.lastPartMoves;
  for (let p = 0; p < moves.length; p++) {
    const v = moves[p] + elapsedHours;
    moves[p] = v < 0xff ? v : 0xff;
  }
  state.lastPartMovesEpoch = Math.trunc(now);
}

/** Grows or shrinks the replica arrays to the replica count; returns new slots' partitions per replica. */
function resizeReplicas(state: BuilderState): { replica: number; from: number; to: number }[] {
  const whole = Math.floor(state.replicas);
  const frac = state.replicas - whole;
  const lengths: number[] = new Array(whole).fill(state.parts);
  if (frac > 0) lengths.push(Math.floor(state.parts * frac));
  const old = state.replica2part2dev ?? [];
  const next: Uint16Array[] = [];
  const fresh: { replica: number; from: number; to: number }[] = [];
  lengths.forEach((len, r) => {
    const prev = old[r];
    if (!prev) {
      next.push(new Uint16Array(len).fill(NONE_DEV));
      fresh.push({ replica: r, from: 0, to: len });
    } else if (prev.length < len) {
      const grown = new Uint16Array(len).fill(NONE_DEV);
      grown.set(prev);
      next.push(grown);
      fresh.push({ replica: r, from: prev.length, to: len });
    } else {
      next.push(prev.length > len ? prev.slice(0, len) : prev);
    }
  });
  state.replica2part2dev = next;
  return fresh;
}

function shuffle(list: Int32Array, rng: Prng): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = list[i];
    list[i] = list[j];
    list[j] = t;
  }
}

/** Rebalances `state` in place. */
export function rebalance(state: BuilderState, options: RebalanceOptions = {}): RebalanceResult {
  let weighted = 0;
  for (const dev of state.devs) if (dev && dev.weight > 0) weighted++;
  if (weighted < state.replicas) {
    throw new RingError(
      'ERR_RING_BUILDER',
      `Replica count of ${pyFloat(state.replicas)} requires more than ${weighted} devices`,
    );
  }
  const now = options.now ?? Date.now() / 1000;
  const rng = createPrng(options.seed);
  const old = (state.replica2part2dev ?? []).map((p2d) => p2d.slice());
  updateLastPartMoves(state, now);
  const { parts } = state;
  const moved = new Uint8Array(parts);
  const lastMoves = state.lastPartMoves;
  const mph = state.minPartHours;
  const canMove = (p: number): boolean => lastMoves[p] >= mph && !moved[p];

  // New slots from a replica-count change: placed freely, re-placeable this run.
  const freshRanges = resizeReplicas(state);
  const r2p2d = state.replica2part2dev!;
  const queued = new Uint8Array(parts);
  const queue: number[] = [];
  const enqueue = (p: number): void => {
    if (!queued[p]) {
      queued[p] = 1;
      queue.push(p);
    }
  };
  let fresh: Uint8Array[] | null = null;
  if (freshRanges.length) {
    fresh = r2p2d.map((p2d) => new Uint8Array(p2d.length));
    for (const { replica, from, to } of freshRanges) {
      fresh[replica].fill(1, from, to);
      for (let p = from; p < to; p++) enqueue(p);
    }
  }

  // Removed devices give up everything, whatever min_part_hours says.
  let removedDevs = 0;
  for (const id of state.removeDevs) {
    if (state.devs[id]) removedDevs++;
    state.devs[id] = null;
  }
  state.removeDevs = [];
  const devs = state.devs;
  for (const p2d of r2p2d) {
    for (let p = 0; p < p2d.length; p++) {
      const d = p2d[p];
      if (d !== NONE_DEV && !devs[d]) {
        p2d[p] = NONE_DEV;
        moved[p] = 1;
        enqueue(p);
      }
    }
  }

  const tree = buildTierTree(devs);
  const plan = buildReplicaPlan(tree, state);
  const targets = partsByTier(tree, plan, state);
  const placer = new PartPlacer(state, tree, plan, targets, rng);
  const devNode = (d: number): number => tree.devPath[d * TIERS_PER_DEV + 3];

  // Replicas closer together than the plan allows (or doubled on a device).
  if (old.length) {
    for (let p = 0; p < parts; p++) {
      placer.loadPart(p);
      let best = -1;
      if (canMove(p)) {
        for (let r = 0; r < r2p2d.length; r++) {
          if (p >= r2p2d[r].length) continue;
          const d = r2p2d[r][p];
          if (d === NONE_DEV || !placer.undispersed(d)) continue;
          if (best < 0 || placer.overness(d) > placer.overness(r2p2d[best][p])) best = r;
        }
      }
      if (best >= 0) {
        placer.unassign(p, best);
        moved[p] = 1;
        enqueue(p);
      }
      for (let r = 0; r < r2p2d.length; r++) {
        if (p >= r2p2d[r].length) continue;
        const d = r2p2d[r][p];
        if (d !== NONE_DEV && placer.cnt[devNode(d)] > 1) {
          placer.unassign(p, r);
          moved[p] = 1;
          enqueue(p);
        }
      }
      placer.unloadPart(p);
    }
  }

  // Place what was picked up, in random order.
  const order = Int32Array.from(queue);
  shuffle(order, rng);
  for (const p of order) {
    placer.loadPart(p);
    for (let r = 0; r < r2p2d.length; r++) {
      if (p >= r2p2d[r].length || r2p2d[r][p] !== NONE_DEV) continue;
      let d = placer.findHome(0);
      if (d < 0) d = placer.fallbackHome();
      placer.assign(p, r, d);
    }
    placer.unloadPart(p);
    lastMoves[p] = 0;
  }

  shedOverweight({ state, tree, placer, rng, canMove, moved, fresh });

  for (const dev of devs) if (dev) dev.parts = placer.parts[dev.id];
  state.devsChanged = false;

  let changedParts = 0;
  r2p2d.forEach((p2d, r) => {
    const before = old[r];
    for (let p = 0; p < p2d.length; p++) if (!before || p >= before.length || before[p] !== p2d[p]) changedParts++;
  });
  state.dispersion = buildDispersionGraph(state, tree).dispersion;
  state.version++;
  return { changedParts, balance: getBalance(state), removedDevs };
}
