/**
 * The URI encodings signatures are computed over (AWS SigV4's UriEncode:
 * RFC 3986 unreserved characters kept, everything else %XX upper-case,
 * UTF-8 first).
 */
import { unquoteBytes } from '../../request-path.js';

const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/** SigV4's UriEncode of raw bytes; '/' kept when `keepSlash`. */
export function uriEncodeBytes(bytes: Buffer, keepSlash: boolean): string {
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || c === '-' || c === '.' || c === '_' || c === '~' || (keepSlash && c === '/')) {
      out += c;
    } else {
      out += '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
    }
  }
  return out;
}

export function uriEncode(s: string, keepSlash = false): string {
  return UNRESERVED.test(s) ? s : uriEncodeBytes(Buffer.from(s, 'utf8'), keepSlash);
}

/** Decodes one query component as S3 does (percent escapes; '+' is a space in forms, kept literal here as S3 does for SigV4). */
export function decodeComponent(s: string): string {
  return s.includes('%') ? unquoteBytes(s).toString('utf8') : s;
}

export interface QueryPair {
  /** As sent, percent-encoded. */
  rawKey: string;
  rawValue: string;
  key: string;
  value: string;
}

/** Splits a raw query string into its pairs, in order, keeping both forms. */
export function splitQuery(query: string): QueryPair[] {
  if (!query) return [];
  const out: QueryPair[] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    out.push({ rawKey, rawValue, key: decodeComponent(rawKey.replace(/\+/g, '%20')), value: decodeComponent(rawValue.replace(/\+/g, '%20')) });
  }
  return out;
}
