/**
 * Swift's `ratelimit_sleep`: callers ask for `units` (files, bytes) and are
 * delayed so the long-run rate stays under `perSecond`. 0 means unlimited.
 * The allowance never banks more than `burst` seconds of idle time.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class RateLimiter {
  private next = 0;

  constructor(private readonly perSecond: number, private readonly burst = 1) {}

  /** Waits until `units` more may go; resolves at once when the signal aborts. */
  async take(units = 1, signal?: AbortSignal): Promise<void> {
    if (this.perSecond <= 0 || units <= 0) return;
    const now = Date.now();
    if (this.next < now - this.burst * 1000) this.next = now - this.burst * 1000;
    const wait = this.next - now;
    this.next += (units / this.perSecond) * 1000;
    if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
  }
}
