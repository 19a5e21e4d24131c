/**
 * The balance passes of a rebalance: move replicas off overweight devices
 * to devices with room, one replica per partition and only partitions that
 * may move (min_part_hours), until every device is at its target or no move
 * helps.
 */
import { NONE_DEV, type BuilderState } from './builder-state.js';
import type { PartPlacer } from './placement.js';
import type { Prng } from './prng.js';
import { DEPTH_ZONE, TIERS_PER_DEV, type TierTree } from './tier-tree.js';

/** Passes over the partitions looking for replicas to move off overweight devices. */
const MAX_BALANCE_PASSES = 24;

export interface ShedContext {
  state: BuilderState;
  tree: TierTree;
  placer: PartPlacer;
  rng: Prng;
  /** Whether min_part_hours and this rebalance's earlier moves let the partition move. */
  canMove: (part: number) => boolean;
  /** Partitions moved in this rebalance. */
  moved: Uint8Array;
  /** Per replica, slots first assigned in this rebalance (free to re-place); null when none. */
  fresh: Uint8Array[] | null;
}

export function shedOverweight(ctx: ShedContext): void {
  const { state, tree, placer, rng, canMove, moved, fresh } = ctx;
  const { parts, devs } = state;
  const r2p2d = placer.r2p2d;
  const lastMoves = state.lastPartMoves;
  const cand = new Int32Array(r2p2d.length);
  // When no overweight device can reach the room left, a relay pass moves
  // replicas from devices exactly at target into that room, opening room
  // next to the overweight devices (same zone first, then same region, then
  // anywhere) for the next pass.
  let relayDepth = DEPTH_ZONE;
  const nearOver = new Uint8Array(tree.nodeCount);
  const markNearOver = (): void => {
    nearOver.fill(0);
    for (const dev of devs) {
      if (!dev || !placer.isOver(dev.id)) continue;
      for (let t = 0; t < relayDepth; t++) nearOver[tree.devPath[dev.id * TIERS_PER_DEV + t]] = 1;
    }
  };
  // Devices not overweight next to the overweight ones pass replicas on into
  // the room (a device may keep doing so while it has less room than the
  // overweight devices need to shed).
  let relayLimit = 0;
  const relayFrom = (d: number): boolean =>
    !placer.drain[d] && placer.wanted[d] >= 0 && placer.wanted[d] < relayLimit &&
    (relayDepth === 0 || nearOver[tree.devPath[d * TIERS_PER_DEV + relayDepth - 1]] === 1);
  /** One pass over the partitions from a random start; returns the replicas moved. */
  const scan = (relay: boolean, budget: number): number => {
    const start =
      (state.lastPartGatherStart + Math.floor(parts / 4) + rng.below(Math.floor(parts / 2) + 1)) % parts;
    state.lastPartGatherStart = start;
    let moves = 0;
    for (let off = 0; off < parts && placer.overweight > 0 && moves < budget; off++) {
      const p = start + off < parts ? start + off : start + off - parts;
      const movable = canMove(p);
      // Replicas that may move, most overweight device first: on overweight
      // devices, or in a relay pass on devices exactly at target.
      let nCand = 0;
      for (let r = 0; r < r2p2d.length; r++) {
        const p2d = r2p2d[r];
        if (p >= p2d.length) continue;
        const d = p2d[p];
        if (d === NONE_DEV) continue;
        if (relay ? !relayFrom(d) : !placer.isOver(d)) continue;
        if (!movable && !(fresh && fresh[r][p])) continue;
        let i = nCand++;
        while (i > 0 && placer.overness(r2p2d[cand[i - 1]][p]) < placer.overness(d)) {
          cand[i] = cand[i - 1];
          i--;
        }
        cand[i] = r;
      }
      if (nCand === 0) continue;
      placer.loadPart(p);
      for (let i = 0; i < nCand; i++) {
        const r = cand[i];
        const from = placer.unassign(p, r);
        const to = placer.findHome(placer.keepWithin(from));
        if (to < 0 || to === from) {
          placer.assign(p, r, from);
          continue;
        }
        placer.assign(p, r, to);
        if (!(fresh && fresh[r][p])) moved[p] = 1;
        lastMoves[p] = 0;
        moves++;
        break;
      }
      placer.unloadPart(p);
    }
    return moves;
  };

  let idleCycles = 0;
  for (let pass = 0; pass < MAX_BALANCE_PASSES && placer.overweight > 0; pass++) {
    const excessBefore = placer.excess();
    if (scan(false, Infinity) > 0) continue;
    let relayed = 0;
    relayLimit = excessBefore;
    for (relayDepth = DEPTH_ZONE; relayDepth >= 0 && relayed < excessBefore; relayDepth--) {
      markNearOver();
      relayed += scan(true, excessBefore - relayed);
    }
    if (relayed === 0) break;
    // Relays that opened no way through twice running: stop moving data.
    if (scan(false, Infinity) === 0 && ++idleCycles >= 2) break;
  }
}
