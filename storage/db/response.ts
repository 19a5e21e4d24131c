/** Sending a DB server's answer: Swift's status, headers and body through fastify. */
import type { FastifyReply } from 'fastify';
import { HttpStatusError } from './errors.js';

export type Headers = Record<string, string | number>;

/** Swift's bodies for bare status responses (swob's defaults), where they matter. */
const DEFAULT_BODIES: Record<number, string> = {
  202: '<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>',
  400: '<html><h1>Bad Request</h1><p>The server could not comply with the request since it is either malformed or otherwise incorrect.</p></html>',
  403: '<html><h1>Forbidden</h1><p>Access was denied to this resource.</p></html>',
  404: '<html><h1>Not Found</h1><p>The resource could not be found.</p></html>',
  405: '<html><h1>Method Not Allowed</h1><p>The method is not allowed for this resource.</p></html>',
  409: '<html><h1>Conflict</h1><p>There was a conflict when trying to complete your request.</p></html>',
  412: '<html><h1>Precondition Failed</h1><p>A precondition for this request was not met.</p></html>',
  413: '<html><h1>Request Entity Too Large</h1><p>The body of your request was too large for this server.</p></html>',
  500: '<html><h1>Internal Error</h1><p>The server has either erred or is incapable of performing the requested operation.</p></html>',
};

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
  return reply.send(body ?? DEFAULT_BODIES[status] ?? '');
}

/** Answers with an HttpStatusError's status, body and headers. */
export function sendError(reply: FastifyReply, err: HttpStatusError): FastifyReply {
  return send(reply, err.status, err.headers, err.message || undefined);
}
