/** GET ?location: GetBucketLocation (empty for us-east-1, as S3 answers). */
import { dropBody } from '../../response.js';
import type { S3Context } from '../context.js';
import { xmlResponse } from '../response.js';
import { ensureOk } from '../swift-errors.js';
import { esc, S3_NS } from '../xml.js';
import type { ResourceHandlers } from './types.js';

async function getBucketLocation(ctx: S3Context) {
  const head = await ensureOk(ctx, await ctx.swift('HEAD', ctx.bucket), 'bucket');
  dropBody(head.body);
  const location = ctx.conf.location === 'us-east-1' ? '' : ctx.conf.location;
  return xmlResponse(200, `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${S3_NS}">${esc(location)}</LocationConstraint>`);
}

export const locationHandlers: ResourceHandlers = { bucket: { GET: getBucketLocation } };
