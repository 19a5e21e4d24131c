/**
 * The front of a DB server's request handling (Swift's `__call__`): the
 * method check (405), OPTIONS, and turning typed errors into Swift's
 * statuses; everything else goes to the server's router.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SwiftlyError, type Logger } from '../../common/index.js';
import { backendMethod } from '../http/backend-server.js';
import { DatabaseGoneError, HttpStatusError } from './errors.js';
import { checkPathUtf8 } from './request.js';
import { send, sendError } from './response.js';

export interface DispatchOptions {
  serverType: string;
  /** Every verb the server has (REPLICATE being its replication verb). */
  methods: string[];
  replicationServer: boolean | undefined;
  logRequests: boolean;
  /** The 412 body for a path that is not UTF-8. */
  utf8Body: string;
  logger: Logger;
  route(method: string): Promise<FastifyReply> | FastifyReply;
}

/** Swift's `allowed_methods` for a server's `replication_server` setting. */
function allowedMethods(opts: DispatchOptions): string[] {
  if (opts.replicationServer === undefined) return opts.methods;
  return opts.methods.filter((m) => (m === 'REPLICATE') === opts.replicationServer);
}

export async function handleDbRequest(req: FastifyRequest, reply: FastifyReply, opts: DispatchOptions): Promise<FastifyReply> {
  const method = backendMethod(req);
  if (opts.logRequests) {
    const started = process.hrtime.bigint();
    reply.raw.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method, url: req.url, status: reply.raw.statusCode, ms, txId: req.headers['x-trans-id'] };
      // Swift logs REPLICATE at debug so replication does not flood the log.
      if (method === 'REPLICATE') req.log.debug(line, 'access');
      else req.log.info(line, 'access');
    });
  }
  // The method shim can only rewrite a connection's first request, and
  // Swift's DB replicator sends several REPLICATEs on one keep-alive
  // connection: closing after each makes its client reconnect for the next.
  if (method === 'REPLICATE' || method === 'UPDATE') reply.header('Connection', 'close');
  try {
    checkPathUtf8(req.url, opts.utf8Body);
    const allowed = allowedMethods(opts);
    if (!allowed.includes(method)) return send(reply, 405);
    if (method === 'OPTIONS') {
      return send(reply, 200, { Allow: allowed.join(', '), Server: opts.serverType, 'Content-Length': 0 });
    }
    return await opts.route(method);
  } catch (err) {
    if (err instanceof HttpStatusError) return sendError(reply, err);
    // The DB was removed under a waiting write (a handoff copy replicated away): as if it had never been here.
    if (err instanceof DatabaseGoneError) return sendError(reply, new HttpStatusError(404));
    // Path errors (split_path, device/partition checks) are text/plain in Swift.
    if (err instanceof SwiftlyError && err.status < 500) return send(reply, err.status, { 'Content-Type': 'text/plain' }, err.message);
    req.log.error({ err, method, url: req.url }, 'ERROR __call__ error');
    return send(reply, 500, {}, '');
  }
}
