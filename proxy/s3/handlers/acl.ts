/**
 * ?acl: Get/PutBucketAcl and Get/PutObjectAcl with `s3_acl = yes` (the
 * ACL model is ../acl.ts; who may call these, READ_ACP / WRITE_ACP, was
 * checked before, ../acl-check.ts). A new ACL comes from `x-amz-acl`, the
 * `x-amz-grant-*` headers or an AccessControlPolicy body, never two of them,
 * and may not change the owner. A bucket's ACL is a container POST; an
 * object's sysmeta only changes by a PUT, so the object is copied onto
 * itself with the new ACL, as Swift's s3api does (a manifest as a manifest).
 * Without `s3_acl` the owner is the only grantee and changing it is NotImplemented.
 */
import { quotePath } from '../../../common/index.js';
import { dropBody } from '../../response.js';
import type { SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Errors } from '../errors.js';
import { emptyResponse, xmlResponse } from '../response.js';
import { readXmlBody } from '../body.js';
import { headBucket, postBucketSysmeta } from '../bucket-info.js';
import { ensureOk } from '../swift-errors.js';
import { aclFromHeaders, aclFromXml, aclXml, BUCKET_ACL_SYSMETA, decodeAcl, encodeAcl, OBJECT_ACL_SYSMETA, privateAcl, type Acl } from '../acl.js';
import { bucketAcl, rememberIfPublic } from '../acl-check.js';
import { s3VersionHeaders, versionIdParam, versionQuery } from '../versions.js';
import { objectNotFound } from './object.js';
import type { ResourceHandlers } from './types.js';

/** AccessControlPolicy bodies are small; S3 refuses large ones. */
const MAX_ACL_BODY = 200 * 1024;

/** The object's HEAD (the version asked for); NoSuchKey / NoSuchBucket when absent. */
async function headObject(ctx: S3Context): Promise<SwiftResponse> {
  const versionId = versionIdParam(ctx);
  const head = await ctx.swift('HEAD', ctx.bucket, ctx.key, { query: versionQuery(versionId) });
  dropBody(head.body);
  if (head.status === 404 || (head.status === 400 && versionId !== undefined)) {
    if (versionId === undefined) throw await objectNotFound(ctx);
    throw S3Errors.NoSuchVersion({ Key: ctx.key, VersionId: versionId });
  }
  return ensureOk(ctx, head, 'object');
}

/** The ACL a Put*Acl asks for: headers or body (not both), with the resource's owner kept. */
async function requestedAcl(ctx: S3Context, bucketOwner: string, current: Acl): Promise<Acl> {
  const body = await readXmlBody(ctx, MAX_ACL_BODY, () => S3Errors.MalformedACLError());
  const owner = current.owner ?? bucketOwner;
  const fromHeaders = aclFromHeaders(ctx.req.swift.headers, bucketOwner, owner);
  if (fromHeaders && body.length) throw S3Errors.UnexpectedContent();
  if (!fromHeaders && !body.length) throw S3Errors.MissingSecurityHeader({ MissingHeaderName: 'x-amz-acl' });
  const acl = fromHeaders ?? aclFromXml(body);
  // An ACL may not hand the resource to someone else.
  if (current.owner !== undefined && acl.owner !== current.owner) throw S3Errors.AccessDenied();
  return acl;
}

async function getBucketAcl(ctx: S3Context): Promise<SwiftResponse> {
  if (!ctx.conf.s3Acl) {
    // No ACLs kept: the owner's alone, shown to whom Swift lets read the bucket.
    await headBucket(ctx);
    return xmlResponse(200, aclXml(privateAcl(ctx.userId)));
  }
  const acl = await bucketAcl(ctx);
  return xmlResponse(200, aclXml(acl.owner !== undefined ? acl : privateAcl(ctx.userId)));
}

async function putBucketAcl(ctx: S3Context): Promise<SwiftResponse> {
  if (!ctx.conf.s3Acl) throw S3Errors.NotImplemented({}, 'ACLs are kept only with s3_acl = yes.');
  const current = await bucketAcl(ctx);
  const acl = await requestedAcl(ctx, current.owner ?? ctx.userId, current);
  await postBucketSysmeta(ctx, { [BUCKET_ACL_SYSMETA]: encodeAcl(acl) });
  await rememberIfPublic(ctx, acl);
  return emptyResponse(200);
}

async function getObjectAcl(ctx: S3Context): Promise<SwiftResponse> {
  const head = await headObject(ctx);
  const acl = ctx.conf.s3Acl ? decodeAcl(head.headers, OBJECT_ACL_SYSMETA) : privateAcl(ctx.userId);
  return xmlResponse(200, aclXml(acl.owner === undefined ? privateAcl(ctx.userId) : acl), s3VersionHeaders(head.headers));
}

async function putObjectAcl(ctx: S3Context): Promise<SwiftResponse> {
  if (!ctx.conf.s3Acl) throw S3Errors.NotImplemented({}, 'ACLs are kept only with s3_acl = yes.');
  const bucket = await bucketAcl(ctx);
  const versionId = versionIdParam(ctx);
  if (versionId !== undefined) throw S3Errors.NotImplemented({}, 'Changing the ACL of an object version is not supported.');
  const head = await headObject(ctx);
  const acl = await requestedAcl(ctx, bucket.owner ?? ctx.userId, decodeAcl(head.headers, OBJECT_ACL_SYSMETA));
  // Object sysmeta changes only with a PUT: the object is copied onto itself, a manifest as a manifest.
  const query = head.headers['x-static-large-object'] !== undefined ? 'multipart-manifest=get' : undefined;
  const put = await ctx.swift('PUT', ctx.bucket, ctx.key, {
    query,
    headers: { 'x-copy-from': quotePath(`/${ctx.bucket}/${ctx.key}`), 'content-length': '0', [OBJECT_ACL_SYSMETA]: encodeAcl(acl) },
  });
  dropBody(put.body);
  await ensureOk(ctx, put, 'object');
  await rememberIfPublic(ctx, acl);
  return emptyResponse(200);
}

export const aclHandlers: ResourceHandlers = {
  bucket: { GET: getBucketAcl, PUT: putBucketAcl },
  object: { GET: getObjectAcl, PUT: putObjectAcl },
};
