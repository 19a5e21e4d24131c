/**
 * ?cors on a bucket: Get/Put/DeleteBucketCors, the rules kept in the
 * bucket's sysmeta (cors.ts); the preflight and the headers of actual
 * requests are cors-apply.ts's.
 */
import type { SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Errors } from '../errors.js';
import { emptyResponse, xmlResponse } from '../response.js';
import { readXmlBody } from '../body.js';
import { headBucket, postBucketSysmeta } from '../bucket-info.js';
import { parseXml, xmlDocument } from '../xml.js';
import { CORS_SYSMETA, corsXml, parseCors, storedCors } from '../cors.js';
import { rememberBucketAccount } from '../cors-apply.js';
import type { ResourceHandlers } from './types.js';

async function getCors(ctx: S3Context): Promise<SwiftResponse> {
  const rules = storedCors((await headBucket(ctx)).headers[CORS_SYSMETA]);
  if (rules.length === 0) throw S3Errors.NoSuchCORSConfiguration({ BucketName: ctx.bucket });
  await rememberBucketAccount(ctx);
  return xmlResponse(200, xmlDocument('CORSConfiguration', corsXml(rules)));
}

async function putCors(ctx: S3Context): Promise<SwiftResponse> {
  const rules = parseCors(parseXml(await readXmlBody(ctx, 64 * 1024), 'CORSConfiguration'));
  await postBucketSysmeta(ctx, { [CORS_SYSMETA]: JSON.stringify(rules) });
  await rememberBucketAccount(ctx);
  return emptyResponse(200);
}

async function deleteCors(ctx: S3Context): Promise<SwiftResponse> {
  await postBucketSysmeta(ctx, { [CORS_SYSMETA]: '' });
  return emptyResponse(204);
}

export const corsHandlers: ResourceHandlers = { bucket: { GET: getCors, PUT: putCors, DELETE: deleteCors } };
