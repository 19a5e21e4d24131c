/**
 * Building responses as Swift's swob does: a status, its reason, and the
 * default HTML error body Swift sends for it.
 */
import { swobBody, swobReason } from '../common/index.js';
import type { Headers, ResponseBody, SwiftResponse } from './types.js';


/** The reason phrase Swift uses for a status. */
export function reasonFor(status: number): string {
  return swobReason(status) ?? 'Unknown';
}

/**
 * A response with Swift's default body: the given text, or for an error
 * status without one the HTML page swob renders.
 */
export function makeResponse(status: number, body?: string | Buffer, headers: Headers = {}): SwiftResponse {
  const out: Headers = { ...headers };
  let payload: ResponseBody = body;
  if (payload === undefined && status >= 400) payload = swobBody(status) || undefined;
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
