/**
 * S3's conditional writes (PutObject, CompleteMultipartUpload): as the AWS
 * S3 API reference gives them, not as Swift 2.30's s3api (501).
 * - `If-None-Match: *`: written only when the key has no current object
 *   (a delete marker is none); 412 PreconditionFailed otherwise. Another
 *   value than `*` is NotImplemented, as is both headers at once.
 * - `If-Match: <etag>`: written only when the current object's S3 ETag (a
 *   multipart object's `<md5>-N`) is one of those given; NoSuchKey (404)
 *   when there is no current object, 412 PreconditionFailed otherwise.
 * The condition is checked with a HEAD of the key before the write, and
 * `If-None-Match: *` is also passed to Swift's object PUT, whose object
 * servers refuse it where they hold the key. A write Swift answers 202
 * (it lost to a newer timestamp on the object servers: a DELETE or PUT
 * that raced it) is S3's 409 ConditionalRequestConflict.
 */
import { matches, parseMatch } from '../../common/index.js';
import { dropBody } from '../response.js';
import type { Headers, SwiftResponse } from '../types.js';
import type { S3Context } from './context.js';
import { S3Errors } from './errors.js';
import { ensureOk } from './swift-errors.js';

/** Where a completed multipart upload keeps its S3 ETag (`<md5>-N`). */
const S3_ETAG = 'x-object-sysmeta-s3api-etag';

export interface WriteConditions {
  /** `If-Match`'s entity tags (unquoted; `*` matches any object). */
  ifMatch?: Set<string>;
  /** `If-None-Match: *`. */
  ifNoneMatch?: true;
}

/** The request's write conditions, checked for form; undefined when it has none. */
export function writeConditions(h: Headers): WriteConditions | undefined {
  const inm = h['if-none-match'];
  const im = h['if-match'];
  if (inm === undefined && im === undefined) return undefined;
  if (inm !== undefined && im !== undefined) throw S3Errors.NotImplemented({ Header: 'If-Match,If-None-Match' });
  if (inm !== undefined) {
    if (inm.trim() !== '*') throw S3Errors.NotImplemented({ Header: 'If-None-Match' });
    return { ifNoneMatch: true };
  }
  const tags = parseMatch(im);
  if (!tags || tags.size === 0) throw S3Errors.NotImplemented({ Header: 'If-Match' });
  return { ifMatch: tags };
}

/** Checks the conditions against the key's current object; throws S3's error when they fail. */
export async function checkWriteConditions(ctx: S3Context, cond: WriteConditions | undefined): Promise<void> {
  if (!cond) return;
  const head = await ctx.swift('HEAD', ctx.bucket, ctx.key);
  dropBody(head.body);
  if (head.status === 404) {
    if (cond.ifMatch) throw S3Errors.NoSuchKey({ Key: ctx.key });
    return;
  }
  await ensureOk(ctx, head, 'object');
  if (cond.ifNoneMatch) throw S3Errors.PreconditionFailed({ Condition: 'If-None-Match' });
  const etag = head.headers[S3_ETAG] ?? head.headers.etag ?? '';
  if (!matches(cond.ifMatch!, etag)) throw S3Errors.PreconditionFailed({ Condition: 'If-Match' });
}

/** A conditional write Swift accepted but did not store (202: a newer write or delete won): S3's 409. */
export function checkConditionalOutcome(cond: WriteConditions | undefined, resp: SwiftResponse): void {
  if (cond && resp.status === 202) {
    dropBody(resp.body);
    throw S3Errors.ConditionalRequestConflict();
  }
}
