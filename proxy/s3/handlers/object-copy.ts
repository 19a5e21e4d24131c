/**
 * CopyObject: PUT with `x-amz-copy-source`, done by Swift's copy filter
 * (`X-Copy-From`). `x-amz-metadata-directive` COPY keeps the source's
 * metadata, REPLACE takes the request's; the `x-amz-copy-source-if-*`
 * conditions are checked against the source first. The copy keeps the
 * source's checksum, or gets one of `x-amz-checksum-algorithm` computed
 * over the bytes copied (object-copy-body.ts), named in CopyObjectResult.
 */
import { conditionalStatus, quotePath } from '../../../common/index.js';
import { dropBody } from '../../response.js';
import { unquoteBytes } from '../../request-path.js';
import type { Headers, SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Errors } from '../errors.js';
import { xmlResponse } from '../response.js';
import { validBucketName } from '../request.js';
import { ensureOk } from '../swift-errors.js';
import { checkStorageClass, swiftObjectHeaders } from '../object-headers.js';
import { tag, xmlDocument } from '../xml.js';
import { s3VersionHeaders, validVersionId, versionQuery } from '../versions.js';
import { decodeTags, encodeTags, OBJECT_TAGGING_SYSMETA, parseTaggingHeader } from '../tags.js';
import { expiryHeaders, s3ExpirationHeader } from '../expiry.js';
import { checkCopySource, newObjectAclSysmeta } from '../acl-check.js';
import { checksumXml, namedChecksumAlgorithm, type StoredChecksum } from '../checksum/index.js';
import { copyWithChecksum } from './object-copy-body.js';

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

/** `x-amz-copy-source`: `[/]bucket/key[?versionId=…]`, URL-encoded. */
export function parseCopySource(ctx: S3Context): CopySource {
  const value = ctx.req.swift.headers['x-amz-copy-source']!;
  const q = value.indexOf('?');
  const path = unquoteBytes(q === -1 ? value : value.slice(0, q)).toString('utf8').replace(/^\//, '');
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) throw S3Errors.InvalidArgument({ ArgumentName: 'x-amz-copy-source', ArgumentValue: value }, 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  const bucket = path.slice(0, slash);
  if (!validBucketName(bucket, ctx.conf.dnsCompliantBucketNames)) throw S3Errors.InvalidBucketName({ BucketName: bucket });
  let versionId: string | undefined;
  if (q !== -1) {
    const params = new URLSearchParams(value.slice(q + 1));
    // versionId is the only parameter a copy source may carry.
    if ([...params.keys()].some((k) => k !== 'versionId') || !params.has('versionId')) {
      throw S3Errors.InvalidArgument({ ArgumentName: 'x-amz-copy-source', ArgumentValue: value }, 'Unsupported copy source parameter.');
    }
    versionId = params.get('versionId') ?? undefined;
  }
  return { bucket, key: path.slice(slash + 1), versionId };
}

/** The source's HEAD, with the copy-source conditions checked; PreconditionFailed when one fails. */
export async function headCopySource(ctx: S3Context, src: CopySource): Promise<SwiftResponse> {
  if (src.versionId !== undefined && !validVersionId(src.versionId)) throw S3Errors.InvalidArgument({ ArgumentName: 'versionId', ArgumentValue: src.versionId }, 'Invalid version id specified');
  if (src.versionId !== undefined && src.versionId !== 'null' && !ctx.hasFeature('object_versioning')) throw S3Errors.NoSuchVersion({ Key: src.key, VersionId: src.versionId });
  const head = await ctx.swift('HEAD', src.bucket, src.key, { query: versionQuery(src.versionId) });
  dropBody(head.body);
  if (head.status === 404 || (head.status === 400 && src.versionId !== undefined)) {
    const bucket = await ctx.swift('HEAD', src.bucket);
    dropBody(bucket.body);
    if (bucket.status === 404) throw S3Errors.NoSuchBucket({ BucketName: src.bucket });
    if (src.versionId !== undefined) throw S3Errors.NoSuchVersion({ Key: src.key, VersionId: src.versionId });
    throw S3Errors.NoSuchKey({ Key: src.key });
  }
  await ensureOk(ctx, head, 'object');
  checkCopySource(ctx, head.headers);
  const h = ctx.req.swift.headers;
  const conditions: Record<string, string | undefined> = {
    'if-match': h['x-amz-copy-source-if-match'],
    'if-none-match': h['x-amz-copy-source-if-none-match'],
    'if-modified-since': h['x-amz-copy-source-if-modified-since'],
    'if-unmodified-since': h['x-amz-copy-source-if-unmodified-since'],
  };
  const etag = (head.headers['x-object-sysmeta-s3api-etag'] ?? head.headers.etag ?? '').replace(/"/g, '');
  const lastModified = head.headers['last-modified'] ? Math.floor(Date.parse(head.headers['last-modified']) / 1000) : undefined;
  // S3: a matching If-Match wins over a failing If-Unmodified-Since; a failing If-None-Match over If-Modified-Since.
  if (conditions['if-match'] !== undefined) delete conditions['if-unmodified-since'];
  if (conditions['if-none-match'] !== undefined) delete conditions['if-modified-since'];
  if (conditionalStatus(conditions, true, etag, lastModified) !== undefined) throw S3Errors.PreconditionFailed({ Condition: 'x-amz-copy-source-If-*' });
  return head;
}

export async function copyObject(ctx: S3Context): Promise<SwiftResponse> {
  const h = ctx.req.swift.headers;
  checkStorageClass(h);
  const src = parseCopySource(ctx);
  const directive = h['x-amz-metadata-directive'] ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') throw S3Errors.InvalidArgument({ ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive }, 'Unknown metadata directive.');
  const taggingDirective = h['x-amz-tagging-directive'] ?? 'COPY';
  if (taggingDirective !== 'COPY' && taggingDirective !== 'REPLACE') throw S3Errors.InvalidArgument({ ArgumentName: 'x-amz-tagging-directive', ArgumentValue: taggingDirective }, 'Unknown tagging directive.');
  const newTags = taggingDirective === 'REPLACE' ? encodeTags(parseTaggingHeader(h['x-amz-tagging'] ?? '')) : undefined;
  // A copy onto itself must change something: its metadata, storage class or (as S3 allows) its checksum algorithm.
  if (src.bucket === ctx.bucket && src.key === ctx.key && directive === 'COPY' && h['x-amz-storage-class'] === undefined && h['x-amz-checksum-algorithm'] === undefined) {
    throw S3Errors.InvalidRequest({}, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
  }
  const algorithmName = h['x-amz-checksum-algorithm'];
  const algorithm = algorithmName === undefined ? undefined : namedChecksumAlgorithm(algorithmName);
  const source = await headCopySource(ctx, src);
  // The copy is the requester's, with the ACL the request asks for (never the source's).
  const headers: Headers = { 'x-copy-from': quotePath(`/${src.bucket}/${src.key}`), 'content-length': '0', ...(await newObjectAclSysmeta(ctx)) };
  if (directive === 'REPLACE') {
    Object.assign(headers, swiftObjectHeaders(h, true, ctx.req.swift.env.nonTokenHeaders));
    headers['x-fresh-metadata'] = 'true';
    if (headers['content-type'] === undefined) headers['content-type'] = 'binary/octet-stream';
  }
  // The tag set as S3 copies it: the source's (COPY) or the request's (REPLACE), whatever the metadata directive.
  const tags = newTags ?? source.headers[OBJECT_TAGGING_SYSMETA] ?? '';
  if (tags || source.headers[OBJECT_TAGGING_SYSMETA]) headers[OBJECT_TAGGING_SYSMETA] = tags;
  const expiry = await expiryHeaders(ctx, ctx.key, Number(source.headers['content-length'] ?? 0), decodeTags(tags));
  Object.assign(headers, expiry);
  // With x-amz-checksum-algorithm the copy's bytes are read here to be digested; otherwise Swift copies them, and the source's checksum (sysmeta) with them.
  let resp: SwiftResponse;
  // The source's checksum goes along unnamed in the answer: Swift's s3api schema (its functional tests) allows no checksum
  // in CopyObjectResult, and a copy of an object with only the default CRC64NVME would break it. A requested algorithm is named.
  let checksum: StoredChecksum | undefined;
  if (algorithm) {
    ({ resp, checksum } = await copyWithChecksum(ctx, src, headers, directive === 'REPLACE', algorithm));
  } else {
    resp = await ctx.swift('PUT', ctx.bucket, ctx.key, { headers, query: versionQuery(src.versionId) });
  }
  dropBody(resp.body);
  if (resp.status === 404) throw S3Errors.NoSuchBucket({ BucketName: ctx.bucket });
  await ensureOk(ctx, resp, 'object');
  const versionHeaders = s3VersionHeaders(resp.headers);
  const sourceVersion = source.headers['x-object-version-id'];
  if (sourceVersion !== undefined) versionHeaders['x-amz-copy-source-version-id'] = sourceVersion;
  const etag = (resp.headers['x-object-sysmeta-s3api-etag'] ?? resp.headers.etag ?? '').replace(/"/g, '');
  const lastModified = resp.headers['last-modified'] ? Date.parse(resp.headers['last-modified']) : Math.ceil(ctx.now() / 1000) * 1000;
  const inner = tag('LastModified', new Date(lastModified).toISOString()) + tag('ETag', `"${etag}"`) + checksumXml(checksum, true, tag);
  return xmlResponse(200, xmlDocument('CopyObjectResult', inner), s3ExpirationHeader(expiry, versionHeaders));
}
