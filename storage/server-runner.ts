/**
 * Serves one storage server in this process: builds the app from the
 * registry in `servers.ts` with `[DEFAULT]` + `[app:<kind>-server]`,
 * listens on bind_ip:bind_port, and stops gracefully on SIGTERM/SIGINT.
 * Forking `workers` is run-storage.ts's job.
 */
import cluster from 'node:cluster';
import {
  getInt, getString, loadSwiftConf, createLogger, metricsListen, serveMetricsToPrimary, startMetricsServer, statsdFromConf,
  type MetricsServer, type Section, type Statsd, type SwiftConf, type Logger,
} from '../common/index.js';
import { storageRequestObserver } from './storage-metrics.js';
import { createBackendServer, listenBackend, type BackendHandler, type ListeningServer } from './http/backend-server.js';
import { storageServers, type StorageKind } from './servers.js';
import { withRecon } from './recon/recon.js';
import { readStorageConf } from './run-storage.js';

/** What a storage app gets at start-up. */
export interface StorageAppContext {
  /** `[DEFAULT]` merged with `[app:<kind>-server]`. */
  conf: Section;
  swiftConf: SwiftConf;
  logger: Logger;
  /** Swift's statsd client for `<kind>-server.` names (none, or a no-op, unless log_statsd_host is set). */
  statsd?: Statsd;
}

/** A storage app: the request handler plus what to release on stop. */
export interface StorageApp {
  handler: BackendHandler;
  /** Send `100 Continue` only when the handler asks (see BackendServerOptions). */
  manualContinue?: boolean;
  close?(): Promise<void>;
}

export type StorageAppFactory = (ctx: StorageAppContext) => Promise<StorageApp> | StorageApp;

export const DEFAULT_PORTS: Record<StorageKind, number> = { object: 6200, container: 6201, account: 6202 };

export interface StartOptions {
  /** Overrides bind_ip / bind_port (port 0 picks a free one). */
  host?: string;
  port?: number;
  logger?: Logger;
  swiftConf?: SwiftConf;
}

/** Starts one storage server in this process and returns once it listens. */
export async function startStorageServer(kind: StorageKind, conf: Section, options: StartOptions = {}): Promise<StorageServer> {
  const logger = options.logger ?? createLogger({ name: `${kind}-server`, level: conf.log_level });
  const swiftConf = options.swiftConf ?? loadSwiftConf(getString(conf, 'swift_dir', '/etc/swift'));
  const statsd = statsdFromConf(conf, `${kind}-server`, { onError: (err) => logger.warn({ err: err.message }, 'Error sending UDP message to statsd') });
  const storageApp = await (await storageServers[kind]())({ conf, swiftConf, logger, statsd });
  const app = createBackendServer({
    logger, handler: withRecon(conf, storageApp.handler), manualContinue: storageApp.manualContinue,
    observe: storageRequestObserver(kind, statsd),
  });
  const host = options.host ?? getString(conf, 'bind_ip', '0.0.0.0');
  const port = options.port ?? getInt(conf, 'bind_port', DEFAULT_PORTS[kind], 0);
  const server = await listenBackend(app, host, port);
  let metrics: MetricsServer | undefined;
  if (cluster.isWorker) serveMetricsToPrimary();
  else {
    const listen = metricsListen(conf, host);
    if (listen) metrics = await startMetricsServer(listen);
  }
  return {
    ...server,
    metricsPort: metrics?.port,
    close: async () => {
      await server.close();
      await metrics?.close();
      await storageApp.close?.();
      statsd.close();
    },
  };
}

export interface StorageServer extends ListeningServer {
  /** The `/metrics` port, when `metrics_bind_port` is set (and this is no worker: a primary serves it then). */
  metricsPort?: number;
}

/** Serves one storage server in this process until SIGTERM/SIGINT (a worker, or `workers = 0`). */
export async function serveStorage(kind: StorageKind, confPath: string): Promise<void> {
  const server = await startStorageServer(kind, readStorageConf(kind, confPath));
  const stop = (): void => {
    void server.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
