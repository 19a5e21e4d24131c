/**
 * slo: static large objects, as Swift's filter of that name. A manifest PUT
 * (`?multipart-manifest=put`) checks and records the segments
 * (manifest-put); a GET or HEAD of a manifest answers for the whole
 * (manifest-get); `DELETE ?multipart-manifest=delete` removes the segments
 * too (manifest-delete), or with `async=yes` and allow_async_delete queues
 * them for the object-expirer (async-delete); a container listing in JSON shows a manifest's
 * whole etag as `slo_etag`. `X-Static-Large-Object` is reserved to it.
 * Published in /info with its limits.
 */
import type { App, FilterFactory, SwiftRequest, SwiftResponse } from '../../types.js';
import { makeResponse, readSmallBody } from '../../response.js';
import { parseQuery, parseSwiftPath } from '../../request-path.js';
import { sloConf, type SloConf } from './slo-conf.js';
import { putManifest } from './manifest-put.js';
import { getOrHeadManifest } from './manifest-get.js';
import { deleteManifest } from './manifest-delete.js';
import { asyncDeleteManifest } from './async-delete.js';
import { configTrueValue } from '../../../common/index.js';
import { pyJson } from './formats.js';

/** Bigger listings pass as they are (Swift's MAX_CONTAINER_LISTING_CONTENT_LENGTH). */
const MAX_LISTING_BYTES = 1024 * 1024 * 8;

/** Splits `slo_etag` out of each listed object's hash (its container-update override). */
async function containerListing(next: App, req: SwiftRequest): Promise<SwiftResponse> {
  const resp = await next(req);
  const ctype = (resp.headers['content-type'] ?? '').split(';')[0].trim();
  const length = Number(resp.headers['content-length']);
  if (resp.status < 200 || resp.status >= 300 || ctype !== 'application/json' || !(length <= MAX_LISTING_BYTES)) return resp;
  const body = await readSmallBody(resp.body);
  let listing: Record<string, unknown>[];
  try {
    listing = JSON.parse(body.toString('utf8')) as Record<string, unknown>[];
  } catch {
    return { ...resp, body };
  }
  let changed = false;
  for (const item of listing) {
    if (typeof item.hash !== 'string' || !item.hash.includes(';')) continue;
    const [etag, ...params] = item.hash.split(';').map((s) => s.trim());
    const rest: string[] = [];
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq !== -1 && p.slice(0, eq).toLowerCase() === 'slo_etag') item.slo_etag = `"${p.slice(eq + 1)}"`;
      else rest.push(p);
    }
    if (item.slo_etag !== undefined) {
      item.hash = etag + rest.map((p) => `; ${p}`).join('');
      changed = true;
    }
  }
  if (!changed) return { ...resp, body };
  const out = Buffer.from(pyJson(listing));
  return { ...resp, headers: { ...resp.headers, 'content-length': String(out.length) }, body: out };
}

function makeSlo(next: App, conf: SloConf, ctx: Parameters<FilterFactory>[1]): App {
  const slo: App = async (req) => {
    if (req.env.sloOverride) return next(req);
    const parsed = parseSwiftPath(req.path);
    if (!parsed.ok || parsed.path.container === undefined) return next(req);
    const { version, account, container, object } = parsed.path;
    if (object === undefined) return req.method === 'GET' ? containerListing(next, req) : next(req);
    const mm = parseQuery(req.query).get('multipart-manifest');
    if (req.method === 'PUT' && mm === 'put') return putManifest(next, slo, req, { version, account, container, object }, conf);
    if (req.method === 'DELETE' && mm === 'delete') {
      if (conf.allowAsyncDelete && configTrueValue(parseQuery(req.query).get('async'))) {
        return asyncDeleteManifest(next, req, { version, account, container, object }, conf, ctx);
      }
      return deleteManifest(next, req, version, account, `/${container}/${object}`, conf, ctx.logger);
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      return getOrHeadManifest({ next, req, version, account, conf, logger: ctx.logger, now: ctx.now });
    }
    if (req.headers['x-static-large-object'] !== undefined) {
      return makeResponse(400, 'X-Static-Large-Object is a reserved header. To create a static large object add query param multipart-manifest=put.');
    }
    return next(req);
  };
  return slo;
}

export const slo: FilterFactory = (section, ctx) => {
  const conf = sloConf(section);
  ctx.registerInfo('slo', {
    max_manifest_segments: conf.maxManifestSegments,
    max_manifest_size: conf.maxManifestSize,
    yield_frequency: conf.yieldFrequency,
    min_segment_size: 1,
    allow_async_delete: conf.allowAsyncDelete,
  });
  return (next) => makeSlo(next, conf, ctx);
};
