/**
 * Swift's `validate_sync_to` for X-Container-Sync-To on container PUT and
 * POST: an http(s) URL with a path to one of `allowed_sync_hosts`, or the
 * `//realm/cluster/account/container` form (no realms are configured here,
 * so that form is refused as Swift refuses an unknown realm).
 */
import { HttpStatusError } from '../db/errors.js';

/** Python's repr() of a str, enough for error bodies. */
function pyRepr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const URL_RE = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$/;

/** Throws a 400 with Swift's message when `value` is not an acceptable sync target. */
export function validateSyncTo(value: string, allowedSyncHosts: string[]): void {
  const trimmed = value.replace(/\/+$/, '');
  if (!trimmed) return;
  if (trimmed.startsWith('//')) {
    const data = trimmed.slice(2).split('/');
    if (data.length !== 4) throw new HttpStatusError(400, `Invalid X-Container-Sync-To format ${pyRepr(value)}`);
    throw new HttpStatusError(400, `No realm key for ${pyRepr(data[0])}`);
  }
  const m = URL_RE.exec(trimmed);
  const scheme = (m?.[1] ?? '').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    throw new HttpStatusError(400, `Invalid scheme ${pyRepr(scheme)} in X-Container-Sync-To, must be "//", "http", or "https".`);
  }
  const path = m![3] ?? '';
  if (!path) throw new HttpStatusError(400, 'Path required in X-Container-Sync-To');
  if (m![4] || m![5] || path.slice(path.lastIndexOf('/')).includes(';')) {
    throw new HttpStatusError(400, 'Params, queries, and fragments not allowed in X-Container-Sync-To');
  }
  const netloc = (m![2] ?? '').replace(/^.*@/, '');
  const host = (netloc.startsWith('[') ? netloc.slice(1, netloc.indexOf(']')) : netloc.replace(/:[^:]*$/, '')).toLowerCase();
  if (!allowedSyncHosts.includes(host)) {
    throw new HttpStatusError(400, `Invalid host ${host ? pyRepr(host) : 'None'} in X-Container-Sync-To`);
  }
}
