/**
 * CompleteMultipartUpload: the listed parts checked against those stored
 * (InvalidPart, InvalidPartOrder, EntityTooSmall), then an SLO manifest
 * over them PUT as the object, its S3 ETag (`<md5 of the parts' MD5s>-N`)
 * kept in sysmeta and, for listings, in the container update's etag.
 */
import { OBJECT_ACL_SYSMETA, UPLOAD_ACL_SYSMETA } from '../../acl.js';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { dropBody, readSmallBody } from '../../../response.js';
import type { Headers, SwiftResponse } from '../../../types.js';
import type { S3Context } from '../../context.js';
import { S3Error, S3Errors } from '../../errors.js';
import { readXmlBody } from '../../body.js';
import { CONTENT_HEADERS } from '../../object-headers.js';
import { decodeTags, OBJECT_TAGGING_SYSMETA } from '../../tags.js';
import { expiryHeaders, s3ExpirationHeader } from '../../expiry.js';
import { s3VersionHeaders } from '../../versions.js';
import { xmlResponse } from '../../response.js';
import { swiftError } from '../../swift-errors.js';
import { checkConditionalOutcome, checkWriteConditions, writeConditions } from '../../conditional-write.js';
import { childNodes, childText, parseXml, tag, xmlDocument } from '../../xml.js';
import { findUpload, listParts, partChecksums, partName, segmentsContainer, uploadMarker, type StoredPart } from './store.js';
import { CHECKSUM_ALGORITHMS, checksumAlgorithm, checksumSysmeta, checksumXml, multipartChecksum, uploadChecksumOf, type StoredChecksum, type UploadChecksum } from '../../checksum/index.js';

export const S3_ETAG_SYSMETA = 'x-object-sysmeta-s3api-etag';
const DEFAULT_UPLOAD_CHECKSUM: UploadChecksum = { algorithm: checksumAlgorithm('CRC64NVME')!, type: 'FULL_OBJECT' };
const OVERRIDE_ETAG = 'x-object-sysmeta-container-update-override-etag';
/** The upload a completed object came from, as Swift's s3api records it: a retried Complete finds it there. */
const UPLOAD_ID_SYSMETA = 'x-object-sysmeta-s3api-upload-id';

interface RequestedPart {
  number: number;
  etag: string;
  /** Checksums the request lists for the part (`<ChecksumCRC32>`, …), by algorithm name. */
  checksums: Map<string, string>;
}

function requestedParts(body: Buffer, maxParts: number): RequestedPart[] {
  const doc = parseXml(body, 'CompleteMultipartUpload');
  const parts = childNodes(doc, 'Part').map((p) => {
    const n = childText(p, 'PartNumber');
    const etag = childText(p, 'ETag');
    if (n === undefined || etag === undefined || !/^\d+$/.test(n)) throw S3Errors.MalformedXML();
    const checksums = new Map<string, string>();
    for (const a of CHECKSUM_ALGORITHMS) {
      const v = childText(p, a.element);
      if (v !== undefined) checksums.set(a.name, v.trim());
    }
    return { number: Number(n), etag: etag.replace(/"/g, '').trim(), checksums };
  });
  if (parts.length === 0 || parts.length > maxParts) throw S3Errors.MalformedXML();
  for (let i = 1; i < parts.length; i++) if (parts[i].number <= parts[i - 1].number) throw S3Errors.InvalidPartOrder();
  return parts;
}

/**
 * The object's checksum from its parts': of the upload's algorithm, or
 * S3's default (a FULL_OBJECT CRC64NVME) for an upload created without
 * one. With an algorithm, each listed part's checksum must be the one
 * stored (InvalidPart otherwise); a full-object value the request sends
 * must be the one computed (BadDigest). None when a part has none of the
 * algorithm stored (parts uploaded before checksums were kept, or sent
 * with another algorithm to an upload created without one).
 */
async function finalChecksum(
  ctx: S3Context, uploadId: string, explicit: UploadChecksum | undefined, requested: RequestedPart[], stored: Map<number, StoredPart>,
): Promise<StoredChecksum | undefined> {
  // An upload created without an algorithm gets S3's default: the CRC64NVME of the whole object, from its parts' (computed as they streamed).
  const upload = explicit ?? DEFAULT_UPLOAD_CHECKSUM;
  const sums = await partChecksums(ctx, uploadId, requested.map((r) => r.number));
  const parts: { value: string; size: number }[] = [];
  for (const r of requested) {
    const sum = sums.get(r.number);
    for (const [name, value] of explicit ? r.checksums : []) {
      if (!sum || sum.algorithm.name !== name || sum.value !== value) throw S3Errors.InvalidPart({ UploadId: uploadId, PartNumber: String(r.number), ETag: r.etag });
    }
    if (!sum || sum.algorithm !== upload.algorithm) return undefined;
    parts.push({ value: sum.value, size: stored.get(r.number)!.size });
  }
  const value = await multipartChecksum(upload, parts);
  const given = ctx.req.swift.headers[upload.algorithm.header]?.trim();
  if (given !== undefined && given !== value && (upload.type === 'FULL_OBJECT' || given.includes('-'))) {
    throw S3Errors.BadDigest({}, `The ${upload.algorithm.name} you specified did not match the calculated checksum.`);
  }
  return { algorithm: upload.algorithm, value, type: upload.type };
}

/** S3's (and Swift's) answer once the object is there. */
function completeResult(ctx: S3Context, s3Etag: string, checksum?: StoredChecksum, headers: Headers = {}): SwiftResponse {
  const inner = tag('Location', objectLocation(ctx)) + tag('Bucket', ctx.bucket) + tag('Key', ctx.key) + tag('ETag', `"${s3Etag}"`) + checksumXml(checksum, true, tag);
  return xmlResponse(200, xmlDocument('CompleteMultipartUploadResult', inner), headers);
}

/**
 * A Complete retried after it succeeded (its answer lost): the marker is
 * gone, but the object records the upload it came from and its S3 ETag.
 * The same parts again get the same answer, as S3 and Swift's s3api give it;
 * anything else is NoSuchUpload.
 */
async function alreadyCompleted(ctx: S3Context, uploadId: string, requested: RequestedPart[]): Promise<SwiftResponse | undefined> {
  const head = await ctx.swift('HEAD', ctx.bucket, ctx.key);
  dropBody(head.body);
  if (head.status !== 200 || head.headers[UPLOAD_ID_SYSMETA] !== uploadId) return undefined;
  const md5s = createHash('md5');
  for (const r of requested) {
    if (!/^[0-9a-f]{32}$/.test(r.etag)) return undefined;
    md5s.update(Buffer.from(r.etag, 'hex'));
  }
  const s3Etag = `${md5s.digest('hex')}-${requested.length}`;
  return head.headers[S3_ETAG_SYSMETA] === s3Etag ? completeResult(ctx, s3Etag) : undefined;
}

export async function completeUpload(ctx: S3Context): Promise<SwiftResponse> {
  const uploadId = ctx.req.params.get('uploadId');
  const conditions = writeConditions(ctx.req.swift.headers);
  let marker: SwiftResponse;
  try {
    marker = await findUpload(ctx, uploadId);
  } catch (err) {
    if (!(err instanceof S3Error) || err.code !== 'NoSuchUpload') throw err;
    // A body that doesn't parse can't be a retry: the answer stays NoSuchUpload.
    const requested = await readXmlBody(ctx, 4 * 1024 * 1024).then((b) => requestedParts(b, ctx.conf.maxUploadPartNum)).catch(() => undefined);
    const done = requested && await alreadyCompleted(ctx, uploadId!, requested);
    if (done) return done;
    throw err;
  }
  const requested = requestedParts(await readXmlBody(ctx, 4 * 1024 * 1024), ctx.conf.maxUploadPartNum);
  const stored = new Map((await listParts(ctx, uploadId!)).map((p) => [p.number, p]));
  const manifest: { path: string; etag: string; size_bytes: number }[] = [];
  const md5s = createHash('md5');
  requested.forEach((r, i) => {
    const part = stored.get(r.number);
    if (!part || part.etag !== r.etag) throw S3Errors.InvalidPart({ UploadId: uploadId!, PartNumber: String(r.number), ETag: r.etag });
    if (i < requested.length - 1 && part.size < ctx.conf.minSegmentSize) {
      throw S3Errors.EntityTooSmall({ ProposedSize: String(part.size), MinSizeAllowed: String(ctx.conf.minSegmentSize), PartNumber: String(r.number), ETag: r.etag });
    }
    if (!/^[0-9a-f]{32}$/.test(part.etag)) throw S3Errors.InvalidPart({ UploadId: uploadId!, PartNumber: String(r.number), ETag: r.etag });
    md5s.update(Buffer.from(part.etag, 'hex'));
    manifest.push({ path: `/${segmentsContainer(ctx.bucket)}/${partName(ctx.key, uploadId!, r.number)}`, etag: part.etag, size_bytes: part.size });
  });
  const s3Etag = `${md5s.digest('hex')}-${requested.length}`;
  const explicit = uploadChecksumOf(marker.headers);
  const checksum = await finalChecksum(ctx, uploadId!, explicit, requested, stored);
  // The final object takes what CreateMultipartUpload was given.
  const headers: Headers = { [S3_ETAG_SYSMETA]: s3Etag, [UPLOAD_ID_SYSMETA]: uploadId!, [OVERRIDE_ETAG]: `; s3_etag=${s3Etag}`, ...(checksum ? checksumSysmeta(checksum) : {}) };
  for (const [k, v] of Object.entries(marker.headers)) {
    if (k.startsWith('x-object-meta-') || CONTENT_HEADERS.includes(k)) headers[k] = v;
  }
  // The tags given when the upload began, and the bucket's lifecycle expiry for the whole object.
  const tagging = marker.headers[OBJECT_TAGGING_SYSMETA];
  if (tagging) headers[OBJECT_TAGGING_SYSMETA] = tagging;
  const expiry = await expiryHeaders(ctx, ctx.key, manifest.reduce((n, m) => n + m.size_bytes, 0), decodeTags(tagging));
  Object.assign(headers, expiry);
  // The ACL CreateMultipartUpload was given (kept aside on the marker).
  const acl = marker.headers[UPLOAD_ACL_SYSMETA];
  if (acl !== undefined) headers[OBJECT_ACL_SYSMETA] = acl;
  const json = Buffer.from(JSON.stringify(manifest));
  headers['content-length'] = String(json.length);
  // If-Match / If-None-Match: * hold for the object as it is when the upload completes.
  await checkWriteConditions(ctx, conditions);
  const put = await ctx.swift('PUT', ctx.bucket, ctx.key, { query: 'multipart-manifest=put', headers, body: Readable.from([json]) });
  checkConditionalOutcome(conditions, put);
  if (put.status === 404) {
    dropBody(put.body);
    throw S3Errors.NoSuchBucket({ BucketName: ctx.bucket });
  }
  if (put.status === 400) {
    const text = (await readSmallBody(put.body, 1024 * 1024)).toString('utf8');
    throw S3Errors.InvalidPart({}, text.trim() || undefined);
  }
  if (put.status < 200 || put.status >= 300) throw await swiftError(ctx, put, 'object');
  dropBody(put.body);
  const answerHeaders = s3ExpirationHeader(expiry, s3VersionHeaders(put.headers));
  // Parts uploaded but not listed are not part of the object: they go, then the marker.
  const used = new Set(requested.map((r) => r.number));
  for (const n of stored.keys()) {
    if (used.has(n)) continue;
    dropBody((await ctx.swift('DELETE', segmentsContainer(ctx.bucket), partName(ctx.key, uploadId!, n))).body);
  }
  const del = await ctx.swift('DELETE', segmentsContainer(ctx.bucket), uploadMarker(ctx.key, uploadId!));
  dropBody(del.body);
  // The default checksum is stored but not named here: Swift's s3api schema (its functional tests) allows none in the result.
  return completeResult(ctx, s3Etag, explicit && checksum, answerHeaders);
}

/**
 * The new object's URL, as S3 gives it: the request's scheme://host and its
 * path as sent (still percent-encoded), so path-style and virtual-hosted
 * requests each get back the URL they would GET it by.
 */
function objectLocation(ctx: S3Context): string {
  const host = ctx.req.swift.headers.host;
  return host ? `http://${hostAndPort(host)}${ctx.req.rawPath}` : ctx.req.rawPath;
}

/** A Host header's host and first port: boto (v2) with SigV4 sends `host:port:port`, which Swift trims the same way. */
function hostAndPort(host: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(?::([^:]*))?/.exec(host)!;
  return m[2] === undefined ? m[1]! : `${m[1]!}:${m[2]}`;
}
