/**
 * `?uploadId`: UploadPart and UploadPartCopy (PUT with `partNumber`),
 * ListParts (GET), AbortMultipartUpload (DELETE). Complete is complete.ts.
 */
import { parseRange, rangesForLength } from '../../../../common/index.js';
import { dropBody } from '../../../response.js';
import type { Headers, SwiftResponse } from '../../../types.js';
import type { S3Context } from '../../context.js';
import { S3Errors } from '../../errors.js';
import { requestBody } from '../../body.js';
import { encoder, encodingType, intParam, quoteEtag, s3ListingTime } from '../../listing.js';
import { emptyResponse, xmlResponse } from '../../response.js';
import { ensureOk, swiftError } from '../../swift-errors.js';
import { tag, xmlDocument } from '../../xml.js';
import { ownerXml } from '../list-objects.js';
import { headCopySource, parseCopySource } from '../object-copy.js';
import { versionQuery } from '../../versions.js';
import { putHeaders } from '../object.js';
import { ChecksumCheck, checksumFooters, checksumResponseHeaders, checksumSysmeta, checksumXml, defaultChecksum, requestChecksum, uploadChecksumOf, type RequestChecksum, type UploadChecksum } from '../../checksum/index.js';
import { completeUpload } from './complete.js';
import type { ResourceHandlers } from '../types.js';
import { findUpload, listParts, partChecksums, partName, partNumberParam, segmentsContainer, uploadMarker } from './store.js';

async function uploadPart(ctx: S3Context): Promise<SwiftResponse> {
  const part = partNumberParam(ctx);
  const uploadId = ctx.req.params.get('uploadId');
  if (ctx.req.swift.headers['x-amz-copy-source'] !== undefined) return uploadPartCopy(ctx, part, uploadId);
  const headers = putHeaders(ctx);
  for (const k of Object.keys(headers)) if (k.startsWith('x-object-meta-')) delete headers[k];
  const upload = uploadChecksumOf((await findUpload(ctx, uploadId)).headers);
  const checksum = partChecksum(ctx, upload);
  if (checksum?.value) Object.assign(headers, checksumSysmeta({ algorithm: checksum.algorithm, value: checksum.value, type: 'FULL_OBJECT' }));
  const { body, failure, checksum: check } = requestBody(ctx, checksum);
  // A trailer's (or a computed) checksum is known only after the body: it goes in the PUT's footers.
  const footers = check && !checksum?.value ? checksumFooters(check) : undefined;
  let resp: SwiftResponse;
  try {
    resp = await ctx.swift('PUT', segmentsContainer(ctx.bucket), partName(ctx.key, uploadId!, part), { headers, body, footers });
  } catch (err) {
    throw failure() ?? err;
  }
  const bad = failure();
  dropBody(resp.body);
  if (bad) throw bad;
  await ensureOk(ctx, resp, 'object');
  const stored = check?.value === undefined ? undefined : { algorithm: check.checksum.algorithm, value: check.value, type: 'FULL_OBJECT' as const };
  const out = checksumResponseHeaders(stored);
  delete out['x-amz-checksum-type'];
  if (resp.headers['last-modified'] !== undefined) out['last-modified'] = resp.headers['last-modified'];
  return emptyResponse(200, { 'content-type': 'text/html; charset=UTF-8', etag: quoteEtag((resp.headers.etag ?? '').replace(/"/g, '')), ...out });
}

/**
 * A part's checksum: the one it was sent with, which must be of the
 * upload's algorithm; when it came without one, the upload's algorithm
 * computed as the part streams, or S3's default (CRC64NVME) for an upload
 * created without one (the final checksum is built from all parts').
 */
function partChecksum(ctx: S3Context, upload: UploadChecksum | undefined): RequestChecksum | undefined {
  const checksum = requestChecksum(ctx.req.swift.headers, ctx.signature);
  if (upload && checksum && checksum.algorithm !== upload.algorithm) {
    throw S3Errors.InvalidRequest({}, `Checksum Type mismatch occurred, expected checksum Type: ${upload.algorithm.name.toLowerCase()}, actual checksum Type: ${checksum.algorithm.name.toLowerCase()}`);
  }
  return checksum ?? (upload ? { algorithm: upload.algorithm, trailer: false } : defaultChecksum());
}

/** UploadPartCopy: the source (or `x-amz-copy-source-range` of it) read and written as the part, streamed. */
async function uploadPartCopy(ctx: S3Context, part: number, uploadId: string | undefined): Promise<SwiftResponse> {
  const src = parseCopySource(ctx);
  const upload = uploadChecksumOf((await findUpload(ctx, uploadId)).headers);
  const head = await headCopySource(ctx, src);
  const size = Number(head.headers['content-length'] ?? 0);
  const getHeaders: Headers = {};
  const rangeText = ctx.req.swift.headers['x-amz-copy-source-range'];
  if (rangeText !== undefined) {
    const spec = /^bytes=(\d+)-(\d+)$/.exec(rangeText.trim());
    if (!spec || Number(spec[1]) > Number(spec[2])) {
      throw S3Errors.InvalidArgument({ ArgumentName: 'x-amz-copy-source-range', ArgumentValue: rangeText },
        'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy');
    }
    const ranges = rangesForLength(parseRange(rangeText) ?? [], size);
    if (ranges.length !== 1 || Number(spec[2]) >= size) throw S3Errors.InvalidRange({ RangeRequested: rangeText, ActualObjectSize: String(size) });
    getHeaders.range = rangeText;
  }
  const source = await ctx.swift('GET', src.bucket, src.key, { headers: getHeaders, query: versionQuery(src.versionId) });
  if (source.status < 200 || source.status >= 300) throw await swiftError(ctx, source, 'object');
  if (!source.body || typeof source.body === 'string' || Buffer.isBuffer(source.body)) {
    dropBody(source.body);
    throw S3Errors.InternalError();
  }
  // The copied part gets the upload's checksum (S3's default, CRC64NVME, for an upload without one), computed as it passes.
  const check = new ChecksumCheck(upload ? { algorithm: upload.algorithm, trailer: false } : defaultChecksum(), () => undefined);
  check.on('error', () => undefined);
  source.body.on('error', (err) => check.destroy(err));
  source.body.pipe(check);
  const put = await ctx.swift('PUT', segmentsContainer(ctx.bucket), partName(ctx.key, uploadId!, part), {
    headers: { 'content-length': source.headers['content-length'] ?? '0' },
    body: check,
    footers: checksumFooters(check),
  });
  dropBody(put.body);
  await ensureOk(ctx, put, 'object');
  const stored = check.value === undefined ? undefined : { algorithm: check.checksum.algorithm, value: check.value, type: 'FULL_OBJECT' as const };
  const lastModified = put.headers['last-modified'] ? Date.parse(put.headers['last-modified']) : Math.ceil(ctx.now() / 1000) * 1000;
  const inner = tag('LastModified', new Date(lastModified).toISOString()) + tag('ETag', quoteEtag((put.headers.etag ?? '').replace(/"/g, '')))
    // Named for an upload with an algorithm only: Swift's s3api schema (its functional tests) allows no checksum in CopyPartResult.
    + checksumXml(upload && stored, false, tag);
  return xmlResponse(200, xmlDocument('CopyPartResult', inner));
}

async function listPartsHandler(ctx: S3Context): Promise<SwiftResponse> {
  const uploadId = ctx.req.params.get('uploadId');
  const maxParts = Math.min(intParam(ctx, 'max-parts', ctx.conf.maxPartsListing), ctx.conf.maxPartsListing);
  const marker = intParam(ctx, 'part-number-marker', 0);
  const enc = encoder(encodingType(ctx));
  const upload = uploadChecksumOf((await findUpload(ctx, uploadId)).headers);
  const parts = (await listParts(ctx, uploadId!)).filter((p) => p.number > marker);
  const page = parts.slice(0, maxParts);
  const sums = upload ? await partChecksums(ctx, uploadId!, page.map((p) => p.number)) : new Map<number, undefined>();
  const truncated = parts.length > maxParts;
  let inner = tag('Bucket', ctx.bucket) + tag('Key', enc(ctx.key)) + tag('UploadId', uploadId!)
    + `<Initiator>${tag('ID', ctx.userId)}${tag('DisplayName', ctx.userId)}</Initiator>${ownerXml(ctx.userId)}`
    + '<StorageClass>STANDARD</StorageClass>' + (upload ? tag('ChecksumAlgorithm', upload.algorithm.name) + tag('ChecksumType', upload.type) : '')
    + tag('PartNumberMarker', marker);
  if (page.length) inner += tag('NextPartNumberMarker', page[page.length - 1].number);
  inner += tag('MaxParts', ctx.req.params.get('max-parts') ?? maxParts) + tag('IsTruncated', truncated);
  if (ctx.req.params.has('encoding-type')) inner += tag('EncodingType', 'url');
  for (const p of page) {
    inner += `<Part>${tag('PartNumber', p.number)}${tag('LastModified', s3ListingTime(p.lastModified))}${tag('ETag', quoteEtag(p.etag))}${tag('Size', p.size)}${checksumXml(sums.get(p.number), false, tag)}</Part>`;
  }
  return xmlResponse(200, xmlDocument('ListPartsResult', inner));
}

/** AbortMultipartUpload: the parts, then the marker. */
async function abortUpload(ctx: S3Context): Promise<SwiftResponse> {
  const uploadId = ctx.req.params.get('uploadId');
  await findUpload(ctx, uploadId);
  for (const p of await listParts(ctx, uploadId!)) {
    const del = await ctx.swift('DELETE', segmentsContainer(ctx.bucket), partName(ctx.key, uploadId!, p.number));
    dropBody(del.body);
    if (del.status !== 404) await ensureOk(ctx, del, 'object');
  }
  const del = await ctx.swift('DELETE', segmentsContainer(ctx.bucket), uploadMarker(ctx.key, uploadId!));
  dropBody(del.body);
  if (del.status !== 404) await ensureOk(ctx, del, 'object');
  return emptyResponse(204, { 'content-type': 'text/html; charset=UTF-8' });
}

export const uploadIdHandlers: ResourceHandlers = {
  object: { PUT: uploadPart, GET: listPartsHandler, POST: completeUpload, DELETE: abortUpload },
};
