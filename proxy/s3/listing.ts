/**
 * Swift container listings as S3 listings need them: one page of JSON
 * (objects and, with a delimiter, common prefixes) read through the
 * pipeline, and the parameter checks every S3 listing shares.
 */
import { quotePath } from '../../common/index.js';
import { readSmallBody } from '../response.js';
import type { S3Context } from './context.js';
import { S3Errors } from './errors.js';
import { ensureOk } from './swift-errors.js';

export interface ListingEntry {
  name?: string;
  subdir?: string;
  hash?: string;
  bytes?: number;
  content_type?: string;
  last_modified?: string;
}

const MAX_32BIT_INT = 2147483647;

/** An integer query parameter S3 checks (`max-keys`, `max-uploads`, …): InvalidArgument when not one. */
export function intParam(ctx: S3Context, name: string, def: number): number {
  const v = ctx.req.params.get(name);
  if (v === undefined) return def;
  if (!/^\d+$/.test(v) || Number(v) > MAX_32BIT_INT) {
    throw S3Errors.InvalidArgument({ ArgumentName: name, ArgumentValue: v }, `Provided ${name} not an integer or within integer range`);
  }
  return Number(v);
}

/** `encoding-type`: 'url' or nothing. */
export function encodingType(ctx: S3Context): 'url' | undefined {
  const v = ctx.req.params.get('encoding-type');
  if (v === undefined) return undefined;
  if (v !== 'url') throw S3Errors.InvalidArgument({ ArgumentName: 'encoding-type', ArgumentValue: v }, 'Invalid Encoding Method specified in Request');
  return 'url';
}

/** A name as the listing shows it: URL-encoded when asked. */
export function encoder(type: 'url' | undefined): (s: string) => string {
  return type === 'url' ? (s) => quotePath(s) : (s) => s;
}

/** One page of a container's listing, `limit` entries at most. */
export async function listContainer(
  ctx: S3Context,
  container: string,
  opts: { limit: number; marker?: string; prefix?: string; delimiter?: string; endMarker?: string; extra?: Record<string, string> },
): Promise<ListingEntry[]> {
  const q = new URLSearchParams({ format: 'json', limit: String(opts.limit) });
  if (opts.marker) q.set('marker', opts.marker);
  if (opts.prefix) q.set('prefix', opts.prefix);
  if (opts.delimiter) q.set('delimiter', opts.delimiter);
  if (opts.endMarker) q.set('end_marker', opts.endMarker);
  for (const [k, v] of Object.entries(opts.extra ?? {})) q.set(k, v);
  const resp = await ensureOk(ctx, await ctx.swift('GET', container, undefined, { query: q.toString().replace(/\+/g, '%20') }), 'bucket');
  const body = await readSmallBody(resp.body);
  return body.length ? (JSON.parse(body.toString('utf8')) as ListingEntry[]) : [];
}

/** Swift's listing time (`2024-01-02T03:04:05.678900`) as S3 shows it: whole seconds, rounded up as Last-Modified is. */
export function s3ListingTime(lastModified: string | undefined): string {
  if (!lastModified) return '2009-02-03T16:45:09.000Z';
  const ms = Date.parse(lastModified.endsWith('Z') ? lastModified : `${lastModified}Z`);
  if (Number.isNaN(ms)) return '2009-02-03T16:45:09.000Z';
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString();
}

/** An ETag as S3 shows it: quoted. */
export function quoteEtag(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

/**
 * The ETag a listing entry shows. A multipart upload's `<md5>-N` rides in
 * the listing's hash as a parameter (`<slo etag>; s3_etag=<md5>-N`, from
 * the container-update override s3api sets), as Swift's s3api keeps it.
 */
export function listingEtag(entry: ListingEntry & { s3_etag?: string }): string {
  if (entry.s3_etag) return quoteEtag(entry.s3_etag);
  const hash = entry.hash ?? '';
  const i = hash.indexOf(';');
  if (i === -1) return quoteEtag(hash);
  const m = /;\s*s3_etag=([^;\s]+)/.exec(hash);
  return quoteEtag(m ? m[1] : hash.slice(0, i).trim());
}
