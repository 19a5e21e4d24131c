/**
 * ratelimit: Swift's rate limiting of writes, shared by every proxy worker
 * and proxy that share the cache (memcached; else the IPC cache of one
 * proxy's workers). Each limited key counts, in the cache, the time its
 * next request may go (`incr` by the time one request takes); a request
 * sleeps until its turn, or gets 498 "Slow down" when that is more than
 * `max_sleep_time_seconds` away. Limited: container PUT/DELETE per account
 * (`account_ratelimit`), object writes per container and container GETs
 * (`container_ratelimit_<size>` / `container_listing_ratelimit_<size>`,
 * interpolated between the sizes given), all writes of an account whose
 * `X-Account-Sysmeta-Global-Write-Ratelimit` is a rate. Accounts listed in
 * `account_blacklist` or marked BLACKLIST get 497 after a second; those in
 * `account_whitelist` or marked WHITELIST are never limited.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cache, FilterFactory, PipelineContext, SwiftRequest, SwiftResponse } from '../types.js';
import { ConfigError, DEFAULT_CONSTRAINTS, getFloat, getInt, listFromCsv, type Section } from '../../common/index.js';
import { makeResponse } from '../response.js';
import { parseRequestPath } from '../request-path.js';

/** Swift's BLACK_LIST_SLEEP: a blacklisted account waits this long for its 497. */
const BLACKLIST_SLEEP_MS = 1000;
const WRITES = new Set(['PUT', 'DELETE', 'POST', 'COPY']);

/** Rates by container size: `[size, rate]` pairs from the `<prefix><size> = <rate>` options, by size. */
export function confLimits(conf: Section, prefix: string): [size: number, rate: number][] {
  const limits: [number, number][] = [];
  for (const [key, value] of Object.entries(conf)) {
    if (!key.startsWith(prefix)) continue;
    const size = Number(key.slice(prefix.length));
    const rate = Number(value);
    if (!/^\d+$/.test(key.slice(prefix.length)) || !Number.isFinite(rate) || String(value).trim() === '') {
      throw new ConfigError(`[filter:ratelimit] ${key} = ${value}: wants ${prefix}<container size> = <requests a second>`);
    }
    limits.push([size, rate]);
  }
  return limits.sort((a, b) => a[0] - b[0]);
}

/**
 * The rate for a container of `size` objects: none below the smallest size
 * given, the last rate from the largest, and on the line between the two
 * sizes around it otherwise (Swift's `get_maxrate`).
 */
export function maxRate(limits: readonly [number, number][], size: number): number | undefined {
  if (!size) return undefined;
  let i = -1;
  while (i + 1 < limits.length && size >= limits[i + 1][0]) i++;
  if (i < 0) return undefined;
  const [curSize, curRate] = limits[i];
  if (i + 1 === limits.length) return curRate;
  const [nextSize, nextRate] = limits[i + 1];
  return (size - curSize) * ((nextRate - curRate) / (nextSize - curSize)) + curRate;
}

class MaxSleepTimeHit extends Error {}

interface RatelimitConf {
  accountRatelimit: number;
  maxSleepTimeSeconds: number;
  logSleepTimeSeconds: number;
  clockAccuracy: number;
  rateBufferSeconds: number;
  whitelist: Set<string>;
  blacklist: Set<string>;
  containerLimits: [number, number][];
  listingLimits: [number, number][];
}

function readConf(conf: Section): RatelimitConf {
  return {
    accountRatelimit: getFloat(conf, 'account_ratelimit', 0),
    maxSleepTimeSeconds: getFloat(conf, 'max_sleep_time_seconds', 60),
    logSleepTimeSeconds: getFloat(conf, 'log_sleep_time_seconds', 0),
    clockAccuracy: getInt(conf, 'clock_accuracy', 1000, 1),
    rateBufferSeconds: getInt(conf, 'rate_buffer_seconds', 5),
    whitelist: new Set(listFromCsv(conf.account_whitelist)),
    blacklist: new Set(listFromCsv(conf.account_blacklist)),
    containerLimits: confLimits(conf, 'container_ratelimit_'),
    listingLimits: confLimits(conf, 'container_listing_ratelimit_'),
  };
}

/** Seconds the request counted under `key` must wait at `rate` a second (Swift's `_get_sleep_time`). */
async function sleepTime(c: RatelimitConf, cache: Cache, now: number, key: string, rate: number): Promise<number> {
  const nowM = Math.round((now / 1000) * c.clockAccuracy);
  const perRequestM = Math.round(c.clockAccuracy / rate);
  let needM = 0;
  try {
    const runningM = await cache.incr(key, perRequestM);
    if (nowM - runningM > c.rateBufferSeconds * c.clockAccuracy) {
      // Idle long enough: start counting again from now.
      await cache.set(key, nowM + perRequestM);
    } else {
      needM = Math.max(runningM - nowM - perRequestM, 0);
    }
  } catch {
    return 0; // no cache, no limit: as Swift on a memcache error
  }
  if (c.maxSleepTimeSeconds * c.clockAccuracy - needM <= c.clockAccuracy * 0.01) {
    // This request won't go: give its turn back.
    await cache.incr(key, -perRequestM).catch(() => undefined);
    throw new MaxSleepTimeHit(`Max Sleep Time Exceeded: ${(needM / c.clockAccuracy).toFixed(2)}`);
  }
  return needM / c.clockAccuracy;
}

interface Target {
  account: string;
  container?: string;
  object?: string;
}

/** The cache keys that limit this request, with their rates, in the order they are checked. */
async function limitedKeys(c: RatelimitConf, ctx: PipelineContext, req: SwiftRequest, t: Target, globalRate?: string): Promise<[string, number][]> {
  const keys: [string, number][] = [];
  const { account, container, object } = t;
  const containerSize = async () => (await ctx.infoSource!.container(req, account, container!)).objectCount;
  if (c.accountRatelimit && container && !object && (req.method === 'PUT' || req.method === 'DELETE')) {
    keys.push([`ratelimit/${account}`, c.accountRatelimit]);
  }
  if (container && object && WRITES.has(req.method)) {
    const rate = maxRate(c.containerLimits, c.containerLimits.length ? await containerSize() : 0);
    if (rate) keys.push([`ratelimit/${account}/${container}`, rate]);
  }
  if (container && !object && req.method === 'GET') {
    const rate = maxRate(c.listingLimits, c.listingLimits.length ? await containerSize() : 0);
    if (rate) keys.push([`ratelimit_listing/${account}/${container}`, rate]);
  }
  if (WRITES.has(req.method) && globalRate) {
    const rate = Number(globalRate);
    if (globalRate.trim() !== '' && rate > 0) keys.push([`ratelimit/global-write/${account}`, rate]);
  }
  return keys;
}

export const ratelimit: FilterFactory = (conf, ctx) => {
  const c = readConf(conf);
  for (const option of ['account_whitelist', 'account_blacklist'] as const) {
    if (listFromCsv(conf[option]).length) {
      ctx.logger.warn(
        `Option ${option} is deprecated. Use an internal client to POST a \`X-Account-Sysmeta-Global-Write-Ratelimit: ` +
          `${option === 'account_whitelist' ? 'WHITELIST' : 'BLACKLIST'}\` header to the specific accounts instead.`,
      );
    }
  }
  ctx.registerInfo('ratelimit', {
    account_ratelimit: c.accountRatelimit,
    max_sleep_time_seconds: c.maxSleepTimeSeconds,
    container_ratelimits: c.containerLimits,
    container_listing_ratelimits: c.listingLimits,
  });
  let warnedNoCache = false;

  const limit = async (req: SwiftRequest, cache: Cache, t: Target): Promise<SwiftResponse | undefined> => {
    if (!ctx.infoSource) throw new Error('ratelimit needs the proxy app at the end of the pipeline');
    const globalRate = (await ctx.infoSource.account(req, t.account)).sysmeta?.['global-write-ratelimit'];
    if (c.whitelist.has(t.account) || globalRate === 'WHITELIST') return undefined;
    if (c.blacklist.has(t.account) || globalRate === 'BLACKLIST') {
      ctx.logger.error({ account: t.account }, 'Returning 497 because of blacklisting');
      await sleep(BLACKLIST_SLEEP_MS);
      return makeResponse(497, 'Your account has been blacklisted');
    }
    for (const [key, rate] of await limitedKeys(c, ctx, req, t, globalRate)) {
      let wait: number;
      try {
        wait = await sleepTime(c, cache, ctx.now(), key, rate);
      } catch (err) {
        if (!(err instanceof MaxSleepTimeHit)) throw err;
        const path = [t.account, t.container, t.object].filter((x) => x !== undefined).join('/');
        ctx.logger.error({ method: req.method, path }, `Returning 498 for ${req.method} to ${path}. Ratelimit (Max Sleep) ${err.message}`);
        return makeResponse(498, 'Slow down');
      }
      if (c.logSleepTimeSeconds && wait > c.logSleepTimeSeconds) {
        ctx.logger.warn({ sleep: wait, account: t.account, container: t.container, object: t.object }, 'Ratelimit sleep log');
      }
      if (wait > 0) await sleep(wait * 1000);
    }
    return undefined;
  };

  return (next) => async (req) => {
    const cache = req.env.cache;
    if (!cache) {
      if (!warnedNoCache) ctx.logger.warn('Warning: Cannot ratelimit without a memcached client');
      warnedNoCache = true;
      return next(req);
    }
    const parsed = parseRequestPath(req);
    if (!parsed.ok || !DEFAULT_CONSTRAINTS.valid_api_versions.includes(parsed.path.version)) return next(req);
    // Once a request: a filter's subrequests are not counted again.
    if (req.env.ratelimitHandled) return next(req);
    req.env.ratelimitHandled = true;
    return (await limit(req, cache, parsed.path)) ?? next(req);
  };
};
