/** Sending a DB server's answer: Swift's status, headers and body through fastify. */
import type { FastifyReply } from 'fastify';
import { swobBody } from '../../common/index.js';
import { HttpStatusError } from './errors.js';

export type Headers = Record<string, string | number>;

/** Statuses a DB server answers with swob's default body when given none. */
const DEFAULT_BODY_STATUSES = new Set([202, 400, 403, 404, 405, 409, 412, 413, 500]);

export function send(reply: FastifyReply, status: number, headers: Headers = {}, body?: string | Buffer): FastifyReply {
  reply.code(status);
  for (const [k, v] of Object.entries(headers)) reply.header(k, String(v));
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) reply.header('Content-Type', 'text/html; charset=UTF-8');
  if (status === 204 || status === 304) return reply.send();
  if (reply.request.method === 'HEAD') {
    // swob answers HEAD with no body but the length of a body it was given
    // (0 when it would only have sent its default text).
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) {
      reply.header('Content-Length', String(body === undefined ? 0 : Buffer.byteLength(body)));
    }
    return reply.send();
  }
  return reply.send(body ?? (DEFAULT_BODY_STATUSES.has(status) ? swobBody(status) : ''));
}

/** Answers with an HttpStatusError's status, body and headers. */
export function sendError(reply: FastifyReply, err: HttpStatusError): FastifyReply {
  return send(reply, err.status, err.headers, err.message || undefined);
}
