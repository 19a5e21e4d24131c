/**
 * Which unsigned requests are S3's. With `s3_acl`, a GET or HEAD naming its
 * bucket by host (storage_domain), or path-style (`/bucket/key`) when the
 * bucket is known as one whose ACLs grant AllUsers something: the account
 * a signed request recorded for it (acl-check.ts `rememberIfPublic`, the
 * cache entry CORS preflights read). Any other unsigned request is Swift's,
 * and so is every path of the proxy's own (`/v1/…`, `/auth/…`, `/info`, a
 * path a configured filter answers), whatever bucket shares its name.
 */
import type { PipelineContext, SwiftRequest } from '../types.js';
import type { S3Conf } from './conf.js';
import { knownBucketAccount } from './cors-apply.js';
import type { S3Request } from './request.js';
import { validBucketName } from './request.js';

/** Swift's own first path segments (the API's versions, auth, info, the filters' fixed paths). */
const SWIFT_PATHS = /^(v\d+(\.\d+)?|auth|info|healthcheck|crossdomain\.xml|endpoints|recon)$/i;

/** Whether the first path segment is one of the proxy's own (never a path-style bucket). */
export function isProxyPath(first: string, ctx: PipelineContext): boolean {
  return SWIFT_PATHS.test(first) || (ctx.ownPaths?.has(first) ?? false);
}

/**
 * The account of the bucket an unsigned path-style GET or HEAD names, when
 * it is known as public (then the request is S3's), else undefined (Swift's).
 */
export async function publicPathBucketAccount(req: SwiftRequest, conf: S3Conf, ctx: PipelineContext): Promise<string | undefined> {
  if (!conf.s3Acl || (req.method !== 'GET' && req.method !== 'HEAD')) return undefined;
  const first = req.path.split('/')[1] ?? '';
  // A bucket name has no byte that is quoted, so its raw segment is its name.
  if (!validBucketName(first, conf.dnsCompliantBucketNames) || isProxyPath(first, ctx)) return undefined;
  return knownBucketAccount(req, first);
}

/** The account an unsigned request's bucket is in, when its ACL may let it in (see above). */
export async function anonymousAccount(s3req: S3Request, conf: S3Conf, pathAccount: string | undefined): Promise<string | undefined> {
  if (!conf.s3Acl || s3req.bucket === undefined) return undefined;
  if (s3req.method !== 'GET' && s3req.method !== 'HEAD') return undefined;
  if (!s3req.bucketInHost) return pathAccount;
  return knownBucketAccount(s3req.swift, s3req.bucket);
}
