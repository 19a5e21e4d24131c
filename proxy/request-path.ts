/**
 * Splitting a `/v1/<account>[/<container>[/<object>]]` path as Swift's
 * `split_path`, with the percent-decoding and UTF-8 checks Swift applies.
 */
import { checkUtf8 } from '../common/index.js';

export interface SwiftPath {
  version: string;
  account: string;
  container?: string;
  object?: string;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Percent-decodes to raw bytes (a bad escape is left as is, as Python's
 * unquote). A string of code units up to 0xff is taken as bytes (a header
 * value as Node reads it: X-Copy-From with raw UTF-8 names), any other as
 * text to encode as UTF-8.
 */
export function unquoteBytes(s: string): Buffer {
  const src = Buffer.from(s, /^[\0-\xff]*$/.test(s) ? 'latin1' : 'utf8');
  // Most paths hold no escape: their bytes are the answer.
  if (!s.includes('%')) return src;
  const out: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === 0x25 && i + 2 < src.length && isHex(src[i + 1]) && isHex(src[i + 2])) {
      out.push(parseInt(String.fromCharCode(src[i + 1], src[i + 2]), 16));
      i += 2;
    } else {
      out.push(c);
    }
  }
  return Buffer.from(out);
}

/** The four segments of Swift's `split_path(path, 1, 4, True)`; a missing one is undefined, an empty one ''. */
export interface PathSegments {
  version: string;
  account?: string;
  container?: string;
  object?: string;
}

/**
 * Swift's `split_path(path, 1, 4, rest_with_last=True)` on a decoded path:
 * undefined where Swift raises ValueError (no leading slash, an empty
 * version segment: `//v1/a`).
 */
export function splitPath(path: string): PathSegments | undefined {
  const segs: string[] = [];
  let rest = path;
  while (segs.length < 4) {
    const i = rest.indexOf('/');
    if (i === -1) break;
    segs.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  segs.push(rest);
  if (segs[0] !== '' || segs.length < 2 || segs[1] === '') return undefined;
  return { version: segs[1], account: segs[2], container: segs[3], object: segs[4] };
}

export type PathResult = { ok: true; path: SwiftPath } | { ok: false; reason: 'utf8' | 'split' | 'bad' };

/**
 * Decodes and splits a raw request path as Swift's proxy picks a
 * controller. Invalid UTF-8 or a NUL anywhere is `utf8` (Swift answers 412
 * "Invalid UTF8 or contains NULL"); a path `split_path(path, 1, 4, True)`
 * refuses is `split` (404); one no controller takes (no account, or an
 * object without a container: `/v1`, `/v1/a//o`) is `bad` (412 "Bad URL").
 * With `allowReserved` (Swift's `check_utf8(internal=True)` for a request
 * with `X-Backend-Allow-Reserved-Names`), NUL, the reserved namespace's
 * byte, may appear.
 */
export function parseSwiftPath(rawPath: string, allowReserved = false): PathResult {
  const bytes = unquoteBytes(rawPath);
  if (!checkUtf8(bytes, allowReserved)) return { ok: false, reason: 'utf8' };
  const segs = splitPath(bytes.toString('utf8'));
  if (!segs) return { ok: false, reason: 'split' };
  const { version, account, container, object } = segs;
  if (!account) return { ok: false, reason: 'bad' };
  if (object && !container) return { ok: false, reason: 'bad' };
  return { ok: true, path: { version, account, container: container || undefined, object: object || undefined } };
}

/** Whether a request may name the reserved namespace (set only by filters: gatekeeper strips it from clients). */
export function allowsReservedNames(headers: Record<string, string>): boolean {
  return /^(true|1|yes|on|t|y)$/i.test((headers['x-backend-allow-reserved-names'] ?? '').trim());
}

/** Parses a request's path, allowing reserved names when the request may use them. */
export function parseRequestPath(req: { path: string; headers: Record<string, string> }): PathResult {
  return parseSwiftPath(req.path, allowsReservedNames(req.headers));
}

/** Parses a query string into a Map (last value wins, as Swift's params). */
export function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!query) return out;
  for (const [k, v] of new URLSearchParams(query)) out.set(k, v);
  return out;
}
