/**
 * Swift's answers, as S3 errors: a status from a Swift request s3api made
 * becomes the S3 error a client branches on, given what was asked for.
 */
import { dropBody, readSmallBody } from '../response.js';
import type { SwiftResponse } from '../types.js';
import { S3Error, S3Errors } from './errors.js';
import type { S3Context } from './context.js';

export type Target = 'service' | 'bucket' | 'object';

/** The S3 error for a Swift failure (the response's body is consumed). */
export async function swiftError(ctx: S3Context, resp: SwiftResponse, target: Target): Promise<S3Error> {
  const status = resp.status;
  let text = '';
  if (status === 400 || status === 409) text = (await readSmallBody(resp.body, 64 * 1024).catch(() => Buffer.alloc(0))).toString('utf8');
  else dropBody(resp.body);
  switch (status) {
    case 401:
      return resp.headers['x-s3-failure'] === 'InvalidAccessKeyId'
        ? S3Errors.InvalidAccessKeyId({ AWSAccessKeyId: ctx.auth.accessKey })
        : S3Errors.SignatureDoesNotMatch({ AWSAccessKeyId: ctx.auth.accessKey });
    case 403:
      return S3Errors.AccessDenied();
    case 404:
      if (target === 'object') return S3Errors.NoSuchKey({ Key: ctx.key });
      return S3Errors.NoSuchBucket({ BucketName: ctx.bucket });
    case 411:
      return S3Errors.MissingContentLength();
    case 412:
      return S3Errors.PreconditionFailed({ Condition: 'If-Match' });
    case 413:
      return S3Errors.EntityTooLarge();
    case 416:
      return S3Errors.InvalidRange();
    case 422:
      return S3Errors.BadDigest();
    case 400:
      if (/name|length/i.test(text) && /long/i.test(text)) return S3Errors.KeyTooLongError();
      if (/metadata/i.test(text)) return S3Errors.MetadataTooLarge();
      return S3Errors.InvalidArgument({}, text.replace(/<[^>]*>/g, '').trim() || undefined);
    case 409:
      return target === 'bucket' ? S3Errors.BucketNotEmpty({ BucketName: ctx.bucket }) : S3Errors.InvalidRequest({}, text || undefined);
    case 499:
      return S3Errors.IncompleteBody();
    case 503:
      return S3Errors.ServiceUnavailable();
    default:
      return S3Errors.InternalError();
  }
}

/** Throws the S3 error for a failed Swift response; passes 2xx (and 304 when `allow304`). */
export async function ensureOk(ctx: S3Context, resp: SwiftResponse, target: Target): Promise<SwiftResponse> {
  if (resp.status >= 200 && resp.status < 300) return resp;
  throw await swiftError(ctx, resp, target);
}
