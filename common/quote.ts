/**
 * Python's `urllib.parse.quote(s, safe='/')`, how Swift puts account,
 * container and object names into request paths (proxy to storage, storage
 * to storage, daemons to storage).
 */

/**
 * Percent-encodes the UTF-8 bytes of `path`, leaving letters, digits,
 * `_.-~` and `/` as they are. A lone surrogate is encoded as U+FFFD, as
 * `Buffer.from(s, 'utf8')` would.
 */
export function quotePath(path: string): string {
  // encodeURIComponent keeps !'()* too; Python's quote does not.
  return encodeURIComponent(wellFormed(path))
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** `s` with each lone surrogate (which encodeURIComponent refuses) as U+FFFD. */
function wellFormed(s: string): string {
  return /[\ud800-\udfff]/.test(s) ? Buffer.from(s, 'utf8').toString('utf8') : s;
}
