/**
 * Building responses as Swift's swob does: a status, its reason, and the
 * default HTML error body Swift sends for it.
 */
import type { Headers, ResponseBody, SwiftResponse } from './types.js';

const REASONS: Record<number, [string, string]> = {
  200: ['OK', ''],
  201: ['Created', ''],
  202: ['Accepted', 'The request is accepted for processing.'],
  204: ['No Content', ''],
  206: ['Partial Content', ''],
  304: ['Not Modified', ''],
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  401: ['Unauthorized', 'This server could not verify that you are authorized to access the document you requested.'],
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
  501: ['Not Implemented', 'The server is unable to perform the requested operation.'],
  502: ['Bad Gateway', 'The server received an invalid response from an upstream server.'],
  503: ['Service Unavailable', 'The server is currently unavailable. Please try again at a later time.'],
  504: ['Gateway Timeout', 'A timeout has occurred speaking to a backend server.'],
  507: ['Insufficient Storage', 'There was not enough space to save the resource.'],
};

/** The reason phrase Swift uses for a status. */
export function reasonFor(status: number): string {
  return REASONS[status]?.[0] ?? 'Unknown';
}

/**
 * A response with Swift's default body: the given text, or for an error
 * status without one the HTML page swob renders.
 */
export function makeResponse(status: number, body?: string | Buffer, headers: Headers = {}): SwiftResponse {
  const out: Headers = { ...headers };
  let payload: ResponseBody = body;
  if (payload === undefined && status >= 400 && REASONS[status]) {
    const [title, explanation] = REASONS[status];
    payload = `<html><h1>${title}</h1><p>${explanation}</p></html>`;
  }
  if (payload !== undefined) {
    const len = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    out['content-length'] ??= String(len);
    out['content-type'] ??= 'text/html; charset=UTF-8';
  } else {
    out['content-length'] ??= '0';
    if (status !== 204 && status !== 304) out['content-type'] ??= 'text/html; charset=UTF-8';
  }
  return { status, headers: out, body: payload };
}

/** Lower-cases header names (for headers that came from elsewhere). */
export function lowerHeaders(headers: Record<string, string | string[] | undefined>): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** Drains and discards a response body (so a keep-alive socket is reusable). */
export function discardBody(res: SwiftResponse): void {
  const b = res.body;
  if (b && typeof b === 'object' && 'resume' in b) b.resume();
}

/** Reads a whole (small) body: listings and error texts only, never objects. */
export async function readSmallBody(body: ResponseBody, limit = 64 * 1024 * 1024): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('body too large to buffer');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Drops a body stream nobody will read. undici reports a destroyed body as
 * an 'error' (RequestAbortedError): swallow it, or it is an uncaught error.
 */
export function dropBody(body: ResponseBody): void {
  if (body && typeof body === 'object' && !Buffer.isBuffer(body) && !body.destroyed) {
    body.on('error', () => undefined);
    body.destroy();
  }
}
