/**
 * The `/metrics` endpoint: a small HTTP server of its own on
 * `metrics_bind_ip:metrics_bind_port`, apart from the server's API port.
 * A separate port because no path is free on the API ports: on a proxy
 * `/metrics` is an S3 path-style bucket (s3api) or a staticweb/domain_remap
 * path, and on a storage server one worker of `workers = N` would answer
 * for itself only. Here the process that owns the port answers for all:
 * a `workers = N` primary asks each worker for its registry and sums them
 * (prom-client's AggregatorRegistry), so one scrape sees the whole server
 * and a worker restart resets no series.
 */
import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as Prom from 'prom-client';
import { aggregatorRegistry } from './prom.js';
import { collectProcessMetrics, metricsRegistry } from './registry.js';

type Options = Record<string, string | undefined>;

export interface MetricsListen {
  host: string;
  port: number;
}

/**
 * `metrics_bind_port` (and `metrics_bind_ip`, else `bind_ip`, else
 * `defaultHost`) of a section; undefined when the port is unset (no
 * endpoint). Port 0 picks a free one (tests).
 */
export function metricsListen(section: Options, defaultHost = '127.0.0.1'): MetricsListen | undefined {
  const port = section.metrics_bind_port?.trim();
  if (!port) return undefined;
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw new Error(`invalid metrics_bind_port: ${port}`);
  return { host: section.metrics_bind_ip || section.bind_ip || defaultHost, port: Number(port) };
}

export interface MetricsServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

let workerSide: Prom.AggregatorRegistry<Prom.PrometheusContentType> | undefined;

/** In a node:cluster worker: answer the primary's requests for this worker's metrics. */
export function serveMetricsToPrimary(): void {
  if (!cluster.isWorker || workerSide) return;
  collectProcessMetrics();
  // Constructing it is what installs the worker's message listener.
  workerSide = new (aggregatorRegistry())();
}

/**
 * Serves `GET /metrics` on `listen`. `aggregateWorkers`: this is a
 * `workers = N` primary and the answer is its workers' summed metrics.
 */
export async function startMetricsServer(listen: MetricsListen, options: { aggregateWorkers?: boolean } = {}): Promise<MetricsServer> {
  collectProcessMetrics();
  const aggregator = options.aggregateWorkers ? new (aggregatorRegistry())() : undefined;
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method Not Allowed\n');
      return;
    }
    const body = aggregator ? await aggregator.clusterMetrics() : await metricsRegistry.metrics();
    res.writeHead(200, { 'content-type': metricsRegistry.contentType, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const server = createServer((req, res) => {
    answer(req, res).catch((err: Error) => {
      // A worker that doesn't answer in time (still starting, or stuck): say so, don't hang.
      if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain' });
      res.end(`metrics unavailable: ${err.message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A scrape must never keep a stopping process alive.
  server.unref();
  const port = (server.address() as AddressInfo).port;
  return {
    host: listen.host,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/**
 * `/metrics` servers by address, for the servers of one process that name
 * the same port (`swiftly daemons`' daemons, `swiftly start`'s compute API,
 * scheduler, compute worker and image API): they share one server, as they
 * share the process's registry, closed when the last of them closes.
 */
const shared = new Map<string, { server: Promise<MetricsServer>; users: number }>();

/** Like `startMetricsServer`, but a second caller naming the same address gets the same server. Port 0 always gets a new one. */
export async function openSharedMetricsServer(listen: MetricsListen): Promise<MetricsServer> {
  const key = listen.port === 0 ? undefined : `${listen.host}:${listen.port}`;
  if (key === undefined) return startMetricsServer(listen);
  let entry = shared.get(key);
  if (!entry) {
    const server = startMetricsServer(listen);
    // A port that can't be had fails each caller naming it now, not later ones too.
    server.catch(() => shared.delete(key));
    shared.set(key, (entry = { server, users: 0 }));
  }
  entry.users++;
  const mine = entry;
  let server: MetricsServer;
  try {
    server = await mine.server;
  } catch (err) {
    mine.users--;
    throw err;
  }
  let closed = false;
  return {
    host: server.host,
    port: server.port,
    close: async () => {
      if (closed) return;
      closed = true;
      if (--mine.users > 0) return;
      if (shared.get(key) === mine) shared.delete(key);
      await server.close();
    },
  };
}
