/** An in-process TTL cache with memcache's get/set/delete/incr shape. */
import type { Cache } from '../types.js';

export class MemoryCache implements Cache {
  private readonly map = new Map<string, { value: unknown; expires: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {}

  async get(key: string): Promise<unknown | undefined> {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires && e.expires <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }

  async set(key: string, value: unknown, ttlSeconds = 0): Promise<void> {
    this.store(key, value, ttlSeconds);
  }

  private store(key: string, value: unknown, ttlSeconds: number): void {
    if (this.map.size >= this.maxEntries && !this.map.has(key)) {
      // Evict the oldest insertion: Map keeps insertion order.
      const first = this.map.keys().next();
      if (!first.done) this.map.delete(first.value);
    }
    this.map.delete(key);
    this.map.set(key, { value, expires: ttlSeconds > 0 ? this.now() + ttlSeconds * 1000 : 0 });
  }

  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }

  async incr(key: string, delta: number, ttlSeconds = 0): Promise<number> {
    // Read and write with no await between: two incrs never see the same value.
    const e = this.map.get(key);
    const live = e && !(e.expires && e.expires <= this.now());
    const value = Math.max(0, (live ? Number(e.value) || 0 : 0) + Math.trunc(delta));
    if (live) e.value = value;
    else this.store(key, value, ttlSeconds);
    return value;
  }
}
