/**
 * `?uploads`: CreateMultipartUpload (POST on an object) and
 * ListMultipartUploads (GET on a bucket).
 */
import { dropBody } from '../../../response.js';
import type { SwiftResponse } from '../../../types.js';
import type { S3Context } from '../../context.js';
import { S3Errors } from '../../errors.js';
import { encoder, encodingType, intParam, s3ListingTime } from '../../listing.js';
import { checkStorageClass, swiftObjectHeaders } from '../../object-headers.js';
import { encodeTags, OBJECT_TAGGING_SYSMETA, parseTaggingHeader } from '../../tags.js';
import { uploadChecksumRequest, uploadChecksumSysmeta } from '../../checksum/index.js';
import { xmlResponse } from '../../response.js';
import { ensureOk } from '../../swift-errors.js';
import { tag, xmlDocument } from '../../xml.js';
import { ownerXml } from '../list-objects.js';
import type { ResourceHandlers } from '../types.js';
import { listAll, newUploadId, segmentsContainer, uploadMarker } from './store.js';
import { newObjectAclSysmeta } from '../../acl-check.js';
import { UPLOAD_ACL_SYSMETA } from '../../acl.js';

async function createUpload(ctx: S3Context): Promise<SwiftResponse> {
  if (!ctx.conf.allowMultipartUploads) throw S3Errors.NotImplemented();
  checkStorageClass(ctx.req.swift.headers);
  const checksum = uploadChecksumRequest(ctx.req.swift.headers);
  const bucket = await ensureOk(ctx, await ctx.swift('HEAD', ctx.bucket), 'bucket');
  dropBody(bucket.body);
  const seg = await ctx.swift('PUT', segmentsContainer(ctx.bucket));
  dropBody(seg.body);
  await ensureOk(ctx, seg, 'bucket');
  const uploadId = newUploadId();
  const headers = swiftObjectHeaders(ctx.req.swift.headers, true, ctx.req.swift.env.nonTokenHeaders);
  headers['content-type'] ??= 'binary/octet-stream';
  headers['content-length'] = '0';
  if (checksum) Object.assign(headers, uploadChecksumSysmeta(checksum));
  // x-amz-tagging is checked now and applied when the upload completes.
  const tagging = ctx.req.swift.headers['x-amz-tagging'];
  if (tagging !== undefined) {
    const tags = parseTaggingHeader(tagging);
    if (tags.length) headers[OBJECT_TAGGING_SYSMETA] = encodeTags(tags);
  }
  Object.assign(headers, await newObjectAclSysmeta(ctx, UPLOAD_ACL_SYSMETA));
  const put = await ctx.swift('PUT', segmentsContainer(ctx.bucket), uploadMarker(ctx.key, uploadId), { headers });
  dropBody(put.body);
  await ensureOk(ctx, put, 'object');
  const inner = tag('Bucket', ctx.bucket) + tag('Key', ctx.key) + tag('UploadId', uploadId);
  const resp = xmlResponse(200, xmlDocument('InitiateMultipartUploadResult', inner));
  if (checksum) Object.assign(resp.headers, { 'x-amz-checksum-algorithm': checksum.algorithm.name, 'x-amz-checksum-type': checksum.type });
  return resp;
}

interface Upload {
  key: string;
  uploadId: string;
  initiated?: string;
}

async function listUploads(ctx: S3Context): Promise<SwiftResponse> {
  const p = ctx.req.params;
  const maxUploads = Math.min(intParam(ctx, 'max-uploads', 1000), 1000);
  const type = encodingType(ctx);
  const enc = encoder(type);
  const prefix = p.get('prefix') ?? '';
  const delimiter = p.get('delimiter') ?? '';
  const keyMarker = p.get('key-marker') ?? '';
  const uploadIdMarker = p.get('upload-id-marker') ?? '';
  const bucket = await ensureOk(ctx, await ctx.swift('HEAD', ctx.bucket), 'bucket');
  dropBody(bucket.body);
  const uploads: Upload[] = [];
  for (const e of await listAll(ctx, segmentsContainer(ctx.bucket), prefix)) {
    const slash = e.name!.lastIndexOf('/');
    if (slash <= 0) continue;
    const uploadId = e.name!.slice(slash + 1);
    if (/^\d+$/.test(uploadId)) continue;
    const key = e.name!.slice(0, slash);
    if (keyMarker && (key < keyMarker || (key === keyMarker && (!uploadIdMarker || uploadId <= uploadIdMarker)))) continue;
    uploads.push({ key, uploadId, initiated: e.last_modified });
  }
  uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated! < b.initiated! ? -1 : 1));
  const items: ({ upload: Upload } | { prefix: string })[] = [];
  const seenPrefixes = new Set<string>();
  for (const u of uploads) {
    if (delimiter) {
      const i = u.key.indexOf(delimiter, prefix.length);
      if (i !== -1) {
        const cp = u.key.slice(0, i + delimiter.length);
        if (!seenPrefixes.has(cp)) {
          seenPrefixes.add(cp);
          items.push({ prefix: cp });
        }
        continue;
      }
    }
    items.push({ upload: u });
  }
  const truncated = items.length > maxUploads;
  const page = items.slice(0, maxUploads);
  let inner = tag('Bucket', ctx.bucket) + tag('KeyMarker', enc(keyMarker)) + tag('UploadIdMarker', uploadIdMarker);
  // Swift's s3api fills the next markers in only when more than one upload is listed.
  const last = page.length > 1 ? page[page.length - 1] : undefined;
  inner += tag('NextKeyMarker', last ? enc('upload' in last ? last.upload.key : last.prefix) : '');
  inner += tag('NextUploadIdMarker', last && 'upload' in last ? last.upload.uploadId : '');
  if (delimiter) inner += tag('Delimiter', enc(delimiter));
  if (prefix) inner += tag('Prefix', enc(prefix));
  inner += tag('MaxUploads', maxUploads);
  if (type) inner += tag('EncodingType', type);
  inner += tag('IsTruncated', truncated);
  for (const item of page) {
    if (!('upload' in item)) continue;
    const u = item.upload;
    inner += `<Upload>${tag('Key', enc(u.key))}${tag('UploadId', u.uploadId)}`
      + `<Initiator>${tag('ID', ctx.userId)}${tag('DisplayName', ctx.userId)}</Initiator>${ownerXml(ctx.userId)}`
      + `<StorageClass>STANDARD</StorageClass>${tag('Initiated', s3ListingTime(u.initiated))}</Upload>`;
  }
  for (const item of page) if ('prefix' in item) inner += `<CommonPrefixes>${tag('Prefix', enc(item.prefix))}</CommonPrefixes>`;
  return xmlResponse(200, xmlDocument('ListMultipartUploadsResult', inner));
}

export const uploadsHandlers: ResourceHandlers = {
  bucket: { GET: listUploads },
  object: { POST: createUpload },
};
