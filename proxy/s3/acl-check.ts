/**
 * S3 ACL enforcement with `s3_acl = yes` (Swift's s3api acl_handlers): each
 * S3 operation needs one permission on its bucket's ACL or its object's,
 * checked before the handler runs. Once allowed, the Swift requests s3api
 * makes run with the account owner's rights (the auth filter verifies the
 * signature and skips its own authorization, as Swift's s3api overrides
 * `swift.authorize`), so a user of the account without Swift rights, or one
 * the ACL lets in, gets what the ACL grants and nothing else.
 */
import { dropBody } from '../response.js';
import type { Headers } from '../types.js';
import { aclFromHeaders, allows, BUCKET_ACL_SYSMETA, decodeAcl, encodeAcl, OBJECT_ACL_SYSMETA, privateAcl, type Acl, type Permission } from './acl.js';
import { bucketHeaders } from './bucket-info.js';
import type { S3Context } from './context.js';
import { S3Errors } from './errors.js';
import { ensureOk } from './swift-errors.js';
import { rememberBucketAccount } from './cors-apply.js';
import { versionIdParam, versionQuery } from './versions.js';

export interface AclNeed {
  on: 'bucket' | 'object';
  permission: Permission | 'OWNER';
}

/** Bucket sub-resources a reader of the bucket may GET. */
const BUCKET_READS = new Set(['', 'versions', 'uploads']);

/** What the request needs, or undefined when the ACLs do not decide it (ListBuckets, CreateBucket). */
export function aclNeed(ctx: S3Context): AclNeed | undefined {
  const { req } = ctx;
  if (req.bucket === undefined) return undefined;
  const m = req.method;
  const sub = req.subresource;
  if (req.key === undefined) {
    if (sub === 'acl') return { on: 'bucket', permission: m === 'GET' || m === 'HEAD' ? 'READ_ACP' : 'WRITE_ACP' };
    if (sub === '' && m === 'PUT') return undefined;
    if (sub === '' && m === 'DELETE') return { on: 'bucket', permission: 'OWNER' };
    if (sub === 'delete') return { on: 'bucket', permission: 'WRITE' };
    if ((m === 'GET' || m === 'HEAD') && BUCKET_READS.has(sub)) return { on: 'bucket', permission: 'READ' };
    // Versioning, tagging, location, …: the bucket's configuration is its owner's.
    return { on: 'bucket', permission: 'OWNER' };
  }
  if (sub === 'acl') return { on: 'object', permission: m === 'GET' || m === 'HEAD' ? 'READ_ACP' : 'WRITE_ACP' };
  if (sub === 'uploads' || sub === 'uploadId') return { on: 'bucket', permission: m === 'GET' ? 'READ' : 'WRITE' };
  if (sub === '') return m === 'GET' || m === 'HEAD' ? { on: 'object', permission: 'READ' } : { on: 'bucket', permission: 'WRITE' };
  // Object tagging and the like: readers read, the object's owner changes.
  return { on: 'object', permission: m === 'GET' || m === 'HEAD' ? 'READ' : 'OWNER' };
}

/** The bucket's ACL (NoSuchBucket when there is none). */
export async function bucketAcl(ctx: S3Context, bucket = ctx.bucket): Promise<Acl> {
  return decodeAcl(await bucketHeaders(ctx, bucket), BUCKET_ACL_SYSMETA);
}

/**
 * Records the bucket's account (in the cache, as CORS preflights find it)
 * when a signed request meets an ACL that grants AllUsers anything: what an
 * unsigned request naming the bucket by host needs to find it.
 */
export async function rememberIfPublic(ctx: S3Context, acl: Acl): Promise<void> {
  if (ctx.requester !== undefined && acl.grants.some((g) => 'group' in g.grantee && g.grantee.group === 'AllUsers')) await rememberBucketAccount(ctx);
}

/** AccessDenied unless the requester holds `permission` in `acl`. */
export function checkAcl(ctx: S3Context, acl: Acl, permission: Permission | 'OWNER'): void {
  if (!allows(acl, ctx.requester, permission, ctx.conf.allowNoOwner)) throw S3Errors.AccessDenied();
}

/** An object's HEAD headers for its ACL, or undefined when it is not there (the handler answers that). */
async function objectHeaders(ctx: S3Context, bucket: string, key: string, versionId?: string): Promise<Headers | undefined> {
  const head = await ctx.swift('HEAD', bucket, key, { query: versionQuery(versionId) });
  dropBody(head.body);
  if (head.status === 404 || (head.status === 400 && versionId !== undefined)) return undefined;
  await ensureOk(ctx, head, 'object');
  return head.headers;
}

/** Checks the request's ACL need (with `s3_acl`); throws AccessDenied (or NoSuchBucket) when it is not met. */
export async function authorizeByAcl(ctx: S3Context): Promise<void> {
  const need = aclNeed(ctx);
  if (!need) return;
  if (need.on === 'bucket') {
    const acl = await bucketAcl(ctx);
    checkAcl(ctx, acl, need.permission);
    await rememberIfPublic(ctx, acl);
    return;
  }
  let versionId: string | undefined;
  try {
    versionId = versionIdParam(ctx);
  } catch {
    return; // A bad versionId is the handler's to refuse.
  }
  const headers = await objectHeaders(ctx, ctx.bucket, ctx.key, versionId);
  if (headers === undefined) {
    // No such object: whether the bucket is there (and who may know) is the bucket's ACL's to say.
    checkAcl(ctx, await bucketAcl(ctx), 'READ');
    return;
  }
  const acl = decodeAcl(headers, OBJECT_ACL_SYSMETA);
  checkAcl(ctx, acl, need.permission);
  await rememberIfPublic(ctx, acl);
}

/** READ on a copy source's ACL, given its HEAD (with `s3_acl`). */
export function checkCopySource(ctx: S3Context, sourceHeaders: Headers): void {
  if (ctx.conf.s3Acl) checkAcl(ctx, decodeAcl(sourceHeaders, OBJECT_ACL_SYSMETA), 'READ');
}

/**
 * The sysmeta a new object (PUT, copy, multipart upload) carries with
 * `s3_acl`: the ACL its headers ask for (private by default), owned by its
 * writer; {} without `s3_acl`. `name` is where it goes (an upload's marker keeps it aside).
 */
export async function newObjectAclSysmeta(ctx: S3Context, name = OBJECT_ACL_SYSMETA): Promise<Headers> {
  if (!ctx.conf.s3Acl) {
    aclFromHeaders(ctx.req.swift.headers, ctx.userId);
    return {};
  }
  const bucketOwner = (await bucketAcl(ctx)).owner ?? ctx.userId;
  const acl = aclFromHeaders(ctx.req.swift.headers, bucketOwner, ctx.userId) ?? privateAcl(ctx.userId);
  await rememberIfPublic(ctx, acl);
  return { [name]: encodeAcl(acl) };
}
