/**
 * Response header names outside the token set. Swift (eventlet) writes
 * whatever names it holds: S3 keeps `x-amz-meta-(` (AWS does), and a HEAD
 * returns it. Node's `setHeader` refuses any name that is no RFC 9110 token
 * (ERR_INVALID_HTTP_TOKEN); such a name, when it holds only visible ASCII
 * and no colon, goes into the response's header table directly (Node's own
 * `kOutHeaders` slot, the one `setHeader` fills: undocumented, long-standing),
 * its value still checked as `setHeader` checks it. Token names take the
 * usual path and cost nothing more.
 */
import { validateHeaderValue, type ServerResponse } from 'node:http';

let outHeaders: symbol | undefined;

function outHeadersOf(res: ServerResponse): Record<string, [string, string]> | undefined {
  outHeaders ??= Object.getOwnPropertySymbols(res).find((s) => s.description === 'kOutHeaders');
  if (!outHeaders) return undefined;
  const table = res as unknown as Record<symbol, Record<string, [string, string]> | null>;
  table[outHeaders] ??= Object.create(null) as Record<string, [string, string]>;
  return table[outHeaders] ?? undefined;
}

/** Visible ASCII but the colon: what eventlet writes and an HTTP/1.1 parser can split on the colon. */
const VISIBLE_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

export function setAnyHeader(res: ServerResponse, name: string, value: string): void {
  try {
    res.setHeader(name, value);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_INVALID_HTTP_TOKEN' || !VISIBLE_NAME.test(name)) throw err;
    validateHeaderValue(name, value);
    const table = outHeadersOf(res);
    if (!table) throw err;
    table[name.toLowerCase()] = [name, value];
  }
}
