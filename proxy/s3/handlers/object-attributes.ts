/**
 * GetObjectAttributes (`GET ?attributes`): what `x-amz-object-attributes`
 * asks for of ETag, Checksum, ObjectParts, StorageClass and ObjectSize,
 * from a HEAD of the object and, for ObjectParts of a multipart object, its
 * SLO manifest (paged by `x-amz-max-parts` / `x-amz-part-number-marker`;
 * each part's checksum from a HEAD of its segment).
 */
import { dropBody } from '../../response.js';
import type { SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Errors } from '../errors.js';
import { xmlResponse } from '../response.js';
import { ensureOk } from '../swift-errors.js';
import { tag, xmlDocument } from '../xml.js';
import { checksumXml, storedChecksum } from '../checksum/index.js';
import { checkVersionedBucket, s3VersionHeaders, versionIdParam, versionQuery } from '../versions.js';
import { S3_ETAG_SYSMETA } from './multipart/complete.js';
import { manifestParts } from './multipart/manifest.js';
import { segmentChecksums } from './multipart/store.js';
import { objectNotFound } from './object.js';
import type { ResourceHandlers } from './types.js';

const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'];

function wantedAttributes(value: string | undefined): Set<string> {
  const names = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw S3Errors.InvalidArgument({}, 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty');
  for (const n of names) if (!ATTRIBUTES.includes(n)) throw S3Errors.InvalidArgument({ ArgumentName: 'x-amz-object-attributes', ArgumentValue: n }, 'Invalid attribute name specified.');
  return new Set(names);
}

function intHeader(ctx: S3Context, name: string, fallback: number): number {
  const v = ctx.req.swift.headers[name];
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v.trim())) throw S3Errors.InvalidArgument({ ArgumentName: name, ArgumentValue: v }, `Provided ${name} not an integer or within integer range`);
  return Number(v);
}

async function getObjectAttributes(ctx: S3Context): Promise<SwiftResponse> {
  const wanted = wantedAttributes(ctx.req.swift.headers['x-amz-object-attributes']);
  const maxParts = Math.min(intHeader(ctx, 'x-amz-max-parts', 1000), 1000);
  const marker = intHeader(ctx, 'x-amz-part-number-marker', 0);
  const versionId = versionIdParam(ctx);
  if (versionId !== undefined && !(await checkVersionedBucket(ctx, versionId))) throw S3Errors.NoSuchVersion({ Key: ctx.key, VersionId: versionId });
  const head = await ctx.swift('HEAD', ctx.bucket, ctx.key, { query: versionQuery(versionId) });
  dropBody(head.body);
  if (head.status === 404) {
    if (versionId !== undefined) throw S3Errors.NoSuchVersion({ Key: ctx.key, VersionId: versionId });
    throw await objectNotFound(ctx);
  }
  await ensureOk(ctx, head, 'object');
  const h = head.headers;
  let inner = '';
  if (wanted.has('ETag')) inner += tag('ETag', (h[S3_ETAG_SYSMETA] ?? h.etag ?? '').replace(/"/g, ''));
  const checksum = storedChecksum(h);
  if (wanted.has('Checksum') && checksum) inner += `<Checksum>${checksumXml(checksum, true, tag)}</Checksum>`;
  if (wanted.has('ObjectParts') && h['x-static-large-object'] !== undefined && h[S3_ETAG_SYSMETA] !== undefined) {
    const parts = await manifestParts(ctx, versionId);
    const rest = parts.filter((p) => p.number > marker);
    const page = rest.slice(0, maxParts);
    const sums = checksum ? await segmentChecksums(ctx, page) : [];
    inner += '<ObjectParts>' + tag('PartsCount', parts.length) + tag('PartNumberMarker', marker);
    if (page.length) inner += tag('NextPartNumberMarker', page[page.length - 1].number);
    inner += tag('MaxParts', maxParts) + tag('IsTruncated', rest.length > page.length);
    page.forEach((p, i) => {
      inner += `<Part>${tag('PartNumber', p.number)}${tag('Size', p.size)}${checksumXml(sums[i], false, tag)}</Part>`;
    });
    inner += '</ObjectParts>';
  }
  if (wanted.has('StorageClass')) inner += tag('StorageClass', 'STANDARD');
  if (wanted.has('ObjectSize')) inner += tag('ObjectSize', h['content-length'] ?? '0');
  const headers = s3VersionHeaders(h);
  if (h['last-modified']) headers['last-modified'] = h['last-modified'];
  return xmlResponse(200, xmlDocument('GetObjectAttributesResponse', inner), headers);
}

export const objectAttributesHandlers: ResourceHandlers = {
  object: { GET: getObjectAttributes },
};
