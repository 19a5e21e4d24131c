/**
 * A bounded cache of open brokers by DB path: hot DBs keep their connection
 * and prepared statements, the least recently used one is closed when the
 * cache is full. A closed broker reopens itself on next use, so eviction
 * never breaks a request that still holds it.
 */
import type { DatabaseBroker } from './database-broker.js';

export class BrokerCache<B extends DatabaseBroker> {
  private readonly entries = new Map<string, B>();

  constructor(private readonly maxOpen = 256) {}

  get(path: string, create: () => B): B {
    let broker = this.entries.get(path);
    if (broker) {
      this.entries.delete(path);
    } else {
      broker = create();
      while (this.entries.size >= this.maxOpen) {
        const [oldestPath, oldest] = this.entries.entries().next().value as [string, B];
        this.entries.delete(oldestPath);
        oldest.close();
      }
    }
    this.entries.set(path, broker);
    return broker;
  }

  /** Closes and forgets the broker of `path` (its file is about to be replaced). */
  evict(path: string): void {
    this.entries.get(path)?.close();
    this.entries.delete(path);
  }

  get size(): number {
    return this.entries.size;
  }

  closeAll(): void {
    for (const b of this.entries.values()) b.close();
    this.entries.clear();
  }
}
