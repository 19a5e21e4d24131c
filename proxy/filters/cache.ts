/**
 * cache (Swift's `memcache` filter): puts a Cache in every request's env —
 * memcached when `memcache_servers` is set, else an in-process TTL cache.
 */
import type { Cache, FilterFactory } from '../types.js';
import { MemoryCache } from '../cache/memory-cache.js';
import { MemcacheClient } from '../cache/memcache-client.js';
import { IpcCache } from '../cache/ipc-cache.js';
import cluster from 'node:cluster';
import { listFromCsv } from '../../common/index.js';

export function cacheFromConf(conf: Record<string, string>, now: () => number): Cache {
  const servers = listFromCsv(conf.memcache_servers);
  if (servers.length > 0) return new MemcacheClient(servers, { timeoutMs: 1000 * Number(conf.io_timeout ?? 2) });
  // Workers of one proxy share the primary's cache, so tokens work across them.
  if (cluster.isWorker && process.send) return new IpcCache();
  return new MemoryCache(now, Number(conf.memcache_max_entries ?? 100_000));
}

export const cache: FilterFactory = (conf, ctx) => {
  const instance = cacheFromConf(conf, ctx.now);
  return (next) => (req) => {
    req.env.cache = instance;
    return next(req);
  };
};
