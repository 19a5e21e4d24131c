/**
 * Conditional requests with swob's semantics: If-Match / If-None-Match
 * (entity tags unquoted, `*` matches anything), If-Modified-Since /
 * If-Unmodified-Since against Last-Modified (whole seconds), and
 * X-Backend-Etag-Is-At naming the metadata key that holds the etag to
 * compare (encryption, EC).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { listFromCsv } from '../../common/index.js';
import { metaGet, type ObjectMetadata } from './metadata.js';

/** swob's `normalize_etag`: strips one pair of quotes. */
export function normalizeEtag(tag: string): string {
  return tag.length > 1 && tag.startsWith('"') && tag.endsWith('"') ? tag.slice(1, -1) : tag;
}

/** swob's Match: a set of tags; undefined when the header is absent. */
export function parseMatch(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const tags = new Set<string>();
  for (const t of value.split(',')) {
    const tag = t.trim();
    if (tag) tags.add(normalizeEtag(tag));
  }
  return tags;
}

export function matches(tags: Set<string>, etag: string): boolean {
  return tags.has('*') || tags.has(normalizeEtag(etag));
}

/** An HTTP date in seconds since the epoch, or undefined when unparseable (ignored, as swob does). */
function parseHttpDate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** Swift's `resolve_etag_is_at_header`. */
export function resolveEtagIsAt(headers: IncomingHttpHeaders, metadata: ObjectMetadata): string | undefined {
  const at = headers['x-backend-etag-is-at'];
  if (typeof at !== 'string') return undefined;
  for (const name of listFromCsv(at)) {
    const v = metaGet(metadata, name);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * swob's `_get_conditional_response_status`: 304, 412 or undefined (go on).
 * `etag` is the conditional etag; `lastModified` whole seconds.
 */
export function conditionalStatus(
  headers: IncomingHttpHeaders, found: boolean, etag: string | undefined, lastModified: number | undefined,
): 304 | 412 | undefined {
  const ifNoneMatch = parseMatch(headers['if-none-match']);
  const ifMatch = parseMatch(headers['if-match']);
  if (etag && ifNoneMatch && ifNoneMatch.size > 0 && matches(ifNoneMatch, etag)) return 304;
  if (etag && ifMatch && ifMatch.size > 0 && !matches(ifMatch, etag)) return 412;
  if (!found && ifMatch && ifMatch.has('*')) return 412;
  const ims = parseHttpDate(headers['if-modified-since']);
  if (lastModified !== undefined && ims !== undefined && lastModified <= ims) return 304;
  const ius = parseHttpDate(headers['if-unmodified-since']);
  if (lastModified !== undefined && ius !== undefined && lastModified > ius) return 412;
  return undefined;
}
