/**
 * Account and container info (Swift's `get_account_info` /
 * `get_container_info`): a HEAD to the replicas, kept in the request, and in
 * the cache for `recheck_*_existence` seconds (a tenth of that for a 404).
 */
import type { Cache, SwiftRequest } from '../types.js';
import type { ProxyContext } from './context.js';
import { firstGood, noGoodAnswer } from './fan-out.js';
import { backendHeaders, withoutBody } from './backend-headers.js';
import { quotePath } from '../../common/index.js';

export interface AccountInfo {
  status: number;
  containerCount: number;
  objectCount: number;
  bytes: number;
  meta: Record<string, string>;
  /** `X-Account-Sysmeta-*` by lower-case name after the prefix (read_only, ratelimit, etag_quoter read it; tempauth its `core-access-control`, the account ACLs). */
  sysmeta: Record<string, string>;
}

export interface ContainerInfo {
  status: number;
  readAcl?: string;
  writeAcl?: string;
  objectCount: number;
  bytes: number;
  storagePolicy: number;
  meta: Record<string, string>;
  sysmeta: Record<string, string>;
  /** Legacy versioned writes' location as a container server with `allow_versions` keeps it. */
  versions?: string;
  syncTo?: string;
  /** The container's X-Container-Sync-Key: what container_sync checks a realm-signed request with. */
  syncKey?: string;
  /** Headers to hand to the object PUT path (container partition/nodes). */
  partition?: number;
}

function cacheOf(ctx: ProxyContext, req: SwiftRequest): Cache {
  return req.env.cache ?? ctx.localCache;
}

export function accountCacheKey(account: string): string {
  return `account/${account}`;
}

export function containerCacheKey(account: string, container: string): string {
  return `container/${account}/${container}`;
}

function infoCache(req: SwiftRequest): Map<string, unknown> {
  let m = req.env.infoCache as Map<string, unknown> | undefined;
  if (!m) {
    m = new Map();
    req.env.infoCache = m;
  }
  return m;
}

function pick(headers: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

async function headReplicas(ctx: ProxyContext, req: SwiftRequest, account: string, container?: string) {
  const ring = container === undefined ? ctx.rings.account : ctx.rings.container;
  const { partition, nodes } = ring.getNodes(account, container);
  const path = quotePath(container === undefined ? `/${account}` : `/${account}/${container}`);
  const headers = withoutBody(backendHeaders({ ...req, method: 'HEAD', headers: {} }, {}));
  const got = await firstGood(ctx, ctx.readNodes(ring, partition, nodes), { method: 'HEAD', path, partition }, headers);
  if (got.response) {
    got.response.body.resume();
    return { status: got.response.status, headers: got.response.headers };
  }
  const r = noGoodAnswer(got.answers);
  return { status: r.status, headers: r.headers };
}

async function cached<T extends { status: number }>(
  ctx: ProxyContext,
  req: SwiftRequest,
  key: string,
  ttl: number,
  load: () => Promise<T>,
): Promise<T> {
  const local = infoCache(req);
  const hit = local.get(key) as T | undefined;
  if (hit) return hit;
  const cache = cacheOf(ctx, req);
  const fromCache = (await cache.get(key)) as T | undefined;
  if (fromCache) {
    local.set(key, fromCache);
    return fromCache;
  }
  const info = await load();
  local.set(key, info);
  if ((info.status >= 200 && info.status < 300) || info.status === 404) {
    await cache.set(key, info, info.status === 404 ? ttl * 0.1 : ttl);
  }
  return info;
}

export function getAccountInfo(ctx: ProxyContext, req: SwiftRequest, account: string): Promise<AccountInfo> {
  return cached(ctx, req, accountCacheKey(account), ctx.conf.recheckAccountExistence, async () => {
    const { status, headers } = await headReplicas(ctx, req, account);
    return {
      status,
      containerCount: Number(headers['x-account-container-count'] ?? 0),
      objectCount: Number(headers['x-account-object-count'] ?? 0),
      bytes: Number(headers['x-account-bytes-used'] ?? 0),
      meta: pick(headers, 'x-account-meta-'),
      sysmeta: pick(headers, 'x-account-sysmeta-'),
    };
  });
}

function containerInfoFrom(status: number, headers: Record<string, string>): ContainerInfo {
  return {
    status,
    readAcl: headers['x-container-read'],
    writeAcl: headers['x-container-write'],
    objectCount: Number(headers['x-container-object-count'] ?? 0),
    bytes: Number(headers['x-container-bytes-used'] ?? 0),
    storagePolicy: Number(headers['x-backend-storage-policy-index'] ?? 0),
    meta: pick(headers, 'x-container-meta-'),
    sysmeta: pick(headers, 'x-container-sysmeta-'),
    versions: headers['x-versions-location'],
    syncTo: headers['x-container-sync-to'],
    syncKey: headers['x-container-sync-key'],
  };
}

export function getContainerInfo(ctx: ProxyContext, req: SwiftRequest, account: string, container: string): Promise<ContainerInfo> {
  return cached(ctx, req, containerCacheKey(account, container), ctx.conf.recheckContainerExistence, async () => {
    const { status, headers } = await headReplicas(ctx, req, account, container);
    return containerInfoFrom(status, headers);
  });
}

/**
 * A container GET or HEAD refreshes the cached info with what it read, as
 * Swift's `set_info_cache` does (so a HEAD shows the next PUT fresh counts).
 */
export async function cacheContainerInfo(ctx: ProxyContext, req: SwiftRequest, account: string, container: string, status: number, headers: Record<string, string>): Promise<void> {
  if (!((status >= 200 && status < 300) || status === 404)) return;
  const key = containerCacheKey(account, container);
  const info = containerInfoFrom(status, headers);
  infoCache(req).set(key, info);
  const ttl = ctx.conf.recheckContainerExistence;
  await cacheOf(ctx, req).set(key, info, status === 404 ? ttl * 0.1 : ttl);
}

/** Forgets cached info after a change (PUT/POST/DELETE of the account or container). */
export async function clearInfo(ctx: ProxyContext, req: SwiftRequest, account: string, container?: string): Promise<void> {
  const key = container === undefined ? accountCacheKey(account) : containerCacheKey(account, container);
  infoCache(req).delete(key);
  await cacheOf(ctx, req).delete(key);
}
