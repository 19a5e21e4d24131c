/**
 * The one registry of pipeline entries, by Swift's `egg:swift#<name>`
 * entry-point names, so a `proxy-server.conf` pipeline line means here what
 * it means to Swift.
 */
import type { FilterFactory } from './types.js';
import type { AppFactory, Registry } from './pipeline.js';
import { catchErrors } from './filters/catch-errors.js';
import { gatekeeper } from './filters/gatekeeper.js';
import { healthcheck } from './filters/healthcheck.js';
import { proxyLogging } from './filters/proxy-logging.js';
import { cache } from './filters/cache.js';
import { listingFormats } from './filters/listing-formats.js';
import { tempauth } from './filters/tempauth.js';
import { copy } from './filters/copy.js';
import { slo } from './filters/slo/index.js';
import { dlo } from './filters/dlo.js';
import { symlink } from './filters/symlink.js';
import { versionedWrites } from './filters/versioned-writes/index.js';
import { s3api } from './filters/s3api.js';
import { containerQuotas } from './filters/container-quotas.js';
import { accountQuotas } from './filters/account-quotas.js';
import { tempurl } from './filters/tempurl.js';
import { formpost } from './filters/formpost.js';
import { staticweb } from './filters/staticweb.js';
import { domainRemap } from './filters/domain-remap.js';
import { crossdomain } from './filters/crossdomain.js';
import { nameCheck } from './filters/name-check.js';
import { readOnly } from './filters/read-only.js';
import { ratelimit } from './filters/ratelimit.js';
import { etagQuoter } from './filters/etag-quoter.js';
import { bulk } from './filters/bulk/index.js';
import { listEndpoints } from './filters/list-endpoints.js';
import { containerSync } from './filters/container-sync.js';
import { encryption, keymaster } from './filters/crypto/index.js';

export const FILTERS: ReadonlyMap<string, FilterFactory> = new Map<string, FilterFactory>([
  ['catch_errors', catchErrors],
  ['gatekeeper', gatekeeper],
  ['healthcheck', healthcheck],
  ['proxy_logging', proxyLogging],
  ['memcache', cache],
  ['cache', cache],
  ['listing_formats', listingFormats],
  ['tempauth', tempauth],
  ['copy', copy],
  ['slo', slo],
  ['dlo', dlo],
  ['symlink', symlink],
  ['versioned_writes', versionedWrites],
  ['s3api', s3api],
  ['container_quotas', containerQuotas],
  ['account_quotas', accountQuotas],
  ['tempurl', tempurl],
  ['formpost', formpost],
  ['staticweb', staticweb],
  ['domain_remap', domainRemap],
  ['crossdomain', crossdomain],
  ['name_check', nameCheck],
  ['read_only', readOnly],
  ['ratelimit', ratelimit],
  ['etag_quoter', etagQuoter],
  ['bulk', bulk],
  ['list_endpoints', listEndpoints],
  ['container_sync', containerSync],
  ['keymaster', keymaster],
  ['encryption', encryption],
]);

/** A registry with the given proxy app factory under `proxy` (Swift's `egg:swift#proxy`). */
export function makeRegistry(proxy: AppFactory): Registry {
  return { filters: FILTERS, apps: new Map([['proxy', proxy]]) };
}
