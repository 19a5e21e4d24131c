/**
 * The dashboard's fastify server: the login, the guard, the page shell of
 * each registered page and its API routes, the Swift API relay, and the
 * static browser modules.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../common/index.js';
import type { DashboardConfig } from './config.js';
import { installGuard } from './guard.js';
import { renderShell } from './html.js';
import { loginRoutes } from './login.js';
import { PAGES, type DashboardPage } from './pages/index.js';
import { SessionStore } from './session.js';
import { staticRoutes } from './static-files.js';
import { SwiftClient, SwiftStatusError } from './swift-client.js';
import { SWIFT_API_PREFIX, swiftApiRoutes } from './swift-api.js';

/** Nothing but our own files runs, frames nobody, and sends no referrer outside. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

export interface DashboardOptions {
  logger?: Logger;
  /** The pages (the registry's by default). */
  pages?: readonly DashboardPage[];
}

export interface DashboardServer {
  app: FastifyInstance;
  sessions: SessionStore;
  /** e.g. http://127.0.0.1:8090 */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function buildDashboard(config: DashboardConfig, options: DashboardOptions = {}): Promise<{ app: FastifyInstance; sessions: SessionStore; swift: SwiftClient }> {
  const logger = options.logger ?? silentLogger;
  const pages = options.pages ?? PAGES;
  const app = Fastify({ loggerInstance: logger as unknown as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), trustProxy: false });
  const sessions = new SessionStore();
  const swift = new SwiftClient(config.proxyUrl);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  installGuard(app, sessions);
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    const status = err instanceof SwiftStatusError ? err.status : err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) request.log.error({ err, url: request.url.split('?')[0] }, 'dashboard request failed');
    return reply.code(status).type('application/json').send({ error: status >= 500 && !(err instanceof SwiftStatusError) ? 'internal error' : err.message });
  });
  app.addHook('onClose', async () => swift.close());

  const home = `/${pages[0]?.id ?? 'login'}`;
  await app.register(loginRoutes, { sessions, swift, config, home });
  await app.register(staticRoutes, { prefix: '/static' });
  await app.register(async (api) => swiftApiRoutes(api, swift), { prefix: SWIFT_API_PREFIX });
  app.get('/', async (_request, reply) => reply.redirect(home, 303));
  for (const page of pages) {
    app.get(`/${page.id}`, async (request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderShell(page, pages, request.session!)));
    if (page.routes) {
      const routes = page.routes.bind(page);
      await app.register(async (api) => routes(api, { config, swift, logger }), { prefix: `/api/${page.id}` });
    }
  }
  return { app, sessions, swift };
}

/** Builds the dashboard and listens on the configured address (port 0: any). */
export async function startDashboard(config: DashboardConfig, options: DashboardOptions = {}): Promise<DashboardServer> {
  const { app, sessions } = await buildDashboard(config, options);
  await app.listen({ host: config.bindIp, port: config.bindPort });
  const port = (app.server.address() as AddressInfo).port;
  const host = config.bindIp === '0.0.0.0' ? '127.0.0.1' : config.bindIp.includes(':') ? `[${config.bindIp}]` : config.bindIp;
  return { app, sessions, url: `http://${host}:${port}`, port, close: () => app.close() };
}
