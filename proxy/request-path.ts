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

/** Percent-decodes to raw bytes (a bad escape is left as is, as Python's unquote). */
export function unquoteBytes(s: string): Buffer {
  const out: number[] = [];
  const src = Buffer.from(s, 'utf8');
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

export type PathResult = { ok: true; path: SwiftPath } | { ok: false; reason: 'utf8' | 'split' | 'bad' };

/**
 * Decodes and splits a raw request path. Invalid UTF-8 or a NUL anywhere is
 * `utf8` (Swift answers 412 "Invalid UTF8 or contains NULL"); a path Swift's
 * `split_path(path, 1, 4, True)` refuses (no leading `/`, no version) is
 * `split` (404); one without an account, or an object without a container,
 * is `bad` (Swift finds no controller: 412 "Bad URL"). With `allowReserved`
 * (Swift's `check_utf8(internal=True)` for a request with
 * `X-Backend-Allow-Reserved-Names`), NUL, the reserved namespace's byte,
 * may appear.
 */
export function parseSwiftPath(rawPath: string, allowReserved = false): PathResult {
  const bytes = unquoteBytes(rawPath);
  if (!checkUtf8(bytes, allowReserved)) return { ok: false, reason: 'utf8' };
  const path = bytes.toString('utf8');
  if (!path.startsWith('/')) return { ok: false, reason: 'split' };
  const parts = path.slice(1).split('/');
  const [version, account, container] = parts;
  const object = parts.length > 3 ? parts.slice(3).join('/') : undefined;
  if (!version) return { ok: false, reason: 'split' };
  if (!account) return { ok: false, reason: 'bad' };
  // Swift's split_path(1, 4, True): an empty container with an object is bad.
  if (object !== undefined && !container) return { ok: false, reason: 'bad' };
  return {
    ok: true,
    path: {
      version,
      account,
      container: container === undefined || container === '' ? undefined : container,
      object: object === undefined || object === '' ? undefined : object,
    },
  };
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
