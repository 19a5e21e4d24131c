/**
 * Runs one storage server from a Swift-style config file: reads
 * `[DEFAULT]` + `[app:<kind>-server]`, builds the app from the registry in
 * `servers.ts`, listens on bind_ip:bind_port, forks `workers` processes with
 * node:cluster, and stops gracefully on SIGTERM/SIGINT.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import {
  readIniFile, getSection, getInt, getString, loadSwiftConf, createLogger, ConfigError,
  type Section, type SwiftConf, type Logger,
} from '../common/index.js';
import { createBackendServer, listenBackend, type BackendHandler, type ListeningServer } from './http/backend-server.js';
import { storageServers, type StorageKind } from './servers.js';
import { withRecon } from './recon/recon.js';

/** What a storage app gets at start-up. */
export interface StorageAppContext {
  /** `[DEFAULT]` merged with `[app:<kind>-server]`. */
  conf: Section;
  swiftConf: SwiftConf;
  logger: Logger;
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

/** Reads `[DEFAULT]` + `[app:<kind>-server]` of a storage server config. */
export function readStorageConf(kind: StorageKind, confPath: string): Section {
  const ini = readIniFile(confPath);
  const section = getSection(ini, `app:${kind}-server`);
  if (!section) throw new ConfigError(`Unable to find app:${kind}-server config section in ${confPath}`);
  return section;
}

export interface StartOptions {
  /** Overrides bind_ip / bind_port (port 0 picks a free one). */
  host?: string;
  port?: number;
  logger?: Logger;
  swiftConf?: SwiftConf;
}

/** Starts one storage server in this process and returns once it listens. */
export async function startStorageServer(kind: StorageKind, conf: Section, options: StartOptions = {}): Promise<ListeningServer> {
  const logger = options.logger ?? createLogger({ name: `${kind}-server`, level: conf.log_level });
  const swiftConf = options.swiftConf ?? loadSwiftConf(getString(conf, 'swift_dir', '/etc/swift'));
  const storageApp = await storageServers[kind]({ conf, swiftConf, logger });
  const app = createBackendServer({ logger, handler: withRecon(conf, storageApp.handler), manualContinue: storageApp.manualContinue });
  const host = options.host ?? getString(conf, 'bind_ip', '0.0.0.0');
  const port = options.port ?? getInt(conf, 'bind_port', DEFAULT_PORTS[kind], 0);
  const server = await listenBackend(app, host, port);
  return {
    ...server,
    close: async () => {
      await server.close();
      await storageApp.close?.();
    },
  };
}

/** Swift's `workers`: a number, or `auto` for one per core. 0 means no fork. */
export function workerCount(conf: Section): number {
  const w = getString(conf, 'workers', 'auto');
  return w === 'auto' ? availableParallelism() : getInt(conf, 'workers', 1, 0);
}

/**
 * The long-running form used by `swiftly server <kind> <conf>`: forks
 * workers when asked, restarts a worker that dies, and exits on SIGTERM.
 */
export async function runStorageServer(kind: StorageKind, confPath: string): Promise<void> {
  const conf = readStorageConf(kind, confPath);
  const workers = workerCount(conf);
  if (cluster.isPrimary && workers > 0) {
    let stopping = false;
    for (let i = 0; i < workers; i++) cluster.fork();
    cluster.on('exit', (worker, code) => {
      if (!stopping) {
        process.stderr.write(`${kind}-server worker ${worker.process.pid} exited (${code}); restarting\n`);
        cluster.fork();
      }
    });
    const stop = (): void => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return;
  }
  const server = await startStorageServer(kind, conf);
  const stop = (): void => {
    void server.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
