/**
 * The fastify edge every storage server shares: raw request streams (no body
 * parsing), one catch-all route per server, Swift's backend verbs through the
 * method shim, typed errors turned into Swift's status and body here only.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { acceptAnyContentType, lazySchemaCompilers, SwiftlyError, type Logger } from '../../common/index.js';
import { BACKEND_METHOD_HEADER, createShimmedListener } from './method-shim.js';

/** Every method a backend handler may see (the shimmed ones arrive as PROPPATCH). */
const ROUTED_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'COPY', 'OPTIONS', 'PROPPATCH'] as const;

export type BackendHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown;

export interface BackendServerOptions {
  logger: Logger;
  /** Answers every request; read the verb with `backendMethod(request)`. */
  handler: BackendHandler;
  /**
   * When true, a request with `Expect: 100-continue` gets its `100 Continue`
   * only when the handler calls `sendContinue` (as eventlet does on the
   * first body read), so a handler can refuse (409, 412, 507) first — Swift's
   * proxy relies on that. Otherwise Node answers 100 at once.
   */
  manualContinue?: boolean;
  /** Called first for every request (metrics: it watches the response close). */
  observe?: (req: IncomingMessage, res: ServerResponse) => void;
}

const expectingContinue = new WeakMap<IncomingMessage, ServerResponse>();

/**
 * Sends `100 Continue` to a client waiting for it (see `manualContinue`);
 * does nothing otherwise or when already sent.
 */
export function sendContinue(req: IncomingMessage, headers?: Record<string, string>): void {
  const res = expectingContinue.get(req);
  if (!res) return;
  expectingContinue.delete(req);
  if (!headers) {
    res.writeContinue();
    return;
  }
  // Node's writeContinue sends no headers; Swift's object server says in
  // its 100 what it can do (X-Obj-Metadata-Footer). This is writeContinue
  // with headers: the same raw write of the interim head.
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const raw = res as unknown as { _writeRaw(data: string, encoding: string): boolean; _sent100: boolean };
  raw._writeRaw(`HTTP/1.1 100 Continue\r\n${lines}\r\n`, 'latin1');
  raw._sent100 = true;
}

/** The request's real verb: REPLICATE/SSYNC/UPDATE come through the shim. */
export function backendMethod(request: FastifyRequest): string {
  if (request.method === 'PROPPATCH') {
    const m = request.headers[BACKEND_METHOD_HEADER];
    if (typeof m === 'string') return m;
  }
  return request.method;
}

/** Builds the fastify app of a storage server (not yet listening). */
export function createBackendServer(options: BackendServerOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    exposeHeadRoutes: false,
    return503OnClosing: true,
    schemaController: lazySchemaCompilers(),
    // A path that does not decode as UTF-8 still reaches the handler, which
    // answers as Swift does (412 "Invalid UTF8") rather than fastify's 400.
    frameworkErrors: (err, req, res) => {
      const request = req as FastifyRequest;
      const reply = res as unknown as FastifyReply;
      if (err.code !== 'FST_ERR_BAD_URL') return void reply.code(400).send(err.message);
      Promise.resolve()
        .then(() => options.handler(request, reply))
        .catch((e: unknown) => {
          request.log.error({ err: e }, 'backend request failed');
          if (!reply.sent) void reply.code(500).send('');
        });
    },
    routerOptions: { maxParamLength: 1 << 16, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false },
    serverFactory: (fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void) => {
      const observe = options.observe;
      const handler = observe
        ? (req: IncomingMessage, res: ServerResponse): void => {
          observe(req, res);
          fastifyHandler(req, res);
        }
        : fastifyHandler;
      const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 60_000 }, handler);
      if (options.manualContinue) {
        server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
          expectingContinue.set(req, res);
          handler(req, res);
        });
      }
      return server;
    },
  });
  for (const m of ['COPY', 'PROPPATCH']) app.addHttpMethod(m, { hasBody: true });
  acceptAnyContentType(app);
  app.route({ method: [...ROUTED_METHODS], url: '/*', handler: options.handler });
  app.route({ method: [...ROUTED_METHODS], url: '/', handler: options.handler });
  app.setErrorHandler((err, request, reply) => {
    const status = err instanceof SwiftlyError ? err.status : (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err }, 'backend request failed');
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    void reply.code(status).header('content-type', 'text/html; charset=UTF-8').send(status >= 500 ? '' : (err as Error).message);
  });
  return app;
}

export interface ListeningServer {
  port: number;
  host: string;
  close(): Promise<void>;
}

/** Starts `app` on host:port through the method shim (port 0 picks one). */
export async function listenBackend(app: FastifyInstance, host: string, port: number): Promise<ListeningServer> {
  await app.ready();
  const httpServer = app.server as HttpServer;
  const listener: NetServer = createShimmedListener(httpServer);
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => resolve());
  });
  // Node's http server sets up its connection tracking (timeouts,
  // closeIdleConnections) on 'listening'; ours never listens itself.
  httpServer.emit('listening');
  const addr = listener.address() as AddressInfo;
  return {
    port: addr.port,
    host,
    close: async () => {
      await new Promise<void>((resolve) => {
        listener.close(() => resolve());
        httpServer.closeIdleConnections();
        setTimeout(() => httpServer.closeAllConnections(), 2000).unref();
      });
      await app.close();
    },
  };
}
