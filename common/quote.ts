/**
 * Python's `urllib.parse.quote(s, safe='/')`, how Swift puts account,
 * container and object names into request paths (proxy to storage, storage
 * to storage, daemons to storage).
 */

/** What quote(safe='/') leaves as it is. */
const SAFE = /^[A-Za-z0-9_.~\/-]*$/;

/**
 * Percent-encodes the UTF-8 bytes of `path`, leaving letters, digits,
 * `_.-~` and `/` as they are. A lone surrogate is encoded as U+FFFD, as
 * `Buffer.from(s, 'utf8')` would.
 */
export function quotePath(path: string): string {
  // Most names need no escape (every request's path goes through here).
  if (SAFE.test(path)) return path;
  // encodeURIComponent keeps !'()* too; Python's quote does not.
  return encodeURIComponent(wellFormed(path))
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** `s` with each lone surrogate (which encodeURIComponent refuses) as U+FFFD. */
function wellFormed(s: string): string {
  return /[\ud800-\udfff]/.test(s) ? Buffer.from(s, 'utf8').toString('utf8') : s;
}

/**
 * Python's `quote(b, safe='/')` over raw bytes: what Swift shows for a name
 * that may not be valid UTF-8 (bulk's error list).
 */
export function quoteBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_.~\/-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
