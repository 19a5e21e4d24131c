/**
 * Balance: how far each device's partition count is from its share by
 * weight, in percent (Swift's `_build_balance_per_dev` / `get_balance`).
 */
import { MAX_BALANCE, type BuilderState } from './builder-state.js';
import { weightOfOnePart } from './replica-plan.js';

/** Balance per dev id (missing for removed devices). */
export function balancePerDev(state: BuilderState): Map<number, number> {
  const wop = weightOfOnePart(state);
  const out = new Map<number, number>();
  for (const dev of state.devs) {
    if (!dev) continue;
    if (!dev.weight) out.set(dev.id, dev.parts ? MAX_BALANCE : 0);
    else out.set(dev.id, (100 * dev.parts) / (dev.weight * wop) - 100);
  }
  return out;
}

/** The worst absolute balance over all devices. */
export function getBalance(state: BuilderState): number {
  let worst = 0;
  for (const b of balancePerDev(state).values()) if (Math.abs(b) > worst) worst = Math.abs(b);
  return worst;
}
