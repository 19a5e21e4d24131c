/**
 * The headers the proxy sends a storage node: the client's own (minus
 * hop-by-hop and credentials), the transaction id and the proxy's name.
 */
import type { Headers, SwiftRequest } from '../types.js';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers',
  'transfer-encoding', 'upgrade', 'expect', 'host', 'content-length', 'x-auth-token', 'x-storage-token',
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
