/**
 * ?tagging: Get/Put/DeleteObjectTagging and Get/Put/DeleteBucketTagging.
 * An object's tag set is transient sysmeta, changed by an object POST that
 * carries the object's other POST-able metadata along (a Swift POST
 * replaces all of it), of the current object or of any older version
 * (`versionId`); a bucket's is container sysmeta.
 */
import { dropBody } from '../../response.js';
import type { Headers, SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Errors } from '../errors.js';
import { emptyResponse, xmlResponse } from '../response.js';
import { readXmlBody } from '../body.js';
import { bucketHeaders, headBucket, postBucketSysmeta } from '../bucket-info.js';
import { ensureOk } from '../swift-errors.js';
import { parseXml, xmlDocument } from '../xml.js';
import {
  BUCKET_TAGGING_SYSMETA, decodeTags, encodeTags, MAX_BUCKET_TAGS, MAX_OBJECT_TAGS, OBJECT_TAGGING_SYSMETA, parseTaggingXml, tagSetXml, type TagSet,
} from '../tags.js';
import { checkVersionedBucket, s3VersionHeaders, versionIdParam, versionQuery } from '../versions.js';
import { objectNotFound } from './object.js';
import { postableHeaders } from '../object-headers.js';
import type { ResourceHandlers } from './types.js';
import { versionsContainerName, versionsObjectName } from '../../filters/versioned-writes/names.js';

/** The object's (or the given version's) HEAD; NoSuchKey / NoSuchVersion / NoSuchBucket when absent. */
async function headObject(ctx: S3Context): Promise<{ head: SwiftResponse; versionId?: string }> {
  const versionId = versionIdParam(ctx);
  if (versionId !== undefined && !(await checkVersionedBucket(ctx, versionId))) throw S3Errors.NoSuchVersion({ Key: ctx.key, VersionId: versionId });
  const head = await ctx.swift('HEAD', ctx.bucket, ctx.key, { query: versionQuery(versionId) });
  dropBody(head.body);
  if (head.status === 404) {
    if (versionId === undefined) throw await objectNotFound(ctx);
    await bucketHeaders(ctx);
    throw S3Errors.NoSuchVersion({ Key: ctx.key, VersionId: versionId });
  }
  await ensureOk(ctx, head, 'object');
  return { head, versionId };
}

async function getObjectTagging(ctx: S3Context): Promise<SwiftResponse> {
  const { head } = await headObject(ctx);
  const tags = decodeTags(head.headers[OBJECT_TAGGING_SYSMETA]);
  return xmlResponse(200, xmlDocument('Tagging', tagSetXml(tags)), s3VersionHeaders(head.headers));
}

async function currentVersionId(ctx: S3Context): Promise<string | undefined> {
  const head = await ctx.swift('HEAD', ctx.bucket, ctx.key);
  dropBody(head.body);
  return head.status === 200 ? head.headers['x-object-version-id'] ?? 'null' : undefined;
}

/**
 * The POST that changes a version's metadata. The current one is POSTed by
 * its key; Swift refuses a POST with `?version-id=` (a client can't change
 * an older version), so an older version is POSTed where object versioning
 * keeps it: its object in the bucket's versions container (reserved names).
 */
async function postVersion(ctx: S3Context, versionId: string | undefined, headers: Headers): Promise<SwiftResponse> {
  if (versionId === undefined || versionId === (await currentVersionId(ctx))) return ctx.swift('POST', ctx.bucket, ctx.key, { headers });
  const reserved = { ...headers, 'x-backend-allow-reserved-names': 'true' };
  return ctx.swift('POST', versionsContainerName(ctx.bucket), versionsObjectName(ctx.key, versionId), { headers: reserved });
}

/** Replaces the tag set of the object, or of the version `versionId` names (current or older). */
async function setObjectTags(ctx: S3Context, tags: TagSet): Promise<Headers> {
  const { head, versionId } = await headObject(ctx);
  const headers: Headers = postableHeaders(head.headers);
  delete headers[OBJECT_TAGGING_SYSMETA];
  if (tags.length) headers[OBJECT_TAGGING_SYSMETA] = encodeTags(tags);
  const post = await postVersion(ctx, versionId, headers);
  dropBody(post.body);
  if (post.status === 404) {
    if (versionId !== undefined) throw S3Errors.NoSuchVersion({ Key: ctx.key, VersionId: versionId });
    throw await objectNotFound(ctx);
  }
  await ensureOk(ctx, post, 'object');
  return s3VersionHeaders(head.headers);
}

async function putObjectTagging(ctx: S3Context): Promise<SwiftResponse> {
  const tags = parseTaggingXml(parseXml(await readXmlBody(ctx, 64 * 1024), 'Tagging'), MAX_OBJECT_TAGS);
  return emptyResponse(200, await setObjectTags(ctx, tags));
}

async function deleteObjectTagging(ctx: S3Context): Promise<SwiftResponse> {
  return emptyResponse(204, await setObjectTags(ctx, []));
}

async function getBucketTagging(ctx: S3Context): Promise<SwiftResponse> {
  const stored = (await headBucket(ctx)).headers[BUCKET_TAGGING_SYSMETA];
  if (!stored) throw S3Errors.NoSuchTagSet({ BucketName: ctx.bucket });
  return xmlResponse(200, xmlDocument('Tagging', tagSetXml(decodeTags(stored))));
}

async function putBucketTagging(ctx: S3Context): Promise<SwiftResponse> {
  const tags = parseTaggingXml(parseXml(await readXmlBody(ctx, 64 * 1024), 'Tagging'), MAX_BUCKET_TAGS);
  await postBucketSysmeta(ctx, { [BUCKET_TAGGING_SYSMETA]: encodeTags(tags) });
  return emptyResponse(204);
}

async function deleteBucketTagging(ctx: S3Context): Promise<SwiftResponse> {
  await postBucketSysmeta(ctx, { [BUCKET_TAGGING_SYSMETA]: '' });
  return emptyResponse(204);
}

export const taggingHandlers: ResourceHandlers = {
  bucket: { GET: getBucketTagging, PUT: putBucketTagging, DELETE: deleteBucketTagging },
  object: { GET: getObjectTagging, PUT: putObjectTagging, DELETE: deleteObjectTagging },
};
