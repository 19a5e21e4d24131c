/**
 * Buckets: PUT (CreateBucket, with a location constraint), HEAD, DELETE,
 * GET (the listings); the service's GET (ListBuckets). A bucket is a
 * container; with `s3_acl` its owner is kept in the container's sysmeta.
 */
import { readSmallBody, dropBody } from '../../response.js';
import type { SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Errors } from '../errors.js';
import { emptyResponse, xmlResponse } from '../response.js';
import { validBucketName } from '../request.js';
import { ensureOk, swiftError } from '../swift-errors.js';
import { readXmlBody } from '../body.js';
import { childText, parseXml, tag, xmlDocument } from '../xml.js';
import { intParam, s3ListingTime } from '../listing.js';
import type { ResourceHandlers } from './types.js';
import { listObjects, ownerXml } from './list-objects.js';
import { rememberIfPublic } from '../acl-check.js';
import { aclFromHeaders, allows, BUCKET_ACL_SYSMETA, decodeAcl, encodeAcl, privateAcl } from '../acl.js';


async function locationConstraint(ctx: S3Context): Promise<void> {
  const body = await readXmlBody(ctx, 64 * 1024);
  if (body.length === 0) return;
  const conf = parseXml(body, 'CreateBucketConfiguration');
  const location = childText(conf, 'LocationConstraint') ?? '';
  // us-east-1 buckets are created without a constraint; S3 refuses it spelled out only there.
  const ok = location === ctx.conf.location || (location === '' && ctx.conf.location === 'us-east-1');
  if (!ok) throw S3Errors.InvalidLocationConstraint({ LocationConstraint: location });
}

/**
 * With s3_acl only an owner of the account in Swift's terms (tempauth's
 * .admin) creates buckets, as Swift's s3api: the account's HEAD lets the
 * auth filter say who the requester is before anything is made.
 */
async function checkSwiftOwner(ctx: S3Context): Promise<void> {
  const head = await ctx.swift('HEAD');
  dropBody(head.body);
  if (head.status === 401) throw await swiftError(ctx, head, 'service');
  if (!ctx.auth.swiftOwner) throw S3Errors.AccessDenied();
}

async function createBucket(ctx: S3Context): Promise<SwiftResponse> {
  // The ACL asked for (x-amz-acl or grants), checked before anything is made.
  const acl = aclFromHeaders(ctx.req.swift.headers, ctx.userId) ?? privateAcl(ctx.userId);
  await locationConstraint(ctx);
  if (ctx.conf.s3Acl) await checkSwiftOwner(ctx);
  // PUT first and record the owner after, as Swift's s3api does: a PUT that
  // finds the bucket there must not overwrite its owner.
  const resp = await ctx.swift('PUT', ctx.bucket);
  dropBody(resp.body);
  if (resp.status === 202) {
    // It was there already: whose is it?
    const head = await ctx.swift('HEAD', ctx.bucket);
    dropBody(head.body);
    const owner = decodeAcl(head.headers, BUCKET_ACL_SYSMETA).owner;
    if (owner !== undefined && owner !== ctx.userId) throw S3Errors.BucketAlreadyExists({ BucketName: ctx.bucket });
    throw S3Errors.BucketAlreadyOwnedByYou({ BucketName: ctx.bucket });
  }
  await ensureOk(ctx, resp, 'bucket');
  if (ctx.conf.s3Acl) {
    const post = await ctx.swift('POST', ctx.bucket, undefined, { headers: { [BUCKET_ACL_SYSMETA]: encodeAcl(acl) } });
    dropBody(post.body);
    await ensureOk(ctx, post, 'bucket');
    await rememberIfPublic(ctx, acl);
  }
  return emptyResponse(200, { location: `/${ctx.bucket}` });
}

async function headBucket(ctx: S3Context): Promise<SwiftResponse> {
  const resp = await ensureOk(ctx, await ctx.swift('HEAD', ctx.bucket), 'bucket');
  dropBody(resp.body);
  return emptyResponse(200, { 'content-type': 'application/xml', 'x-amz-bucket-region': ctx.conf.location });
}

async function deleteBucket(ctx: S3Context): Promise<SwiftResponse> {
  const resp = await ctx.swift('DELETE', ctx.bucket);
  if (resp.status === 409) {
    dropBody(resp.body);
    throw S3Errors.BucketNotEmpty({ BucketName: ctx.bucket });
  }
  await ensureOk(ctx, resp, 'bucket');
  dropBody(resp.body);
  // The segments of aborted or unfinished multipart uploads go with the bucket when none are left.
  dropBody((await ctx.swift('DELETE', `${ctx.bucket}+segments`)).body);
  return emptyResponse(204);
}

async function getBucket(ctx: S3Context): Promise<SwiftResponse> {
  return listObjects(ctx);
}

/** With s3_acl and check_bucket_owner, ListBuckets shows only the requester's own buckets (Swift's s3api). */
async function listable(ctx: S3Context, bucket: string): Promise<boolean> {
  if (!ctx.conf.s3Acl || !ctx.conf.checkBucketOwner) return true;
  const head = await ctx.swift('HEAD', bucket);
  dropBody(head.body);
  return head.status >= 200 && head.status < 300 && allows(decodeAcl(head.headers, BUCKET_ACL_SYSMETA), ctx.userId, 'OWNER', ctx.conf.allowNoOwner);
}

interface AccountEntry {
  name: string;
  last_modified?: string;
}

/** GET Service: ListBuckets (`max-buckets`, `continuation-token`, `prefix`). */
async function listBuckets(ctx: S3Context): Promise<SwiftResponse> {
  const maxBuckets = intParam(ctx, 'max-buckets', 10000);
  if (maxBuckets < 1 || maxBuckets > 10000) throw S3Errors.InvalidArgument({ ArgumentName: 'max-buckets', ArgumentValue: String(maxBuckets) }, 'Argument max-buckets must be an integer between 1 and 10000.');
  const token = ctx.req.params.get('continuation-token');
  const prefix = ctx.req.params.get('prefix') ?? '';
  let marker = token ? Buffer.from(token, 'base64').toString('utf8') : '';
  const buckets: AccountEntry[] = [];
  let more = true;
  while (buckets.length <= maxBuckets && more) {
    const q = new URLSearchParams({ format: 'json', limit: '10000' });
    if (marker) q.set('marker', marker);
    if (prefix) q.set('prefix', prefix);
    const resp = await ctx.swift('GET', undefined, undefined, { query: q.toString().replace(/\+/g, '%20') });
    if (resp.status === 404) {
      dropBody(resp.body);
      break;
    }
    if (resp.status < 200 || resp.status >= 300) throw await swiftError(ctx, resp, 'service');
    const body = await readSmallBody(resp.body);
    const page = body.length ? (JSON.parse(body.toString('utf8')) as AccountEntry[]) : [];
    for (const c of page) if (validBucketName(c.name, ctx.conf.dnsCompliantBucketNames) && (await listable(ctx, c.name))) buckets.push(c);
    more = page.length === 10000;
    if (page.length) marker = page[page.length - 1].name;
  }
  const page = buckets.slice(0, maxBuckets);
  let inner = ownerXml(ctx.userId) + '<Buckets>';
  for (const b of page) inner += `<Bucket>${tag('Name', b.name)}${tag('CreationDate', s3ListingTime(b.last_modified))}</Bucket>`;
  inner += '</Buckets>';
  if (buckets.length > maxBuckets) inner += tag('ContinuationToken', Buffer.from(page[page.length - 1].name, 'utf8').toString('base64'));
  if (prefix) inner += tag('Prefix', prefix);
  return xmlResponse(200, xmlDocument('ListAllMyBucketsResult', inner));
}

export const bucketHandlers: ResourceHandlers = {
  service: { GET: listBuckets },
  bucket: { PUT: createBucket, HEAD: headBucket, DELETE: deleteBucket, GET: getBucket },
};
