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
const MAX_BALANCE_PASSES = 12;

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
  let relay = false;
  let relayDepth = DEPTH_ZONE;
  const nearOver = new Uint8Array(tree.nodeCount);
  const markNearOver = (): void => {
    nearOver.fill(0);
    for (const dev of devs) {
      if (!dev || !placer.isOver(dev.id)) continue;
      for (let t = 0; t < relayDepth; t++) nearOver[tree.devPath[dev.id * TIERS_PER_DEV + t]] = 1;
    }
  };
  const relayFrom = (d: number): boolean =>
    placer.wanted[d] === 0 && !placer.drain[d] && (relayDepth === 0 || nearOver[tree.devPath[d * TIERS_PER_DEV + relayDepth - 1]] === 1);
  for (let pass = 0; pass < MAX_BALANCE_PASSES && placer.overweight > 0; pass++) {
    const start =
      (state.lastPartGatherStart + Math.floor(parts / 4) + rng.below(Math.floor(parts / 2) + 1)) % parts;
    state.lastPartGatherStart = start;
    let movedAny = false;
    let relays = 0;
    for (let off = 0; off < parts && placer.overweight > 0 && (!relay || relays < placer.overweight); off++) {
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
        movedAny = true;
        if (relay) relays++;
        break;
      }
      placer.unloadPart(p);
    }
    if (!movedAny && relay) {
      if (relayDepth === 0) break;
      relayDepth--;
    } else if (!movedAny) {
      relay = true;
      relayDepth = DEPTH_ZONE;
    } else {
      relay = false;
    }
    if (relay) markNearOver();
  }

}
