/**
 * The proxy app (`egg:swift#proxy`): the end of the pipeline. Routes
 * `/v1/<account>[/<container>[/<object>]]` to a controller, answers `/info`,
 * and applies the checks Swift makes before any controller runs.
 */
import { loadSwiftConf, type Section, type SwiftConf } from '../common/index.js';
import { filterStatsd } from './filters/filter-statsd.js';
import type { RingLookup } from '../ring/index.js';
import type { App, PipelineContext, SwiftRequest, SwiftResponse } from './types.js';
import { makeResponse } from './response.js';
import { parseRequestPath } from './request-path.js';
import { proxyConfFromSection } from './proxy-conf.js';
import { ProxyContext, type Rings } from './controllers/context.js';
import { handleAccount } from './controllers/account.js';
import { handleContainer } from './controllers/container.js';
import { handleObject } from './controllers/object.js';
import { MemoryCache } from './cache/memory-cache.js';
import { getAccountInfo, getContainerInfo } from './controllers/info.js';

/** Loads one ring by name (`account`, `container`, `object`, `object-1`…) from swift_dir. */
export type RingLoader = (swiftDir: string, name: string) => RingLookup;

export interface ProxyAppOptions {
  loadRing: RingLoader;
  /** Overrides `<swift_dir>/swift.conf` (tests). */
  swiftConf?: SwiftConf;
  /** Receives the ProxyContext once built (tests, shutdown). */
  onContext?: (ctx: ProxyContext) => void;
}

function swiftInfo(sc: SwiftConf): Record<string, unknown> {
  const c = sc.constraints;
  return {
    version: '2.30.0-swiftly',
    max_file_size: c.max_file_size,
    max_meta_name_length: c.max_meta_name_length,
    max_meta_value_length: c.max_meta_value_length,
    max_meta_count: c.max_meta_count,
    max_meta_overall_size: c.max_meta_overall_size,
    max_header_size: c.max_header_size,
    extra_header_count: c.extra_header_count,
    max_object_name_length: c.max_object_name_length,
    container_listing_limit: c.container_listing_limit,
    account_listing_limit: c.account_listing_limit,
    max_account_name_length: c.max_account_name_length,
    max_container_name_length: c.max_container_name_length,
    valid_api_versions: c.valid_api_versions,
    strict_cors_mode: true,
    allow_account_management: false,
    account_autocreate: false,
    policies: sc.policies
      .filter((p) => !p.isDeprecated)
      .map((p) => ({ name: p.name, aliases: [p.name, ...p.aliases].join(', '), ...(p.isDefault ? { default: true } : {}) })),
  };
}

async function handleInfo(req: SwiftRequest, ctx: PipelineContext): Promise<SwiftResponse> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return makeResponse(405, undefined, { allow: 'GET, HEAD, OPTIONS' });
  const body = JSON.stringify(ctx.info);
  return makeResponse(200, body, { 'content-type': 'application/json; charset=UTF-8' });
}

/** Builds the proxy app from its `[app:proxy-server]` section. */
export function createProxyApp(section: Section, pctx: PipelineContext, options: ProxyAppOptions): { app: App; ctx: ProxyContext } {
  const conf = proxyConfFromSection(section);
  const swiftConf = options.swiftConf ?? loadSwiftConf(conf.swiftDir);
  const objectRings = new Map<number, RingLookup>();
  const rings: Rings = {
    account: options.loadRing(conf.swiftDir, 'account'),
    container: options.loadRing(conf.swiftDir, 'container'),
    object(policyIndex: number) {
      let r = objectRings.get(policyIndex);
      if (!r) {
        r = options.loadRing(conf.swiftDir, policyIndex === 0 ? 'object' : `object-${policyIndex}`);
        objectRings.set(policyIndex, r);
      }
      return r;
    },
  };
  rings.object(swiftConf.defaultPolicy.index);
  // The app's own statsd names (Swift's proxy app logger, tail prefix proxy-server): its errors, the controllers' counters.
  const statsd = filterStatsd(section, pctx, 'proxy-server');
  const ctx = new ProxyContext(conf, swiftConf, rings, pctx.logger, pctx.now, new MemoryCache(pctx.now), statsd);
  options.onContext?.(ctx);
  pctx.rings = rings;
  pctx.swiftConf = swiftConf;
  pctx.infoSource = {
    container: (req, account, container) => getContainerInfo(ctx, req, account, container),
    account: (req, account) => getAccountInfo(ctx, req, account),
    policy: (index) => {
      const p = swiftConf.policies.find((x) => x.index === index);
      return p && { name: p.name, deprecated: p.isDeprecated };
    },
  };
  pctx.registerInfo('swift', {
    ...swiftInfo(swiftConf),
    allow_account_management: conf.allowAccountManagement,
    account_autocreate: conf.accountAutocreate,
    strict_cors_mode: conf.strictCorsMode,
  });
  const c = swiftConf.constraints;

  const app: App = async (req) => {
    if (req.path === '/info') return handleInfo(req, pctx);
    const parsed = parseRequestPath(req);
    // Swift's proxy-server.errors: a request refused before any controller (handle_request's checks).
    if (!parsed.ok) {
      statsd.increment('errors');
      if (parsed.reason === 'split') return makeResponse(404);
      return makeResponse(412, parsed.reason === 'utf8' ? 'Invalid UTF8 or contains NULL' : 'Bad URL');
    }
    const { version, account, container, object } = parsed.path;
    if (!c.valid_api_versions.includes(version)) {
      statsd.increment('errors');
      return makeResponse(400);
    }
    if (Buffer.byteLength(account) > c.max_account_name_length) {
      return makeResponse(400, `Account name length of ${Buffer.byteLength(account)} longer than ${c.max_account_name_length}`);
    }
    if (req.headers['x-storage-token'] && !req.headers['x-auth-token']) req.headers['x-auth-token'] = req.headers['x-storage-token'];
    if (object !== undefined) return handleObject(ctx, req, { account, container: container!, object });
    if (container !== undefined) return handleContainer(ctx, req, { account, container });
    return handleAccount(ctx, req, { account });
  };
  return { app, ctx };
}
