/**
 * The one registry of pipeline entries, by Swift's `egg:swift#<name>`
 * entry-point names, so a `proxy-server.conf` pipeline line means here what
 * it means to Swift.
 */
import type { FilterFactory } from './types.js';
import type { AppFactory, Registry } from './pipeline.js';

/**
 * A filter's factory whose module is imported when a pipeline first names
 * it: a proxy loads only its pipeline's filters (the s3api, crypto and bulk
 * code alone is ~100 modules that most proxies never run).
 */
function lazy<M>(load: () => Promise<M>, pick: (m: M) => FilterFactory): FilterFactory {
  return async (conf, ctx) => pick(await load())(conf, ctx);
}

export const FILTERS: ReadonlyMap<string, FilterFactory> = new Map<string, FilterFactory>([
  ['catch_errors', lazy(() => import('./filters/catch-errors.js'), (m) => m.catchErrors)],
  ['gatekeeper', lazy(() => import('./filters/gatekeeper.js'), (m) => m.gatekeeper)],
  ['healthcheck', lazy(() => import('./filters/healthcheck.js'), (m) => m.healthcheck)],
  ['proxy_logging', lazy(() => import('./filters/proxy-logging.js'), (m) => m.proxyLogging)],
  ['memcache', lazy(() => import('./filters/cache.js'), (m) => m.cache)],
  ['cache', lazy(() => import('./filters/cache.js'), (m) => m.cache)],
  ['listing_formats', lazy(() => import('./filters/listing-formats.js'), (m) => m.listingFormats)],
  ['tempauth', lazy(() => import('./filters/tempauth.js'), (m) => m.tempauth)],
  ['copy', lazy(() => import('./filters/copy.js'), (m) => m.copy)],
  ['slo', lazy(() => import('./filters/slo/index.js'), (m) => m.slo)],
  ['dlo', lazy(() => import('./filters/dlo.js'), (m) => m.dlo)],
  ['symlink', lazy(() => import('./filters/symlink.js'), (m) => m.symlink)],
  ['versioned_writes', lazy(() => import('./filters/versioned-writes/index.js'), (m) => m.versionedWrites)],
  ['s3api', lazy(() => import('./filters/s3api.js'), (m) => m.s3api)],
  ['container_quotas', lazy(() => import('./filters/container-quotas.js'), (m) => m.containerQuotas)],
  ['account_quotas', lazy(() => import('./filters/account-quotas.js'), (m) => m.accountQuotas)],
  ['tempurl', lazy(() => import('./filters/tempurl.js'), (m) => m.tempurl)],
  ['formpost', lazy(() => import('./filters/formpost.js'), (m) => m.formpost)],
  ['staticweb', lazy(() => import('./filters/staticweb.js'), (m) => m.staticweb)],
  ['domain_remap', lazy(() => import('./filters/domain-remap.js'), (m) => m.domainRemap)],
  ['crossdomain', lazy(() => import('./filters/crossdomain.js'), (m) => m.crossdomain)],
  ['name_check', lazy(() => import('./filters/name-check.js'), (m) => m.nameCheck)],
  ['read_only', lazy(() => import('./filters/read-only.js'), (m) => m.readOnly)],
  ['ratelimit', lazy(() => import('./filters/ratelimit.js'), (m) => m.ratelimit)],
  ['etag_quoter', lazy(() => import('./filters/etag-quoter.js'), (m) => m.etagQuoter)],
  ['bulk', lazy(() => import('./filters/bulk/index.js'), (m) => m.bulk)],
  ['list_endpoints', lazy(() => import('./filters/list-endpoints.js'), (m) => m.listEndpoints)],
  ['container_sync', lazy(() => import('./filters/container-sync.js'), (m) => m.containerSync)],
  ['keymaster', lazy(() => import('./filters/crypto/index.js'), (m) => m.keymaster)],
  ['encryption', lazy(() => import('./filters/crypto/index.js'), (m) => m.encryption)],
]);

/** A registry with the given proxy app factory under `proxy` (Swift's `egg:swift#proxy`). */
export function makeRegistry(proxy: AppFactory): Registry {
  return { filters: FILTERS, apps: new Map([['proxy', proxy]]) };
}
