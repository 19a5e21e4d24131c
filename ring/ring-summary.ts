/**
 * What a ring file says about its devices, as `swift-ring-builder <file>`
 * prints it from a builder: each device's partition count and balance, the
 * ring's worst balance and its dispersion. Read from the `.ring.gz` alone
 * (the builder file lives on the operator's machine), for recon.
 */
import { balancePerDev, getBalance } from './balance.js';
import { newBuilderState, NONE_DEV, type BuilderDevice } from './builder-state.js';
import { buildDispersionGraph } from './dispersion.js';
import type { RingData, RingDevice } from './types.js';

export interface RingSummary {
  part_power: number;
  replicas: number;
  /** The worst device's balance, percent (Swift's get_balance). */
  balance: number;
  /** Percent of part-replicas placed worse than their tiers allow (Swift's dispersion). */
  dispersion: number;
  devices: (RingDevice & { parts: number; balance: number })[];
}

export function ringSummary(data: RingData): RingSummary {
  const partPower = 32 - data.partShift;
  const parts = 2 ** partPower;
  const r2p2d = data.replica2part2dev;
  // A fractional replica count shows as a shorter last array.
  const replicas = r2p2d.reduce((sum, p2d) => sum + p2d.length / parts, 0);
  const state = newBuilderState(partPower, replicas, 0);
  state.devs = data.devs.map((d): BuilderDevice | null => (d ? { ...d, parts: 0 } : null));
  for (const p2d of r2p2d) {
    for (const dev of p2d) if (dev !== NONE_DEV && state.devs[dev]) state.devs[dev]!.parts++;
  }
  state.replica2part2dev = r2p2d;
  const live = state.devs.filter((d): d is BuilderDevice => d !== null);
  const weighted = live.some((d) => d.weight > 0);
  const balances = weighted ? balancePerDev(state) : new Map<number, number>();
  return {
    part_power: partPower,
    replicas: Math.round(replicas * 1e6) / 1e6,
    balance: weighted ? getBalance(state) : 0,
    dispersion: live.length ? buildDispersionGraph(state).dispersion : 0,
    devices: live.map((d) => ({ ...d, balance: balances.get(d.id) ?? 0 })),
  };
}
