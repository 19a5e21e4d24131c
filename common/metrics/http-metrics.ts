/**
 * Per-request HTTP metrics of a server: requests and latency by method and
 * status, bytes in and out. Counted on the hot path into plain numbers kept
 * per (method, status) — two Map lookups and a few additions per request, no
 * allocation once a pair has been seen — and turned into Prometheus series
 * only when scraped (a collector registered in the process registry), where
 * prom-client's own `observe` would hash a labels object per call.
 *
 * Bytes are the connection's (`socket.bytesRead/bytesWritten` since the
 * socket's previous request), so they include the HTTP head and need no
 * stream in the body's path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { LATENCY_BUCKETS, metricsRegistry } from './registry.js';

/** Methods kept as label values; anything else is counted as `BAD_METHOD` (Swift's statsd word), so clients can't grow the series. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'COPY', 'OPTIONS', 'PATCH', 'REPLICATE', 'SSYNC', 'UPDATE']);

/** Status when the client went away before the response ended (Swift's access log word for it). */
export const CLIENT_DISCONNECT = 499;

const SEEN = Symbol('swiftly.metrics.bytes');
type CountedSocket = Socket & { [SEEN]?: { read: number; written: number } };

class Series {
  count = 0;
  sum = 0;
  readonly buckets = new Array<number>(LATENCY_BUCKETS.length).fill(0);

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]) {
        this.buckets[i]++;
        return;
      }
    }
  }
}

class MethodStats {
  bytesIn = 0;
  bytesOut = 0;
  readonly byStatus = new Map<number, Series>();
}

export class HttpMetrics {
  readonly byMethod = new Map<string, MethodStats>();

  constructor(readonly server: string) {}

  /**
   * Counts `req` once its response closes (ended or cut). `method` is the
   * real verb when the server carries it elsewhere (a storage server's
   * REPLICATE arrives as PROPPATCH).
   */
  observe(req: IncomingMessage, res: ServerResponse, method?: string): void {
    const start = performance.now();
    res.once('close', () => {
      const status = res.writableFinished ? res.statusCode : CLIENT_DISCONNECT;
      this.record(method ?? req.method ?? 'GET', status, (performance.now() - start) / 1000, req.socket as CountedSocket | null);
    });
  }

  /** Counts one request already measured (for servers that time requests themselves). */
  record(method: string, status: number, seconds: number, socket?: CountedSocket | null): void {
    const m = KNOWN_METHODS.has(method) ? method : 'BAD_METHOD';
    let stats = this.byMethod.get(m);
    if (!stats) this.byMethod.set(m, (stats = new MethodStats()));
    let series = stats.byStatus.get(status);
    if (!series) stats.byStatus.set(status, (series = new Series()));
    series.observe(seconds);
    if (socket) {
      const seen = (socket[SEEN] ??= { read: 0, written: 0 });
      const read = socket.bytesRead;
      const written = socket.bytesWritten;
      stats.bytesIn += read - seen.read;
      stats.bytesOut += written - seen.written;
      seen.read = read;
      seen.written = written;
    }
  }
}

const servers = new Map<string, HttpMetrics>();

/** The HTTP metrics of `server` (`proxy-server`, `object-server`, `compute-api`…), one per name per process. */
export function httpMetrics(server: string): HttpMetrics {
  let m = servers.get(server);
  if (!m) {
    servers.set(server, (m = new HttpMetrics(server)));
    registerCollector();
  }
  return m;
}

type Labels = Record<string, string | number>;
interface Value { value: number; labels: Labels; metricName?: string }

let registered = false;

function registerCollector(): void {
  if (registered) return;
  registered = true;
  const each = (f: (server: string, method: string, stats: MethodStats) => void): void => {
    for (const m of servers.values()) for (const [method, stats] of m.byMethod) f(m.server, method, stats);
  };
  const metric = (name: string, help: string, type: string, values: () => Value[]) => ({
    name, help, type, aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
    reset: () => {},
  });
  const requests = metric('swiftly_http_requests_total', 'HTTP requests answered, by server, method and status (499: client disconnected)', 'counter', () => {
    const out: Value[] = [];
    each((server, method, stats) => {
      for (const [status, s] of stats.byStatus) out.push({ value: s.count, labels: { server, method, status } });
    });
    return out;
  });
  const duration = metric('swiftly_http_request_duration_seconds', 'Time from request to the end of its response, by server, method and status', 'histogram', () => {
    const out: Value[] = [];
    const name = 'swiftly_http_request_duration_seconds';
    each((server, method, stats) => {
      for (const [status, s] of stats.byStatus) {
        let cumulative = 0;
        for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
          cumulative += s.buckets[i];
          out.push({ value: cumulative, labels: { le: LATENCY_BUCKETS[i], server, method, status }, metricName: `${name}_bucket` });
        }
        out.push({ value: s.count, labels: { le: '+Inf', server, method, status }, metricName: `${name}_bucket` });
        out.push({ value: s.sum, labels: { server, method, status }, metricName: `${name}_sum` });
        out.push({ value: s.count, labels: { server, method, status }, metricName: `${name}_count` });
      }
    });
    return out;
  });
  const bytes = (name: string, help: string, pick: (s: MethodStats) => number) =>
    metric(name, help, 'counter', () => {
      const out: Value[] = [];
      each((server, method, stats) => out.push({ value: pick(stats), labels: { server, method } }));
      return out;
    });
  // The registry takes any object with name/get (AggregatorRegistry registers its results the same way).
  const register = metricsRegistry.registerMetric.bind(metricsRegistry) as (m: unknown) => void;
  register(requests);
  register(duration);
  register(bytes('swiftly_http_received_bytes_total', 'Bytes read from clients (HTTP head and body), by server and method', (s) => s.bytesIn));
  register(bytes('swiftly_http_sent_bytes_total', 'Bytes written to clients (HTTP head and body), by server and method', (s) => s.bytesOut));
}
