/**
 * S3 CORS applied: a preflight (OPTIONS on a bucket or object path, which
 * no browser signs) answered from the bucket's rules, and the
 * Access-Control-* headers added to a signed request that has an Origin.
 *
 * A preflight names a bucket but no account, and a bucket lives in its
 * owner's account: the bucket → account mapping is kept in the cache (the
 * `cache` filter: memcached when configured) whenever the bucket's CORS
 * rules are set or read, or a signed request with an Origin reaches the
 * bucket. A preflight for a bucket the cache does not know is refused as
 * one for a bucket without CORS.
 */
import { quotePath } from '../../common/index.js';
import { dropBody } from '../response.js';
import type { App, Headers, SwiftRequest, SwiftResponse } from '../types.js';
import { subrequest } from '../filters/subrequest.js';
import type { S3Context } from './context.js';
import { S3Errors } from './errors.js';
import { bucketHeaders } from './bucket-info.js';
import { CORS_SYSMETA, corsForbidden, corsHeaders, matchRule, storedCors } from './cors.js';

const cacheKey = (bucket: string): string => `s3api/bucket-account/${bucket}`;

/** Records which account holds the request's bucket (after a signed request authenticated). */
export async function rememberBucketAccount(ctx: S3Context): Promise<void> {
  const cache = ctx.req.swift.env.cache;
  if (cache && ctx.auth.account) await cache.set(cacheKey(ctx.bucket), ctx.auth.account, 0).catch(() => undefined);
}

/** The account the cache says holds `bucket` (recorded by a signed request), if any. */
export async function knownBucketAccount(req: SwiftRequest, bucket: string): Promise<string | undefined> {
  const account = req.env.cache ? await req.env.cache.get(cacheKey(bucket)).catch(() => undefined) : undefined;
  return typeof account === 'string' ? account : undefined;
}

/** Adds the matching rule's headers to the answer of a signed request with an Origin (no rule, no headers). */
export async function withCorsHeaders(ctx: S3Context, resp: SwiftResponse): Promise<SwiftResponse> {
  const origin = ctx.req.swift.headers.origin;
  if (!origin || ctx.req.bucket === undefined) return resp;
  let rules;
  try {
    rules = storedCors((await bucketHeaders(ctx))[CORS_SYSMETA]);
  } catch {
    return resp;
  }
  if (rules.length === 0) return resp;
  await rememberBucketAccount(ctx);
  const rule = matchRule(rules, origin, ctx.req.method);
  if (rule) Object.assign(resp.headers, corsHeaders(rule, origin));
  return resp;
}

/** Whether an OPTIONS is an S3 preflight: for a bucket path, not one of Swift's (`/v1/…`, `/info`, `/auth/…`). */
export function isS3Preflight(req: SwiftRequest, bucketInHost: boolean): boolean {
  if (req.method !== 'OPTIONS') return false;
  if (bucketInHost) return true;
  const first = req.path.split('/')[1] ?? '';
  return first.length >= 3 && !/^(v1(\.0)?|v\d+|info|auth|healthcheck|crossdomain\.xml|endpoints)$/i.test(first);
}

/** Answers a preflight for `bucket` from its rules. */
export async function preflight(req: SwiftRequest, next: App, bucket: string): Promise<SwiftResponse> {
  const origin = req.headers.origin;
  if (!origin) throw S3Errors.InvalidRequest({}, 'Insufficient information. Origin request header needed.');
  const method = req.headers['access-control-request-method'];
  if (!method) throw S3Errors.InvalidRequest({}, 'Invalid Access-Control-Request-Method: null');
  const requested = (req.headers['access-control-request-headers'] ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  const account = req.env.cache ? await req.env.cache.get(cacheKey(bucket)).catch(() => undefined) : undefined;
  const rules = typeof account === 'string' ? await bucketCors(req, next, account, bucket) : [];
  if (rules.length === 0) throw corsForbidden('CORSResponse: CORS is not enabled for this bucket.');
  const rule = matchRule(rules, origin, method, requested);
  if (!rule) throw corsForbidden();
  return { status: 200, headers: { 'content-length': '0', ...corsHeaders(rule, origin, requested) } };
}

async function bucketCors(req: SwiftRequest, next: App, account: string, bucket: string) {
  const head = await next(subrequest(req, { method: 'HEAD', rawPath: quotePath(`/v1/${account}/${bucket}`), preAuthed: true, agent: 'S3Api' }));
  dropBody(head.body);
  if (head.status < 200 || head.status >= 300) return [];
  return storedCors((head.headers as Headers)[CORS_SYSMETA]);
}
