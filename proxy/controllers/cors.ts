/**
 * CORS as Swift's proxy does it (proxy/controllers/base.py): an OPTIONS
 * preflight answered from the container's `X-Container-Meta-Access-Control-*`
 * metadata and the proxy's `cors_allow_origin`, and the `cors_validation`
 * headers added to a request that carries an `Origin`.
 */
import type { SwiftRequest, SwiftResponse } from '../types.js';
import { makeResponse } from '../response.js';
import type { ProxyConf } from '../proxy-conf.js';
import type { ContainerInfo } from './info.js';

interface CorsInfo {
  allowOrigin?: string;
  maxAge?: string;
  exposeHeaders?: string;
}

function corsOf(info: ContainerInfo | undefined): CorsInfo {
  const meta = info?.meta ?? {};
  return {
    allowOrigin: meta['access-control-allow-origin'],
    maxAge: meta['access-control-max-age'],
    exposeHeaders: meta['access-control-expose-headers'],
  };
}

/** Swift's `is_origin_allowed`: the container's space-separated origins plus the proxy's. */
function originAllowed(conf: ProxyConf, cors: CorsInfo, origin: string): boolean {
  const allowed = new Set(conf.corsAllowOrigin);
  for (const o of (cors.allowOrigin ?? '').split(' ')) if (o.trim()) allowed.add(o.trim());
  return allowed.has(origin) || allowed.has('*');
}

/**
 * Swift's base `OPTIONS`: 200 with Allow; a preflight (with Origin) is 401
 * unless the origin and the requested method are allowed, and otherwise
 * gets the Access-Control-Allow-* headers. `info` is undefined for an
 * account (no CORS there).
 */
export function preflight(conf: ProxyConf, req: SwiftRequest, allowed: string[], info: ContainerInfo | undefined): SwiftResponse {
  const headers: Record<string, string> = { allow: allowed.join(', ') };
  const origin = req.headers.origin;
  if (!origin || info === undefined) return makeResponse(200, undefined, headers);
  const cors = corsOf(info);
  if (!originAllowed(conf, cors, origin) || !allowed.includes(req.headers['access-control-request-method'] ?? '')) {
    return makeResponse(401, undefined, headers);
  }
  // As Swift's OPTIONS: an answer for any origin does not vary on the Origin.
  if (cors.allowOrigin?.trim() === '*') {
    headers['access-control-allow-origin'] = '*';
  } else {
    headers['access-control-allow-origin'] = origin;
    headers.vary = 'Origin';
  }
  if (cors.maxAge !== undefined) headers['access-control-max-age'] = cors.maxAge;
  headers['access-control-allow-methods'] = allowed.join(', ');
  const asked = [...new Set((req.headers['access-control-request-headers'] ?? '').split(',').map((h) => h.trim()).filter(Boolean))];
  if (asked.length > 0) {
    headers['access-control-allow-headers'] = asked.join(', ');
    headers.vary = headers.vary ? `${headers.vary}, Access-Control-Request-Headers` : 'Access-Control-Request-Headers';
  }
  return makeResponse(200, undefined, headers);
}

const EXPOSED = ['cache-control', 'content-language', 'content-type', 'expires', 'last-modified', 'pragma', 'etag', 'x-timestamp', 'x-trans-id', 'x-openstack-request-id'];

/**
 * Swift's `cors_validation` on a response to a request with an Origin:
 * Access-Control-Expose-Headers and -Allow-Origin, unless strict_cors_mode
 * and the origin is not allowed.
 */
export function withCors(conf: ProxyConf, req: SwiftRequest, resp: SwiftResponse, info: ContainerInfo | undefined): SwiftResponse {
  const origin = req.headers.origin;
  if (!origin) return resp;
  const cors = corsOf(info);
  if (conf.strictCorsMode && !originAllowed(conf, cors, origin)) return resp;
  if (resp.headers['access-control-expose-headers'] === undefined) {
    const expose = new Set([...EXPOSED, ...conf.corsExposeHeaders]);
    for (const h of Object.keys(resp.headers)) if (h.startsWith('x-container-meta') || h.startsWith('x-object-meta')) expose.add(h);
    for (const h of (cors.exposeHeaders ?? '').split(' ')) if (h.trim()) expose.add(h.trim().toLowerCase());
    resp.headers['access-control-expose-headers'] = [...expose].join(', ');
  }
  if (resp.headers['access-control-allow-origin'] === undefined) {
    if (cors.allowOrigin?.trim() === '*') {
      resp.headers['access-control-allow-origin'] = '*';
    } else {
      resp.headers['access-control-allow-origin'] = origin;
      resp.headers.vary = resp.headers.vary ? `${resp.headers.vary}, Origin` : 'Origin';
    }
  }
  return resp;
}
