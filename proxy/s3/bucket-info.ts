/**
 * A bucket's container sysmeta (ACL, versioning, tagging, CORS, lifecycle)
 * as s3api's object calls read it: from the proxy's container info (Swift's
 * s3api `get_container_info`), the same cached look-up the object
 * controller makes for the request's own Swift call, so an S3 PUT or GET
 * costs no HEAD of its bucket. The container controller drops that info
 * whenever the container changes (our sysmeta POSTs included), so the next
 * request reads it anew. Requests that answer with a bucket's configuration
 * HEAD the bucket through the pipeline instead (`headBucket`): Swift's
 * authorization then decides who may read it.
 */
import { dropBody } from '../response.js';
import type { Headers, SwiftResponse } from '../types.js';
import type { S3Context } from './context.js';
import { S3Errors } from './errors.js';
import { ensureOk } from './swift-errors.js';

const CONTAINER_SYSMETA = 'x-container-sysmeta-';

const seen = new WeakMap<S3Context, Map<string, Promise<Headers>>>();

/** The bucket's HEAD through the pipeline (authorized as any Swift request); NoSuchBucket when it is not there. */
export async function headBucket(ctx: S3Context, bucket = ctx.bucket): Promise<SwiftResponse> {
  const resp = await ctx.swift('HEAD', bucket);
  dropBody(resp.body);
  if (resp.status === 404) throw S3Errors.NoSuchBucket({ BucketName: bucket });
  return ensureOk(ctx, resp, 'bucket');
}

/** The bucket's sysmeta from the container info, or from a HEAD when the pipeline has no proxy app or auth filter to give it. */
async function readBucketSysmeta(ctx: S3Context, bucket: string): Promise<Headers> {
  const source = ctx.pipeline?.infoSource;
  const account = source && (await ctx.authenticatedAccount());
  if (!source || account === undefined) return (await headBucket(ctx, bucket)).headers;
  const info = await source.container(ctx.req.swift, account, bucket);
  if (info.status === 404) throw S3Errors.NoSuchBucket({ BucketName: bucket });
  await ensureOk(ctx, { status: info.status, headers: {} }, 'bucket');
  const headers: Headers = {};
  for (const [k, v] of Object.entries(info.sysmeta)) headers[CONTAINER_SYSMETA + k] = v;
  return headers;
}

/** The bucket's container sysmeta (`x-container-sysmeta-*`); NoSuchBucket when it is not there. */
export function bucketHeaders(ctx: S3Context, bucket = ctx.bucket): Promise<Headers> {
  let byName = seen.get(ctx);
  if (!byName) seen.set(ctx, (byName = new Map()));
  let got = byName.get(bucket);
  if (!got) {
    got = readBucketSysmeta(ctx, bucket);
    byName.set(bucket, got);
    // A failed look-up is not kept: the caller sees it once.
    got.catch(() => byName!.delete(bucket));
  }
  return got;
}

/** Forgets what was read (after the request changed the bucket's sysmeta). */
export function forgetBucketHeaders(ctx: S3Context): void {
  seen.delete(ctx);
}

/** The longest header value Swift takes (`max_header_size`'s default): a stored configuration must fit. */
export const MAX_SYSMETA_VALUE = 8192;

/** Sets (or, with '', removes) container sysmeta on the bucket. */
export async function postBucketSysmeta(ctx: S3Context, headers: Headers): Promise<void> {
  for (const v of Object.values(headers)) {
    if (Buffer.byteLength(v) > MAX_SYSMETA_VALUE) throw S3Errors.InvalidRequest({}, `The configuration is larger than this store keeps for a bucket (${MAX_SYSMETA_VALUE} bytes once stored).`);
  }
  const resp = await ctx.swift('POST', ctx.bucket, undefined, { headers });
  dropBody(resp.body);
  if (resp.status === 404) throw S3Errors.NoSuchBucket({ BucketName: ctx.bucket });
  await ensureOk(ctx, resp, 'bucket');
  forgetBucketHeaders(ctx);
}
