/**
 * The headers the proxy sends a storage node: the client's own (minus
 * hop-by-hop and credentials), the transaction id and the proxy's name.
 */
import type { Headers, SwiftRequest } from '../types.js';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers',
  'transfer-encoding', 'upgrade', 'expect', 'host', 'content-length', 'x-auth-token', 'x-storage-token', 'x-service-token',
]);

export function backendHeaders(req: SwiftRequest, extra: Headers = {}): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) out[k] = v;
  out['x-trans-id'] = req.env.transId;
  out['user-agent'] = `proxy-server ${process.pid}`;
  out['referer'] = `${req.method} http://localhost${req.path}`;
  return { ...out, ...extra };
}

/** Headers for a request carrying no client body (HEAD/GET/DELETE/POST to containers…). */
export function withoutBody(h: Headers): Headers {
  const out = { ...h };
  delete out['content-type'];
  return out;
}

/** Container headers a client clears with `X-Remove-<name>` (Swift's container `_x_remove_headers`). */
const CONTAINER_REMOVABLE = ['x-remove-container-read', 'x-remove-container-write', 'x-remove-versions-location', 'x-remove-container-sync-key', 'x-remove-container-sync-to'];

/**
 * Swift's `transfer_headers` for an account or container PUT/POST:
 * `X-Remove-<type>-Meta-<name>` (and a container's X-Remove-Container-Read
 * and kin) become the header itself, empty, which deletes it; a value the
 * client also sent for the header itself wins.
 */
export function removalHeaders(req: SwiftRequest, type: 'account' | 'container'): Headers {
  const out: Headers = {};
  const prefix = `x-remove-${type}-meta-`;
  for (const k of Object.keys(req.headers)) {
    if (!k.startsWith(prefix) && !(type === 'container' && CONTAINER_REMOVABLE.includes(k))) continue;
    const name = k.replace('-remove', '');
    if (req.headers[name] === undefined) out[name] = '';
  }
  return out;
}
