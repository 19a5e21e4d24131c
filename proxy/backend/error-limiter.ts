/**
 * Error limiting: a node that errors more than `error_suppression_limit`
 * times within `error_suppression_interval` seconds is skipped until the
 * interval passes since its last error, so one sick disk doesn't slow every
 * request.
 */
import type { RingNode } from '../../ring/index.js';

export function nodeKey(node: { ip: string; port: number; device: string }): string {
  return `${node.ip}:${node.port}/${node.device}`;
}

export class ErrorLimiter {
  private readonly stats = new Map<string, { errors: number; last: number }>();

  constructor(
    private readonly limit: number,
    private readonly intervalSeconds: number,
    private readonly now: () => number = Date.now,
    /** Told of each error counted (the proxy's backend error metric). */
    private readonly onError?: (key: string) => void,
  ) {}

  /** The nodes (`ip:port/device`) skipped now. */
  limitedNodes(): string[] {
    const now = this.now();
    const out: string[] = [];
    for (const [k, s] of this.stats) if (s.errors > this.limit && now - s.last <= this.intervalSeconds * 1000) out.push(k);
    return out;
  }

  isLimited(node: RingNode): boolean {
    const s = this.stats.get(nodeKey(node));
    if (!s) return false;
    if (this.now() - s.last > this.intervalSeconds * 1000) {
      this.stats.delete(nodeKey(node));
      return false;
    }
    return s.errors > this.limit;
  }

  /** Counts one error (a timeout, a refused connection, a 5xx). */
  error(node: RingNode): void {
    const k = nodeKey(node);
    const s = this.stats.get(k) ?? { errors: 0, last: 0 };
    s.errors++;
    s.last = this.now();
    this.stats.set(k, s);
    this.onError?.(k);
  }

  /** Limits the node at once (Swift does this for 507 Insufficient Storage). */
  limitNow(node: RingNode): void {
    const k = nodeKey(node);
    this.stats.set(k, { errors: this.limit + 1, last: this.now() });
    this.onError?.(k);
  }
}
