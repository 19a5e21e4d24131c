/**
 * What a storage server counts per request: the shared HTTP metrics
 * (`swiftly_http_*` with `server="<kind>-server"`) and Swift's statsd
 * timings (`timing_stats`): `<kind>-server.<VERB>.timing` for answers that
 * are not the server's fault, `.errors.timing` for 5xx (507 included), and
 * the object server's `PUT.<device>.timing`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CLIENT_DISCONNECT, httpMetrics, type Statsd } from '../common/index.js';
import { BACKEND_METHOD_HEADER } from './http/method-shim.js';
import type { StorageKind } from './servers.js';

/** Swift samples the object server's REPLICATE timings at 10%; SSYNC has none. */
const SAMPLE: Record<string, number | undefined> = { REPLICATE: 0.1 };

export function storageRequestObserver(kind: StorageKind, statsd: Statsd): (req: IncomingMessage, res: ServerResponse) => void {
  const http = httpMetrics(`${kind}-server`);
  return (req, res) => {
    const start = performance.now();
    const shimmed = req.method === 'PROPPATCH' ? req.headers[BACKEND_METHOD_HEADER] : undefined;
    const method = typeof shimmed === 'string' ? shimmed : req.method ?? 'GET';
    res.once('close', () => {
      const ms = performance.now() - start;
      const status = res.writableFinished ? res.statusCode : CLIENT_DISCONNECT;
      http.record(method, status, ms / 1000, req.socket);
      if (!statsd.enabled || method === 'SSYNC') return;
      const rate = kind === 'object' ? SAMPLE[method] : undefined;
      if (status >= 500) {
        statsd.timing(`${method}.errors.timing`, ms, rate);
        return;
      }
      statsd.timing(`${method}.timing`, ms, rate);
      if (kind === 'object' && method === 'PUT' && status < 300) {
        const device = deviceOf(req.url ?? '');
        if (device) statsd.timing(`PUT.${device}.timing`, ms);
      }
    });
  };
}

/** The device of a backend path (`/<device>/<partition>/…`), undefined when it does not decode. */
function deviceOf(url: string): string | undefined {
  try {
    return decodeURIComponent(url.split('/')[1] ?? '') || undefined;
  } catch {
    return undefined;
  }
}
