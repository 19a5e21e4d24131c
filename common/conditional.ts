/**
 * Conditional requests with swob's semantics: If-Match / If-None-Match
 * (entity tags unquoted, `*` matches anything), If-Modified-Since /
 * If-Unmodified-Since against Last-Modified (whole seconds). Shared by the
 * object server and the proxy's large-object filters (which answer for a
 * whole made of segments).
 */

/** Request headers as either side holds them. */
type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

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

/**
 * swob's `_get_conditional_response_status`: 304, 412 or undefined (go on).
 * `etag` is the conditional etag; `lastModified` whole seconds.
 */
export function conditionalStatus(
  headers: HeaderBag, found: boolean, etag: string | undefined, lastModified: number | undefined,
): 304 | 412 | undefined {
  const ifNoneMatch = parseMatch(one(headers['if-none-match']));
  const ifMatch = parseMatch(one(headers['if-match']));
  if (etag && ifNoneMatch && ifNoneMatch.size > 0 && matches(ifNoneMatch, etag)) return 304;
  if (etag && ifMatch && ifMatch.size > 0 && !matches(ifMatch, etag)) return 412;
  if (!found && ifMatch && ifMatch.has('*')) return 412;
  const ims = parseHttpDate(one(headers['if-modified-since']));
  if (lastModified !== undefined && ims !== undefined && lastModified <= ims) return 304;
  const ius = parseHttpDate(one(headers['if-unmodified-since']));
  if (lastModified !== undefined && ius !== undefined && lastModified > ius) return 412;
  return undefined;
}
