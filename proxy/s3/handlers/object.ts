/**
 * Objects: PUT (or CopyObject with `x-amz-copy-source`), GET and HEAD (ranges,
 * conditionals, `response-*` overrides), DELETE.
 */
import { contentRange, parseRange, rangesForLength } from '../../../common/index.js';
import { dropBody, readSmallBody } from '../../response.js';
import type { Headers, SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Error, S3Errors } from '../errors.js';
import { emptyResponse } from '../response.js';
import { ensureOk, swiftError } from '../swift-errors.js';
import { requestBody } from '../body.js';
import { applyResponseOverrides, checkStorageClass, contentMd5Etag, s3ObjectHeaders, swiftObjectHeaders } from '../object-headers.js';
import { copyObject } from './object-copy.js';
import { selectPart } from './object-part.js';
import { segmentChecksums } from './multipart/store.js';
import { checksumFooters, checksumResponseHeaders, checksumSysmeta, defaultChecksum, requestChecksum, storedChecksum } from '../checksum/index.js';
import { S3_ETAG_SYSMETA } from './multipart/complete.js';
import type { ResourceHandlers } from './types.js';
import { checkConditionalOutcome, checkWriteConditions, writeConditions } from '../conditional-write.js';
import { bucketHeaders } from '../bucket-info.js';
import { newObjectAclSysmeta } from '../acl-check.js';
import { decodeTags, encodeTags, OBJECT_TAGGING_SYSMETA, parseTaggingHeader } from '../tags.js';
import { expiryHeaders, s3ExpirationHeader } from '../expiry.js';
import {
  checkVersionedBucket, deleteMarkerError, deleteMarkerHeaders, DELETE_MARKER_CONTENT_TYPE, restoreNewestVersion, s3VersionHeaders,
  VERSION_SYMLINK_SYSMETA, versionIdParam, versionQuery, versioningStatus,
} from '../versions.js';

/** A 404 on an object: NoSuchKey, or NoSuchBucket when the bucket is what is missing. */
export async function objectNotFound(ctx: S3Context): Promise<S3Error> {
  try {
    await bucketHeaders(ctx);
  } catch (err) {
    if (err instanceof S3Error && err.code === 'NoSuchBucket') return err;
  }
  return S3Errors.NoSuchKey({ Key: ctx.key });
}

/** The checks and headers of an object PUT (shared with UploadPart). */
export function putHeaders(ctx: S3Context): Headers {
  const h = ctx.req.swift.headers;
  checkStorageClass(h);
  if (h['content-length'] === undefined && h['x-amz-decoded-content-length'] === undefined) throw S3Errors.MissingContentLength();
  const out = swiftObjectHeaders(h, true, ctx.req.swift.env.nonTokenHeaders);
  out['content-length'] = h['x-amz-decoded-content-length'] ?? h['content-length'];
  // aws-chunked is how the body travelled, not how the object is encoded.
  if (out['content-encoding'] !== undefined) {
    const rest = out['content-encoding'].split(',').map((s) => s.trim()).filter((s) => s && s.toLowerCase() !== 'aws-chunked');
    if (rest.length) out['content-encoding'] = rest.join(', ');
    else delete out['content-encoding'];
  }
  const etag = contentMd5Etag(h['content-md5']);
  if (etag !== undefined) out.etag = etag;
  return out;
}

async function putObject(ctx: S3Context): Promise<SwiftResponse> {
  if (ctx.req.swift.headers['x-amz-copy-source'] !== undefined) return copyObject(ctx);
  const headers = putHeaders(ctx);
  const conditions = writeConditions(ctx.req.swift.headers);
  await checkWriteConditions(ctx, conditions);
  // The object servers check it again as they open the write: one that holds the key refuses it.
  if (conditions?.ifNoneMatch) headers['if-none-match'] = '*';
  if (headers['content-type'] === undefined) headers['content-type'] = 'binary/octet-stream';
  Object.assign(headers, await newObjectAclSysmeta(ctx));
  const tagging = ctx.req.swift.headers['x-amz-tagging'];
  const tags = tagging !== undefined ? parseTaggingHeader(tagging) : [];
  if (tags.length) headers[OBJECT_TAGGING_SYSMETA] = encodeTags(tags);
  Object.assign(headers, await expiryHeaders(ctx, ctx.key, Number(headers['content-length']), tags));
  // Sent without a checksum, an object gets S3's default: CRC64NVME, computed as the body streams.
  const checksum = requestChecksum(ctx.req.swift.headers, ctx.signature) ?? defaultChecksum();
  if (checksum.value) Object.assign(headers, checksumSysmeta({ algorithm: checksum.algorithm, value: checksum.value, type: 'FULL_OBJECT' }));
  const { body, failure, checksum: check } = requestBody(ctx, checksum);
  // A trailer's checksum is known only after the body: it goes in the PUT's footers.
  const footers = check && !checksum.value ? checksumFooters(check) : undefined;
  let resp: SwiftResponse;
  try {
    resp = await ctx.swift('PUT', ctx.bucket, ctx.key, { headers, body, footers });
  } catch (err) {
    throw failure() ?? err;
  }
  const bad = failure();
  if (bad) {
    dropBody(resp.body);
    throw bad;
  }
  if (resp.status === 404) {
    dropBody(resp.body);
    throw S3Errors.NoSuchBucket({ BucketName: ctx.bucket });
  }
  if (resp.status === 412 && conditions) {
    dropBody(resp.body);
    throw S3Errors.PreconditionFailed({ Condition: conditions.ifNoneMatch ? 'If-None-Match' : 'If-Match' });
  }
  checkConditionalOutcome(conditions, resp);
  await ensureOk(ctx, resp, 'object');
  dropBody(resp.body);
  const stored = check?.value === undefined ? undefined : { algorithm: check.checksum.algorithm, value: check.value, type: 'FULL_OBJECT' as const };
  const out = s3VersionHeaders(resp.headers, { etag: `"${(resp.headers.etag ?? '').replace(/"/g, '')}"`, ...checksumResponseHeaders(stored) });
  return emptyResponse(200, s3ExpirationHeader(headers, out));
}

/** The request headers a GET or HEAD passes on to Swift. */
const PASSED_ON = ['range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];

async function getOrHead(ctx: S3Context): Promise<SwiftResponse> {
  const h = ctx.req.swift.headers;
  const headers: Headers = {};
  for (const k of PASSED_ON) if (h[k] !== undefined) headers[k] = h[k];
  // A multipart upload's conditionals compare its S3 ETag (`<md5>-N`), not the SLO's.
  if (h['if-match'] !== undefined || h['if-none-match'] !== undefined) headers['x-backend-etag-is-at'] = S3_ETAG_SYSMETA;
  const versionId = versionIdParam(ctx);
  if (versionId !== undefined && !(await checkVersionedBucket(ctx, versionId))) throw S3Errors.NoSuchVersion({ Key: ctx.key, VersionId: versionId });
  // Most GETs name no part: no promise to wait for then.
  const part = ctx.req.params.size === 0 ? undefined : await selectPart(ctx, versionId);
  if (part?.range) headers.range = part.range;
  const resp = await ctx.swift(ctx.req.method, ctx.bucket, ctx.key, { headers, query: versionQuery(versionId) });
  if (resp.status === 404) {
    dropBody(resp.body);
    if (versionId === undefined) {
      const err = await objectNotFound(ctx);
      if (err.code === 'NoSuchKey') Object.assign(err.headers, await deleteMarkerHeaders(ctx, ctx.key));
      throw err;
    }
    if (resp.headers['content-type'] === DELETE_MARKER_CONTENT_TYPE) throw deleteMarkerError(versionId, resp.headers['last-modified']);
    await bucketHeaders(ctx);
    throw S3Errors.NoSuchVersion({ Key: ctx.key, VersionId: versionId });
  }
  if (resp.status === 304) {
    dropBody(resp.body);
    const out = s3ObjectHeaders(resp.headers);
    delete out['content-length'];
    return emptyResponse(304, out);
  }
  if (resp.status === 416) {
    dropBody(resp.body);
    throw S3Errors.InvalidRange({ RangeRequested: h.range ?? '', ActualObjectSize: (resp.headers['content-range'] ?? '').replace(/^.*\//, '') });
  }
  if (resp.status < 200 || resp.status >= 300) throw await swiftError(ctx, resp, 'object');
  const out = s3ObjectHeaders(resp.headers);
  s3VersionHeaders(resp.headers, out);
  const tagCount = decodeTags(resp.headers[OBJECT_TAGGING_SYSMETA]).length;
  if (tagCount) out['x-amz-tagging-count'] = String(tagCount);
  s3ExpirationHeader(resp.headers, out);
  applyResponseOverrides(ctx, out);
  // The checksum is the whole object's: not sent with a range or a part.
  if (resp.status === 200 && !part && h.range === undefined && h['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED') Object.assign(out, checksumResponseHeaders(storedChecksum(resp.headers)));
  if (part?.partsCount !== undefined) out['x-amz-mp-parts-count'] = String(part.partsCount);
  // A part's checksum is the one its upload stored (no type: it is the part's own).
  if (part?.segment && h['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED' && storedChecksum(resp.headers)) {
    const [sum] = await segmentChecksums(ctx, [part.segment]);
    if (sum) out[sum.algorithm.header] = sum.value;
  }
  if (ctx.req.method === 'HEAD') {
    dropBody(resp.body);
    return headRange(headers.range, resp.status, out);
  }
  return { status: resp.status, headers: out, body: resp.body };
}

/** A HEAD with a Range answers as the GET would (206, the range's length), as S3 and Swift's s3api do. */
function headRange(range: string | undefined, status: number, headers: Headers): SwiftResponse {
  const size = Number(headers['content-length']);
  if (status !== 200 || range === undefined || !Number.isFinite(size)) return { status, headers };
  const spec = parseRange(range);
  if (!spec || spec.length !== 1) return { status, headers };
  const ranges = rangesForLength(spec, size);
  if (ranges.length === 0) throw S3Errors.InvalidRange({ RangeRequested: range, ActualObjectSize: String(size) });
  const [start, stop] = ranges[0];
  return { status: 206, headers: { ...headers, 'content-length': String(stop - start), 'content-range': contentRange(start, stop, size) } };
}

async function deleteObject(ctx: S3Context): Promise<SwiftResponse> {
  const result = await deleteOne(ctx, ctx.key, versionIdParam(ctx));
  if (result.noBucket) throw S3Errors.NoSuchBucket({ BucketName: ctx.bucket });
  const headers: Headers = {};
  if (result.versionId !== undefined) headers['x-amz-version-id'] = result.versionId;
  if (result.deleteMarker) headers['x-amz-delete-marker'] = 'true';
  return emptyResponse(204, headers);
}

export interface DeleteResult {
  noBucket?: boolean;
  /** The version deleted, or the delete marker's id when one was made. */
  versionId?: string;
  /** A delete marker was made, or the version deleted was one. */
  deleteMarker?: boolean;
}

/**
 * Deletes one key (or one version of it): a multipart upload's manifest
 * with its segments, any other object alone. A missing key is no error
 * (S3's DELETE is idempotent); in a bucket with versioning enabled even a
 * missing key gets a delete marker, as in S3. Deleting the current version
 * makes the newest one left current.
 */
export async function deleteOne(ctx: S3Context, key: string, versionId?: string): Promise<DeleteResult> {
  if (versionId !== undefined && !(await checkVersionedBucket(ctx, versionId))) return { versionId };
  // symlink=get: the object as stored, so a link to a version is not taken for the version's manifest.
  const head = await ctx.swift('HEAD', ctx.bucket, key, { query: versionQuery(versionId, 'symlink=get') });
  dropBody(head.body);
  let deleteMarker = false;
  if (head.status === 404) {
    let bucket: Headers;
    try {
      bucket = await bucketHeaders(ctx);
    } catch (err) {
      if ((err as S3Error).code === 'NoSuchBucket') return { noBucket: true };
      throw err;
    }
    deleteMarker = versionId !== undefined && head.headers['content-type'] === DELETE_MARKER_CONTENT_TYPE;
    const marks = versionId === undefined && versioningStatus(bucket) === 'Enabled';
    if (!deleteMarker && !marks) return { versionId };
  } else {
    await ensureOk(ctx, head, 'object');
    // The null version is not current when the key links to a version: there is none to delete here.
    if (versionId === 'null' && head.headers[VERSION_SYMLINK_SYSMETA] === 'true') return { versionId };
  }
  const slo = head.status !== 404 && head.headers['x-static-large-object'] !== undefined;
  // version-id=null too: in a versioned bucket a plain DELETE would archive the object and leave a delete marker.
  const query = versionQuery(versionId, ...(versionId !== undefined ? ['symlink=get'] : []), ...(slo ? ['multipart-manifest=delete'] : []));
  const resp = await ctx.swift('DELETE', ctx.bucket, key, { query });
  // A manifest delete runs as its answer streams (bulk's heartbeating body): read it to the end.
  if (slo) await readSmallBody(resp.body).catch(() => undefined);
  else dropBody(resp.body);
  if (resp.status !== 404) await ensureOk(ctx, resp, 'object');
  if (versionId === undefined) {
    const v = s3VersionHeaders(resp.headers);
    return { versionId: v['x-amz-version-id'], deleteMarker: v['x-amz-delete-marker'] === 'true' };
  }
  if (versionId === 'null' || resp.headers['x-object-current-version-id'] === 'null') await restoreNewestVersion(ctx, key);
  return { versionId, deleteMarker };
}

export const objectHandlers: ResourceHandlers = {
  object: { PUT: putObject, GET: getOrHead, HEAD: getOrHead, DELETE: deleteObject },
};
