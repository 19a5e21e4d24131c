/**
 * What a ring builder holds between runs: Swift's builder attributes, with
 * the per-partition data in typed arrays. `RingBuilder` wraps this state;
 * rebalance, dispersion and the builder file work on it directly.
 */
import type { RingDevice } from './types.js';

/** Dev id meaning "this replica of this partition is not assigned". */
export const NONE_DEV = 0xffff;
/** The balance shown for a zero-weight device that still holds partitions. */
export const MAX_BALANCE = 999.99;

/** A device as the builder keeps it: the ring device plus its part count. */
export interface BuilderDevice extends RingDevice {
  /** Partition-replicas currently assigned to the device. */
  parts: number;
}

export interface BuilderState {
  partPower: number;
  /** Swift's `next_part_power`; kept so files written by a later tool survive. */
  nextPartPower: number | null;
  /** May be fractional (2.5 → the last replica covers half the partitions). */
  replicas: number;
  minPartHours: number;
  /** 2 ** partPower. */
  parts: number;
  /** Indexed by id; `null` where a device was removed. */
  devs: (BuilderDevice | null)[];
  devsChanged: boolean;
  version: number;
  overload: number;
  /** Assigned on first save, as Swift does. */
  id: string | null;
  /** One array per replica, partition → dev id; `null` before the first rebalance. */
  replica2part2dev: Uint16Array[] | null;
  /** Hours since each partition last moved, saturating at 255 (Swift's `_last_part_moves`). */
  lastPartMoves: Uint8Array;
  /** Unix seconds the `lastPartMoves` offsets are based on. */
  lastPartMovesEpoch: number;
  lastPartGatherStart: number;
  /** Ids of devices marked for removal at the next rebalance. */
  removeDevs: number[];
  /** Percentage of part-replicas placed worse than the tiers allow; `null` when never computed. */
  dispersion: number | null;
}

/** A fresh state, as `swift-ring-builder create` makes. */
export function newBuilderState(partPower: number, replicas: number, minPartHours: number): BuilderState {
  const parts = 2 ** partPower;
  return {
    partPower,
    nextPartPower: null,
    replicas,
    minPartHours,
    parts,
    devs: [],
    devsChanged: false,
    version: 0,
    overload: 0,
    id: null,
    replica2part2dev: null,
    lastPartMoves: new Uint8Array(parts),
    lastPartMovesEpoch: 0,
    lastPartGatherStart: 0,
    removeDevs: [],
    dispersion: 0,
  };
}

/** The non-null devices, in id order. */
export function liveDevs(state: BuilderState): BuilderDevice[] {
  const out: BuilderDevice[] = [];
  for (const dev of state.devs) if (dev) out.push(dev);
  return out;
}

/** How many replicas partition `part` has (fewer than ceil(replicas) with a fractional count). */
export function replicasOfPart(r2p2d: Uint16Array[], part: number): number {
  let n = 0;
  for (const p2d of r2p2d) if (part < p2d.length) n++;
  return n;
}
