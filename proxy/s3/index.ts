/**
 * The S3 API (Swift's s3api): an S3 request is checked (signature format,
 * time), routed to a handler per sub-resource, and carried out as Swift
 * requests through the rest of the pipeline, whose auth filter verifies the
 * signature with the user's secret. Everything inside throws S3Errors;
 * `handleS3` turns them into S3's XML error bodies.
 */
import type { App, PipelineContext, SwiftRequest, SwiftResponse } from '../types.js';
import { s3Conf, type S3Conf } from './conf.js';
import { S3Context } from './context.js';
import { BodyError, S3Error, S3Errors } from './errors.js';
import { errorResponse, withS3Ids } from './response.js';
import { parseS3Request, bucketFromHost, type S3Request } from './request.js';
import { hasS3Credentials, readSignature } from './auth/index.js';
import { route } from './router.js';
import { isS3Preflight, preflight, withCorsHeaders } from './cors-apply.js';
import { anonymousAccount, publicPathBucketAccount } from './anonymous.js';
import { corsForbidden } from './cors.js';
import { authorizeByAcl } from './acl-check.js';

export { s3Conf, type S3Conf };
export { publicPathBucketAccount };
export { S3Error, S3Errors };

/** Whether s3api answers this request (S3 credentials, or a bucket named by host), else it is Swift's. */
export function isS3Request(req: SwiftRequest, conf: S3Conf): boolean {
  if (hasS3Credentials(req)) return true;
  const inHost = bucketFromHost(req.headers.host, conf) !== undefined;
  return inHost || (req.headers.origin !== undefined && isS3Preflight(req, false));
}

/**
 * Answers an S3 request. `pathAccount`: the account of the public bucket
 * an unsigned path-style request names (publicPathBucketAccount).
 */
export async function handleS3(req: SwiftRequest, next: App, conf: S3Conf, ctx: PipelineContext, pathAccount?: string): Promise<SwiftResponse> {
  const transId = req.env.transId;
  let s3ctx: S3Context | undefined;
  try {
    const s3req = parseS3Request(req, conf);
    const signed = hasS3Credentials(req);
    if (!signed && isS3Preflight(req, s3req.bucketInHost)) {
      if (s3req.bucket === undefined) throw corsForbidden('CORSResponse: CORS is not enabled for this bucket.');
      return withS3Ids(await preflight(req, next, s3req.bucket), transId);
    }
    if (!signed) {
      const account = await anonymousAccount(s3req, conf, pathAccount);
      if (account === undefined) throw S3Errors.AccessDenied();
      s3ctx = new S3Context(s3req, conf, next, S3Context.ANONYMOUS, ctx.now, ctx, account);
      await authorizeByAcl(s3ctx);
      return withS3Ids(await withCorsHeaders(s3ctx, await route(s3req)(s3ctx)), transId);
    }
    const signature = readSignature(s3req, conf, ctx.now());
    const handler = route(s3req);
    s3ctx = new S3Context(s3req, conf, next, signature, ctx.now, ctx);
    if (conf.s3Acl) await authorizeByAcl(s3ctx);
    const resp = await handler(s3ctx);
    // Only a request with an Origin gets CORS headers: the others skip the bucket look-up's promise.
    return withS3Ids(req.headers.origin === undefined ? resp : await withCorsHeaders(s3ctx, resp), transId);
  } catch (err) {
    // An unread request body is left to the edge, which drains it after the
    // answer (destroying it here would cut the connection before the answer).
    const s3err = err instanceof S3Error ? err : err instanceof BodyError ? err.s3 : undefined;
    if (!s3err) {
      ctx.logger.error({ err, txn: transId }, 's3api: unexpected error');
      return withS3Ids(errorResponse(S3Errors.InternalError(), transId), transId);
    }
    const resp = errorResponse(s3err, transId);
    return withS3Ids(s3ctx ? await withCorsHeaders(s3ctx, resp) : resp, transId);
  }
}
