/**
 * A bucket's container headers (its sysmeta: versioning, tagging, CORS,
 * lifecycle) read once per S3 request: the first caller HEADs the
 * container through the pipeline, later ones reuse the answer.
 */
import { dropBody } from '../response.js';
import type { Headers } from '../types.js';
import type { S3Context } from './context.js';
import { S3Errors } from './errors.js';
import { ensureOk } from './swift-errors.js';

const seen = new WeakMap<S3Context, Map<string, Promise<Headers>>>();

/** The bucket's headers; NoSuchBucket when it is not there. */
export function bucketHeaders(ctx: S3Context, bucket = ctx.bucket): Promise<Headers> {
  let byName = seen.get(ctx);
  if (!byName) seen.set(ctx, (byName = new Map()));
  let got = byName.get(bucket);
  if (!got) {
    got = (async () => {
      const resp = await ctx.swift('HEAD', bucket);
      dropBody(resp.body);
      if (resp.status === 404) throw S3Errors.NoSuchBucket({ BucketName: bucket });
      await ensureOk(ctx, resp, 'bucket');
      return resp.headers;
    })();
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
