/**
 * Objects: PUT (or CopyObject with `x-amz-copy-source`), GET and HEAD (ranges,
 * conditionals, `response-*` overrides), DELETE.
 */
import { contentRange, parseRange, rangesForLength } from '../../../common/index.js';
import { dropBody } from '../../response.js';
import type { Headers, SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Errors, type S3Error } from '../errors.js';
import { emptyResponse } from '../response.js';
import { ensureOk, swiftError } from '../swift-errors.js';
import { requestBody } from '../body.js';
import { applyResponseOverrides, checkStorageClass, contentMd5Etag, s3ObjectHeaders, swiftObjectHeaders } from '../object-headers.js';
import { copyObject } from './object-copy.js';
import { S3_ETAG_SYSMETA } from './multipart/complete.js';
import type { ResourceHandlers } from './types.js';

/** A 404 on an object: NoSuchKey, or NoSuchBucket when the bucket is what is missing. */
export async function objectNotFound(ctx: S3Context): Promise<S3Error> {
  const head = await ctx.swift('HEAD', ctx.bucket);
  dropBody(head.body);
  if (head.status === 404) return S3Errors.NoSuchBucket({ BucketName: ctx.bucket });
  return S3Errors.NoSuchKey({ Key: ctx.key });
}

/** The checks and headers of an object PUT (shared with UploadPart). */
export function putHeaders(ctx: S3Context): Headers {
  const h = ctx.req.swift.headers;
  checkStorageClass(h);
  if (h['content-length'] === undefined && h['x-amz-decoded-content-length'] === undefined) throw S3Errors.MissingContentLength();
  const out = swiftObjectHeaders(h);
  out['content-length'] = h['x-amz-decoded-content-length'] ?? h['content-length'];
  // aws-chunked is how the body travelled, not how the object is encoded.
  if (out['content-encoding'] !== undefined) {
    const rest = out['content-encoding'].split(',').map((s) => s.trim()).filter((s) => s && s.toLowerCase() !== 'aws-chunked');
    if (rest.length) out['content-encoding'] = rest.join(', ');
    else delete out['content-encoding'];
  }
  const etag = contentMd5Etag(h['content-md5']);
  if (etag !== undefined) out.etag = etag;
  for (const k of ['if-match', 'if-none-match']) if (h[k] !== undefined) out[k] = h[k];
  return out;
}

async function putObject(ctx: S3Context): Promise<SwiftResponse> {
  if (ctx.req.swift.headers['x-amz-copy-source'] !== undefined) return copyObject(ctx);
  const headers = putHeaders(ctx);
  if (headers['content-type'] === undefined) headers['content-type'] = 'binary/octet-stream';
  const { body, failure } = requestBody(ctx);
  let resp: SwiftResponse;
  try {
    resp = await ctx.swift('PUT', ctx.bucket, ctx.key, { headers, body });
  } catch (err) {
    throw failure() ?? err;
  }
  const bad = failure();
  if (bad) {
    dropBody(resp.body);
    throw bad;
  }
  if (resp.status === 404) {
    dropBody(resp.body);
    throw S3Errors.NoSuchBucket({ BucketName: ctx.bucket });
  }
  await ensureOk(ctx, resp, 'object');
  dropBody(resp.body);
  return emptyResponse(200, { etag: `"${(resp.headers.etag ?? '').replace(/"/g, '')}"` });
}

async function getOrHead(ctx: S3Context): Promise<SwiftResponse> {
  const h = ctx.req.swift.headers;
  const headers: Headers = {};
  for (const k of ['range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']) if (h[k] !== undefined) headers[k] = h[k];
  // A multipart upload's conditionals compare its S3 ETag (`<md5>-N`), not the SLO's.
  if (h['if-match'] !== undefined || h['if-none-match'] !== undefined) headers['x-backend-etag-is-at'] = S3_ETAG_SYSMETA;
  const resp = await ctx.swift(ctx.req.method, ctx.bucket, ctx.key, { headers });
  if (resp.status === 404) {
    dropBody(resp.body);
    throw await objectNotFound(ctx);
  }
  if (resp.status === 304) {
    dropBody(resp.body);
    const out = s3ObjectHeaders(resp.headers);
    delete out['content-length'];
    return emptyResponse(304, out);
  }
  if (resp.status === 416) {
    dropBody(resp.body);
    throw S3Errors.InvalidRange({ RangeRequested: h.range ?? '', ActualObjectSize: (resp.headers['content-range'] ?? '').replace(/^.*\//, '') });
  }
  if (resp.status < 200 || resp.status >= 300) throw await swiftError(ctx, resp, 'object');
  const out = s3ObjectHeaders(resp.headers);
  applyResponseOverrides(ctx, out);
  if (ctx.req.method === 'HEAD') {
    dropBody(resp.body);
    return headRange(ctx, resp.status, out);
  }
  return { status: resp.status, headers: out, body: resp.body };
}

/** A HEAD with a Range answers as the GET would (206, the range's length), as S3 and Swift's s3api do. */
function headRange(ctx: S3Context, status: number, headers: Headers): SwiftResponse {
  const range = ctx.req.swift.headers.range;
  const size = Number(headers['content-length']);
  if (status !== 200 || range === undefined || !Number.isFinite(size)) return { status, headers };
  const spec = parseRange(range);
  if (!spec || spec.length !== 1) return { status, headers };
  const ranges = rangesForLength(spec, size);
  if (ranges.length === 0) throw S3Errors.InvalidRange({ RangeRequested: range, ActualObjectSize: String(size) });
  const [start, stop] = ranges[0];
  return { status: 206, headers: { ...headers, 'content-length': String(stop - start), 'content-range': contentRange(start, stop, size) } };
}

async function deleteObject(ctx: S3Context): Promise<SwiftResponse> {
  const result = await deleteOne(ctx, ctx.key);
  if (result === 'no-bucket') throw S3Errors.NoSuchBucket({ BucketName: ctx.bucket });
  return emptyResponse(204);
}

/**
 * Deletes one key: a multipart upload's manifest with its segments, any
 * other object alone; a missing key is no error (S3's DELETE is idempotent).
 */
export async function deleteOne(ctx: S3Context, key: string): Promise<'deleted' | 'no-bucket'> {
  const head = await ctx.swift('HEAD', ctx.bucket, key);
  dropBody(head.body);
  if (head.status === 404) {
    const bucket = await ctx.swift('HEAD', ctx.bucket);
    dropBody(bucket.body);
    if (bucket.status === 404) return 'no-bucket';
    await ensureOk(ctx, bucket, 'bucket');
    return 'deleted';
  }
  await ensureOk(ctx, head, 'object');
  const slo = head.headers['x-static-large-object'] !== undefined;
  const resp = await ctx.swift('DELETE', ctx.bucket, key, { query: slo ? 'multipart-manifest=delete' : undefined });
  dropBody(resp.body);
  if (resp.status === 404) return 'deleted';
  await ensureOk(ctx, resp, 'object');
  return 'deleted';
}

export const objectHandlers: ResourceHandlers = {
  object: { PUT: putObject, GET: getOrHead, HEAD: getOrHead, DELETE: deleteObject },
};
