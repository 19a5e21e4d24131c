/**
 * Starting a proxy server from a `proxy-server.conf`: parse, build the
 * pipeline, serve it on the edge.
 */
import cluster from 'node:cluster';
import {
  httpMetrics, metricsListen, serveMetricsToPrimary, startMetricsServer, type MetricsServer,
} from '../common/index.js';
import { createLogger, readIniFile, getInt, getString, Timestamp, type IniFile, type Logger, type SwiftConf } from '../common/index.js';
import { Ring } from '../ring/index.js';
import { loadSwiftConf } from '../common/index.js';
import type { PipelineContext } from './types.js';
import { buildPipeline, readPipeline } from './pipeline.js';
import { withRequiredFilters } from './required-filters.js';
import { makeRegistry } from './registry.js';
import { createProxyApp, type RingLoader } from './proxy-app.js';
import { startEdge } from './edge.js';
import type { ProxyContext } from './controllers/context.js';
import { watchErrorLimiter } from './proxy-metrics.js';

export interface ProxyServerOptions {
  /** Overrides `bind_ip` / `bind_port` from `[DEFAULT]`. */
  host?: string;
  port?: number;
  logger?: Logger;
  /** The clock (ms since epoch), injectable for tests. */
  now?: () => number;
  loadRing?: RingLoader;
  swiftConf?: SwiftConf;
}

export interface ProxyServer {
  readonly port: number;
  readonly host: string;
  /** The `/metrics` port, when `metrics_bind_port` is set (and this is no worker: a primary serves it then). */
  readonly metricsPort?: number;
  close(): Promise<void>;
}

function defaultRingLoader(swiftConf: () => SwiftConf): RingLoader {
  return (swiftDir, name) => new Ring(swiftDir, { ringName: name, hashPath: swiftConf().hashPath });
}

/**
 * Starts a proxy server from a config path or parsed config. `close()`
 * stops accepting, lets in-flight requests finish, and closes backend pools.
 */
export async function startProxyServer(conf: string | IniFile, options: ProxyServerOptions = {}): Promise<ProxyServer> {
  // paste.deploy keeps option names' case (tempauth's `SERVICE_require_group`).
  const ini = typeof conf === 'string' ? readIniFile(conf, { keepCase: true }) : conf;
  const defaults = ini.defaults;
  const logger = options.logger ?? createLogger({ name: 'proxy-server', level: getString(defaults, 'log_level', 'info') });
  const now = options.now ?? Date.now;
  const info: Record<string, Record<string, unknown>> = {};
  const pctx: PipelineContext = {
    logger,
    now,
    info,
    ownPaths: new Set(),
    registerInfo: (name, data) => {
      info[name] = { ...(info[name] ?? {}), ...data };
    },
  };
  let proxyCtx: ProxyContext | undefined;
  const registry = makeRegistry((section) => {
    let sc = options.swiftConf;
    const swiftDir = getString(section, 'swift_dir', '/etc/swift');
    const getSc = () => (sc ??= loadSwiftConf(swiftDir));
    return createProxyApp(section, pctx, {
      loadRing: options.loadRing ?? defaultRingLoader(getSc),
      swiftConf: getSc(),
      onContext: (c) => (proxyCtx = c),
    }).app;
  });
  const { spec, added } = withRequiredFilters(readPipeline(ini, registry), registry, ini.defaults);
  for (const a of added) logger.info({ filter: a.entry, position: a.index }, 'Adding required filter to pipeline');
  if (added.length > 0) logger.info({ pipeline: [...spec.filters.map((f) => f.name), spec.app.name].join(' ') }, 'Pipeline was modified');
  const app = await buildPipeline(spec, registry, pctx);
  const host = options.host ?? getString(ini.defaults, 'bind_ip', '127.0.0.1');
  const port = options.port ?? getInt(ini.defaults, 'bind_port', 8080, 0);
  const unwatch = proxyCtx ? watchErrorLimiter(proxyCtx.limiter) : undefined;
  const edge = await startEdge(app, { host, port, logger, metrics: httpMetrics('proxy-server') });
  logger.info({ host, port: edge.port, started: Timestamp.now(now).normal }, 'proxy-server listening');
  let metrics: MetricsServer | undefined;
  if (cluster.isWorker) serveMetricsToPrimary();
  else {
    const listen = metricsListen(ini.defaults, host);
    if (listen) metrics = await startMetricsServer(listen);
  }
  return {
    port: edge.port,
    host,
    metricsPort: metrics?.port,
    close: async () => {
      await edge.close();
      await metrics?.close();
      unwatch?.();
      await proxyCtx?.client.close();
      proxyCtx?.statsd.close();
    },
  };
}

/** Serves the proxy in this process until SIGTERM/SIGINT (a worker, or `workers = 0`). */
export async function serveProxy(confPath: string): Promise<void> {
  const server = await startProxyServer(confPath);
  const stop = (): void => {
    void server.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
