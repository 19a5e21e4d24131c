/**
 * Swift's responses as the object server sends them: status, headers, and
 * swob's default HTML body for statuses that have an explanation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeBody, swobBody, swobReason } from '../../common/index.js';

export type Headers = Record<string, string | number>;

/** swob's default body for `status` ('' when the status has no explanation). */
export function defaultBody(status: number, drive = 'unknown'): string {
  return swobBody(status, drive);
}

export const reasonPhrase = swobReason;

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

/**
 * Sends headers then streams `body` (or nothing for HEAD / empty answers).
 * A body already in memory goes out with the headers in one write.
 */
export async function sendStream(res: ServerResponse, status: number, headers: Headers, body?: Readable | Buffer): Promise<void> {
  res.writeHead(status, reasonPhrase(status), headers);
  if (!body) {
    res.end();
    return;
  }
  if (Buffer.isBuffer(body)) {
    res.end(body);
    return;
  }
  await pipeBody(body, res);
}
