/**
 * ?lifecycle on a bucket: Get/Put/DeleteBucketLifecycleConfiguration. The
 * rules are checked and kept in the bucket's sysmeta; object PUTs apply
 * their Expiration (lifecycle.ts, object.ts).
 */
import type { SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Errors } from '../errors.js';
import { emptyResponse, xmlResponse } from '../response.js';
import { readXmlBody } from '../body.js';
import { headBucket, postBucketSysmeta } from '../bucket-info.js';
import { parseXml, xmlDocument } from '../xml.js';
import { LIFECYCLE_SYSMETA, lifecycleXml, parseLifecycle, storedRules } from '../lifecycle.js';
import type { ResourceHandlers } from './types.js';

async function getLifecycle(ctx: S3Context): Promise<SwiftResponse> {
  const rules = storedRules((await headBucket(ctx)).headers[LIFECYCLE_SYSMETA]);
  if (rules.length === 0) throw S3Errors.NoSuchLifecycleConfiguration({ BucketName: ctx.bucket });
  return xmlResponse(200, xmlDocument('LifecycleConfiguration', lifecycleXml(rules)));
}

async function putLifecycle(ctx: S3Context): Promise<SwiftResponse> {
  const rules = parseLifecycle(parseXml(await readXmlBody(ctx, 1024 * 1024), 'LifecycleConfiguration'));
  await postBucketSysmeta(ctx, { [LIFECYCLE_SYSMETA]: JSON.stringify(rules) });
  return emptyResponse(200);
}

async function deleteLifecycle(ctx: S3Context): Promise<SwiftResponse> {
  await postBucketSysmeta(ctx, { [LIFECYCLE_SYSMETA]: '' });
  return emptyResponse(204);
}

export const lifecycleHandlers: ResourceHandlers = { bucket: { GET: getLifecycle, PUT: putLifecycle, DELETE: deleteLifecycle } };
