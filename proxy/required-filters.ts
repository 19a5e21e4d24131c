/**
 * Swift's `required_filters` (proxy/server.py, `modify_wsgi_pipeline`): the
 * filters a proxy pipeline gets even when its `proxy-server.conf` leaves them
 * out, each inserted where Swift inserts it, so that no pipeline lets a
 * client send `X-Backend-*` or sysmeta headers to the storage nodes
 * (gatekeeper) and copy/dlo/versioned_writes sit where their subrequests
 * need them.
 */
import type { Section } from '../common/index.js';
import type { PipelineSpec, Registry } from './pipeline.js';

interface RequiredFilter {
  entry: string;
  /** Entries the filter goes right after (the furthest one present wins), as Swift's `after_fn`. */
  after: (entries: readonly string[]) => readonly string[];
}

const AUTH_AND_EDGE = ['staticweb', 'tempauth', 'keystoneauth', 'catch_errors', 'gatekeeper', 'proxy_logging'];

/** Swift 2.30's list, in its order (insertion runs over it backwards). */
export const REQUIRED_FILTERS: readonly RequiredFilter[] = [
  { entry: 'catch_errors', after: () => [] },
  { entry: 'gatekeeper', after: (entries) => (entries[0] === 'catch_errors' ? ['catch_errors'] : []) },
  { entry: 'listing_formats', after: () => ['catch_errors', 'gatekeeper', 'proxy_logging', 'memcache'] },
  // copy before dlo, slo and versioned_writes
  { entry: 'copy', after: () => AUTH_AND_EDGE },
  { entry: 'dlo', after: () => ['copy', ...AUTH_AND_EDGE] },
  { entry: 'versioned_writes', after: () => ['slo', 'dlo', 'copy', ...AUTH_AND_EDGE] },
];

export interface RequiredFiltersResult {
  spec: PipelineSpec;
  /** What was inserted, where (index in the final filter list), in insertion order. */
  added: { entry: string; index: number }[];
  /** Required filters the registry does not have yet, so not inserted. */
  unavailable: string[];
}

/**
 * The pipeline with the required filters it lacks inserted, for the proxy
 * app only (other apps' pipelines are left alone, as Swift leaves them). An
 * inserted filter gets the `[DEFAULT]` options only, as paste gives Swift's.
 */
export function withRequiredFilters(spec: PipelineSpec, registry: Registry, defaults: Section): RequiredFiltersResult {
  if (spec.app.entry !== 'proxy') return { spec, added: [], unavailable: [] };
  const filters = [...spec.filters];
  const added: RequiredFiltersResult['added'] = [];
  const unavailable: string[] = [];
  for (const required of [...REQUIRED_FILTERS].reverse()) {
    const entries = filters.map((f) => f.entry);
    if (entries.includes(required.entry)) continue;
    // dlo and versioned_writes are Swift's too, but swiftly's may not be
    // registered yet: a pipeline is then built without them, as before they
    // existed, and each is inserted once its filter lands in the registry.
    if (!registry.filters.has(required.entry)) {
      unavailable.push(required.entry);
      continue;
    }
    let at = 0;
    for (const after of required.after(entries)) {
      const i = entries.indexOf(after);
      if (i >= 0) at = Math.max(at, i + 1);
    }
    filters.splice(at, 0, { name: required.entry, entry: required.entry, conf: { ...defaults } });
    for (const a of added) if (a.index >= at) a.index++;
    added.push({ entry: required.entry, index: at });
  }
  return { spec: { filters, app: spec.app }, added, unavailable };
}
