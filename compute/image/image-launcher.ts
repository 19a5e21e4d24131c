/**
 * Starting the image service (Glance v2 API over the Swift store): from a
 * config object (the all-in-one, tests) or a config file
 * (`swiftly compute image-api <conf>`).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createLogger, httpMetrics, openSharedMetricsServer, type Logger, type MetricsServer } from '../../common/index.js';
import { HttpTokenValidator, NoAuthValidator, type TokenValidator } from '../api/auth.js';
import { ComputeDbImageUsage } from './compute-db-usage.js';
import { createGlanceApp } from './glance-app.js';
import { GlanceService, type ImageUsage } from './glance-service.js';
import { imageConfig, readImageConfig, type ImageConfig } from './image-config.js';
import { ImageDb } from './image-db.js';
import { SwiftStore } from './swift-store.js';

export interface StartImageOptions {
  config?: Partial<ImageConfig>;
  logger?: Logger;
  validator?: TokenValidator;
  /** Replaces the compute-DB check made from `config.computeDbPath`. */
  usage?: ImageUsage;
}

export interface ImageServiceHandle {
  config: ImageConfig;
  /** `http://host:port` (without /v2). */
  url: string;
  app: FastifyInstance;
  db: ImageDb;
  store: SwiftStore;
  /** The /metrics port, when `metrics_bind_port` is set. */
  metricsPort?: number;
  stop(): Promise<void>;
}

export async function startImageService(options: StartImageOptions = {}): Promise<ImageServiceHandle> {
  const config = imageConfig(options.config);
  const logger = options.logger ?? createLogger({ name: 'swiftly-image', level: config.logLevel });
  if (!config.store.user) throw new Error('[glance_store] swift_store_user is required');
  if (config.dbPath !== ':memory:') mkdirSync(dirname(config.dbPath), { recursive: true });
  const db = new ImageDb(config.dbPath);
  const store = new SwiftStore({ authUrl: config.store.authUrl, user: config.store.user, key: config.store.key, container: config.store.container });
  const computeUsage = !options.usage && config.computeDbPath ? new ComputeDbImageUsage(config.computeDbPath) : undefined;
  const service = new GlanceService({ db, store, usage: options.usage ?? computeUsage, logger, largeObjectSize: config.store.largeObjectSize, largeObjectChunkSize: config.store.largeObjectChunkSize, imageSizeCap: config.imageSizeCap });
  const validator = options.validator ?? (config.auth.strategy === 'noauth2'
    ? new NoAuthValidator()
    : new HttpTokenValidator({ proxyUrl: config.auth.proxyUrl, adminProjects: config.auth.adminProjects, resellerPrefix: config.auth.resellerPrefix }));
  const app = createGlanceApp({ service, db, validator, logger });
  const http = httpMetrics('image-api');
  app.server.on('request', (req, res) => http.observe(req, res));
  let metrics: MetricsServer | undefined;
  const stop = async () => {
    await metrics?.close();
    await app.close();
    await computeUsage?.close();
    db.close();
  };
  try {
    await app.listen({ host: config.bindHost, port: config.bindPort });
    if (config.metricsBindPort !== undefined) metrics = await openSharedMetricsServer({ host: config.metricsBindIp, port: config.metricsBindPort });
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.bindPort;
  const host = config.bindHost === '0.0.0.0' ? '127.0.0.1' : config.bindHost.includes(':') ? `[${config.bindHost}]` : config.bindHost;
  const url = `http://${host}:${port}`;
  logger.info({ url: `${url}/v2` }, 'image API listening');
  return { config, url, app, db, store, metricsPort: metrics?.port, stop };
}

/** Run the image API from a config file until SIGINT/SIGTERM. */
export async function runImageService(confPath: string): Promise<ImageServiceHandle> {
  const running = await startImageService({ config: readImageConfig(confPath) });
  const shutdown = () => {
    void running.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return running;
}
