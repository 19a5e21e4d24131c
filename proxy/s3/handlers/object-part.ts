/**
 * GetObject/HeadObject `?partNumber=N`: one part of a multipart object,
 * as the byte range its SLO manifest gives it, answered 206 with
 * `x-amz-mp-parts-count`. An object not uploaded in parts is one part:
 * partNumber=1 is all of it; any other is InvalidPartNumber (416).
 */
import { dropBody } from '../../response.js';
import type { S3Context } from '../context.js';
import { S3Errors } from '../errors.js';
import { versionQuery } from '../versions.js';
import { S3_ETAG_SYSMETA } from './multipart/complete.js';
import { manifestParts } from './multipart/manifest.js';

export interface PartSelection {
  /** The Range to ask Swift for; none for an empty object. */
  range?: string;
  /** x-amz-mp-parts-count, for a multipart object. */
  partsCount?: number;
  /** The part's segment, for a multipart object (its stored checksum is the part's). */
  segment?: { container: string; obj: string };
}

/** The part `partNumber` names, or undefined without one (or when the object is missing: the GET says so). */
export async function selectPart(ctx: S3Context, versionId: string | undefined): Promise<PartSelection | undefined> {
  const v = ctx.req.params.get('partNumber');
  if (v === undefined) return undefined;
  const max = ctx.conf.maxUploadPartNum;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) {
    throw S3Errors.InvalidArgument({ ArgumentName: 'partNumber', ArgumentValue: v }, `Part number must be an integer between 1 and ${max}, inclusive`);
  }
  if (ctx.req.swift.headers.range !== undefined) throw S3Errors.InvalidRequest({}, 'Cannot specify both Range header and partNumber query parameter');
  const n = Number(v);
  const head = await ctx.swift('HEAD', ctx.bucket, ctx.key, { query: versionQuery(versionId) });
  dropBody(head.body);
  if (head.status < 200 || head.status >= 300) return undefined;
  if (head.headers['x-static-large-object'] === undefined || head.headers[S3_ETAG_SYSMETA] === undefined) {
    const size = Number(head.headers['content-length'] ?? 0);
    if (n !== 1) throw S3Errors.InvalidPartNumber({ PartNumberRequested: v, ActualPartCount: '1' });
    return { range: size > 0 ? `bytes=0-${size - 1}` : undefined };
  }
  const parts = await manifestParts(ctx, versionId);
  if (n > parts.length) throw S3Errors.InvalidPartNumber({ PartNumberRequested: v, ActualPartCount: String(parts.length) });
  let start = 0;
  for (let i = 0; i < n - 1; i++) start += parts[i].size;
  const size = parts[n - 1].size;
  return { range: size > 0 ? `bytes=${start}-${start + size - 1}` : undefined, partsCount: parts.length, segment: parts[n - 1] };
}
