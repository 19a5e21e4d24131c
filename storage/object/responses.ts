/**
 * Swift's responses as the object server sends them: status, headers, and
 * swob's default HTML body for statuses that have an explanation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** swob's RESPONSE_REASONS: title and explanation per status. */
const REASONS: Record<number, [string, string]> = {
  200: ['OK', ''], 201: ['Created', ''],
  202: ['Accepted', 'The request is accepted for processing.'],
  204: ['No Content', ''], 206: ['Partial Content', ''], 304: ['Not Modified', ''],
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'The method is not allowed for this resource.'],
  408: ['Request Timeout', 'The server has waited too long for the request to be sent by the client.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  411: ['Length Required', 'Content-Length header required.'],
  412: ['Precondition Failed', 'A precondition for this request was not met.'],
  413: ['Request Entity Too Large', 'The body of your request was too large for this server.'],
  416: ['Requested Range Not Satisfiable', 'The Range requested is not available.'],
  422: ['Unprocessable Entity', 'Unable to process the contained instructions'],
  499: ['Client Disconnect', 'The client was disconnected during request.'],
  500: ['Internal Error', 'The server has either erred or is incapable of performing the requested operation.'],
  503: ['Service Unavailable', 'The server is currently unavailable. Please try again at a later time.'],
  507: ['Insufficient Storage', 'There was not enough space to save the resource. Drive: %(drive)s'],
};

export type Headers = Record<string, string | number>;

/** swob's default body for `status` ('' when the status has no explanation). */
export function defaultBody(status: number, drive = 'unknown'): string {
  const reason = REASONS[status];
  if (!reason || !reason[1]) return '';
  return `<html><h1>${reason[0]}</h1><p>${reason[1].replace('%(drive)s', drive)}</p></html>`;
}

export function reasonPhrase(status: number): string | undefined {
  return REASONS[status]?.[0];
}

/**
 * An early answer from inside a handler (Swift's `raise HTTPxxx`). With no
 * body, swob's default HTML body is sent.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body?: string,
    readonly headers: Headers = {},
  ) {
    super(body ?? defaultBody(status));
    this.name = 'HttpError';
  }
}

/** 400 with a text/plain body, as Swift's checks answer. */
export const badRequest = (body: string): HttpError => new HttpError(400, body, { 'Content-Type': 'text/plain' });

/** Sends a whole response. Content-Type defaults to swob's text/html. */
export function send(res: ServerResponse, status: number, headers: Headers = {}, body?: string | Buffer): void {
  const text = body ?? defaultBody(status, String(headers['x-drive'] ?? 'unknown'));
  const payload = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const out: Headers = { 'Content-Type': 'text/html; charset=UTF-8', ...headers };
  delete out['x-drive'];
  out['Content-Length'] = payload.length;
  res.writeHead(status, reasonPhrase(status), out);
  res.end(payload);
}

/** Sends an error answer; after a 4xx on an unread body the connection closes. */
export function sendError(req: IncomingMessage, res: ServerResponse, err: HttpError): void {
  const headers: Headers = { ...err.headers };
  if (!req.complete && req.method !== 'GET' && req.method !== 'HEAD') headers.Connection = 'close';
  send(res, err.status, headers, err.body);
}

/** Sends headers then streams `body` (or nothing for HEAD / empty answers). */
export async function sendStream(res: ServerResponse, status: number, headers: Headers, body?: Readable): Promise<void> {
  res.writeHead(status, reasonPhrase(status), headers);
  if (!body) {
    res.end();
    return;
  }
  await pipeline(body, res);
}
