/**
 * POST ?delete: DeleteObjects, up to `max_multi_delete_objects` keys,
 * `multi_delete_concurrency` at a time; `Quiet` answers errors only.
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Error, S3Errors } from '../errors.js';
import { readXmlBody } from '../body.js';
import { xmlResponse } from '../response.js';
import { childNodes, childText, parseXml, tag, xmlDocument } from '../xml.js';
import { deleteOne, type DeleteResult } from './object.js';
import { validVersionId } from '../versions.js';
import type { ResourceHandlers } from './types.js';
import { dropBody } from '../../response.js';
import { ensureOk } from '../swift-errors.js';

/** A delete marker in a <Deleted>: the marker deleted, or the one made and its id. */
function markerXml(versionId: string | undefined, result: DeleteResult | undefined): string {
  if (!result?.deleteMarker) return '';
  return tag('DeleteMarker', true) + (versionId === undefined && result.versionId !== undefined ? tag('DeleteMarkerVersionId', result.versionId) : '');
}

async function deleteObjects(ctx: S3Context): Promise<SwiftResponse> {
  const h = ctx.req.swift.headers;
  const hasChecksum = Object.keys(h).some((k) => k.startsWith('x-amz-checksum-'));
  if (h['content-md5'] === undefined && !hasChecksum) throw S3Errors.InvalidRequest({}, 'Missing required header for this request: Content-MD5');
  // A body past what max_multi_delete_objects keys can take is MalformedXML, as Swift's s3api answers.
  const body = await readXmlBody(ctx, ctx.conf.maxMultiDeleteObjects * 2048 + 4096, () => S3Errors.MalformedXML());
  if (h['content-md5'] !== undefined && createHash('md5').update(body).digest('base64') !== h['content-md5'].trim()) throw S3Errors.BadDigest();
  const doc = parseXml(body, 'Delete');
  const quiet = (childText(doc, 'Quiet') ?? 'false').toLowerCase() === 'true';
  const objects = childNodes(doc, 'Object').map((o) => ({ key: childText(o, 'Key'), versionId: childText(o, 'VersionId') }));
  if (objects.length === 0 || objects.length > ctx.conf.maxMultiDeleteObjects) throw S3Errors.MalformedXML();
  // A missing or empty <Key>, as Swift's s3api answers it.
  if (objects.some((o) => !o.key)) throw S3Errors.UserKeyMustBeSpecified();
  // The bucket first: a missing one fails the whole request.
  const bucket = await ensureOk(ctx, await ctx.swift('HEAD', ctx.bucket), 'bucket');
  dropBody(bucket.body);
  const limit = pLimit(ctx.conf.multiDeleteConcurrency);
  const results = await Promise.all(objects.map((o) => limit(async (): Promise<{ key?: string; versionId?: string; result?: DeleteResult; error?: S3Error }> => {
    try {
      if (o.versionId !== undefined && !validVersionId(o.versionId)) throw S3Errors.NoSuchVersion();
      const result = await deleteOne(ctx, o.key!, o.versionId);
      if (result.noBucket) return { ...o, error: S3Errors.NoSuchBucket() };
      return { ...o, result };
    } catch (err) {
      if (err instanceof S3Error) return { ...o, error: err };
      throw err;
    }
  })));
  let inner = '';
  for (const r of results) {
    const version = r.versionId !== undefined ? tag('VersionId', r.versionId) : '';
    if (r.error) inner += `<Error>${tag('Key', r.key!)}${version}${tag('Code', r.error.code)}${tag('Message', r.error.message)}</Error>`;
    else if (!quiet) inner += `<Deleted>${tag('Key', r.key!)}${version}${markerXml(r.versionId, r.result)}</Deleted>`;
  }
  return xmlResponse(200, xmlDocument('DeleteResult', inner));
}

export const multiDeleteHandlers: ResourceHandlers = { bucket: { POST: deleteObjects } };
