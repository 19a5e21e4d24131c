/**
 * A cache shared by the workers of one proxy (node:cluster): the primary
 * holds a MemoryCache and answers get/set/delete/incr sent over IPC, so a
 * tempauth token issued by one worker is known to all — what memcached does
 * for Swift, without needing memcached on one machine.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Cache } from '../types.js';
import { MemoryCache } from './memory-cache.js';

interface CacheMessage {
  swiftlyCache: true;
  id: number;
  op: 'get' | 'set' | 'delete' | 'incr';
  key: string;
  value?: unknown;
  ttl?: number;
}

interface CacheReply {
  swiftlyCacheReply: true;
  id: number;
  value?: unknown;
}

/** In the primary: serve the workers' cache requests. */
export function serveIpcCache(now: () => number = Date.now): void {
  const store = new MemoryCache(now);
  cluster.on('message', (worker: Worker, msg: CacheMessage) => {
    if (!msg || msg.swiftlyCache !== true) return;
    const reply = (value?: unknown) => {
      if (worker.isConnected()) worker.send({ swiftlyCacheReply: true, id: msg.id, value } satisfies CacheReply);
    };
    const op =
      msg.op === 'get' ? store.get(msg.key)
      : msg.op === 'set' ? store.set(msg.key, msg.value, msg.ttl)
      : msg.op === 'delete' ? store.delete(msg.key)
      : store.incr(msg.key, Number(msg.value), msg.ttl);
    void op.then(reply, () => reply(undefined));
  });
}

/** In a worker: a Cache whose entries live in the primary. */
export class IpcCache implements Cache {
  private nextId = 1;
  private readonly pending = new Map<number, (v: unknown) => void>();

  constructor(private readonly timeoutMs = 1000) {
    process.on('message', (msg: CacheReply) => {
      if (!msg || msg.swiftlyCacheReply !== true) return;
      const resolve = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      resolve?.(msg.value);
    });
  }

  private send(op: CacheMessage['op'], key: string, value?: unknown, ttl?: number): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, this.timeoutMs);
      this.pending.set(id, (v) => {
        clearTimeout(timer);
        resolve(v);
      });
      process.send!({ swiftlyCache: true, id, op, key, value, ttl } satisfies CacheMessage);
    });
  }

  async get(key: string): Promise<unknown | undefined> {
    return (await this.send('get', key)) ?? undefined;
  }

  async set(key: string, value: unknown, ttlSeconds = 0): Promise<void> {
    await this.send('set', key, value, ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    await this.send('delete', key);
  }

  async incr(key: string, delta: number, ttlSeconds = 0): Promise<number> {
    const value = await this.send('incr', key, delta, ttlSeconds);
    if (typeof value !== 'number') throw new Error('ipc cache: no answer to incr');
    return value;
  }
}
