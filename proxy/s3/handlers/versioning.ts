/**
 * ?versioning on a bucket: GetBucketVersioning and PutBucketVersioning
 * (Enabled / Suspended), as `X-Versions-Enabled` on the container, which
 * Swift's object versioning (the versioned_writes filter) acts on.
 */
import type { SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Errors } from '../errors.js';
import { emptyResponse, xmlResponse } from '../response.js';
import { readXmlBody } from '../body.js';
import { bucketHeaders, headBucket, postBucketSysmeta } from '../bucket-info.js';
import { childText, parseXml, tag, xmlDocument } from '../xml.js';
import { versioningStatus } from '../versions.js';
import type { ResourceHandlers } from './types.js';

async function getVersioning(ctx: S3Context): Promise<SwiftResponse> {
  const status = versioningStatus((await headBucket(ctx)).headers);
  return xmlResponse(200, xmlDocument('VersioningConfiguration', status ? tag('Status', status) : ''));
}

async function putVersioning(ctx: S3Context): Promise<SwiftResponse> {
  if (!ctx.hasFeature('object_versioning')) throw S3Errors.NotImplemented({}, 'Object versioning is not enabled on this cluster.');
  const doc = parseXml(await readXmlBody(ctx, 10240), 'VersioningConfiguration');
  const status = childText(doc, 'Status');
  if (status !== 'Enabled' && status !== 'Suspended') throw S3Errors.MalformedXML();
  const mfa = childText(doc, 'MfaDelete');
  if (mfa !== undefined && mfa !== 'Disabled') throw S3Errors.NotImplemented({}, 'MFA delete is not supported.');
  await bucketHeaders(ctx);
  await postBucketSysmeta(ctx, { 'x-versions-enabled': status === 'Enabled' ? 'true' : 'false' });
  return emptyResponse(200);
}

export const versioningHandlers: ResourceHandlers = { bucket: { GET: getVersioning, PUT: putVersioning } };
