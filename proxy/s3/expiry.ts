/**
 * Lifecycle Expiration as objects are written: the bucket's rules pick an
 * X-Delete-At (Swift's object expiry then deletes the object), and the rule
 * is kept with the object so GET and HEAD can answer `x-amz-expiration`.
 */
import type { Headers } from '../types.js';
import type { S3Context } from './context.js';
import { bucketHeaders } from './bucket-info.js';
import { EXPIRATION_RULE_SYSMETA, expirationHeader, LIFECYCLE_SYSMETA, objectExpiry, storedRules } from './lifecycle.js';
import type { TagSet } from './tags.js';

/**
 * The headers an object PUT adds for the bucket's Expiration rules (none
 * when no enabled rule matches). A date already past expires the object at
 * once: Swift refuses an X-Delete-At in the past, so it is a second from now.
 */
export async function expiryHeaders(ctx: S3Context, key: string, size: number, tags: TagSet): Promise<Headers> {
  const rules = storedRules((await bucketHeaders(ctx))[LIFECYCLE_SYSMETA]);
  if (rules.length === 0) return {};
  const now = ctx.now();
  const expiry = objectExpiry(rules, { key, size, tags }, now);
  if (!expiry) return {};
  const at = Math.max(Math.floor(expiry.at / 1000), Math.floor(now / 1000) + 1);
  return { 'x-delete-at': String(at), [EXPIRATION_RULE_SYSMETA]: expiry.ruleId };
}

/** `x-amz-expiration` for an object stored with `headers` (or a PUT that sent them). */
export function s3ExpirationHeader(headers: Headers, out: Headers): Headers {
  const at = headers['x-delete-at'];
  const rule = headers[EXPIRATION_RULE_SYSMETA];
  if (at && rule && /^\d+$/.test(at)) {
    // The date S3 names is the rule's; an already-past date was moved to a second from the write.
    out['x-amz-expiration'] = expirationHeader(Number(at) * 1000, rule);
  }
  return out;
}
