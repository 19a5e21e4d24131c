/**
 * CompleteMultipartUpload: the listed parts checked against those stored
 * (InvalidPart, InvalidPartOrder, EntityTooSmall), then an SLO manifest
 * over them PUT as the object, its S3 ETag (`<md5 of the parts' MD5s>-N`)
 * kept in sysmeta and, for listings, in the container update's etag.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { dropBody, readSmallBody } from '../../../response.js';
import type { Headers, SwiftResponse } from '../../../types.js';
import type { S3Context } from '../../context.js';
import { S3Errors } from '../../errors.js';
import { readXmlBody } from '../../body.js';
import { CONTENT_HEADERS } from '../../object-headers.js';
import { xmlResponse } from '../../response.js';
import { swiftError } from '../../swift-errors.js';
import { childNodes, childText, parseXml, tag, xmlDocument } from '../../xml.js';
import { findUpload, listParts, partName, segmentsContainer, uploadMarker } from './store.js';

export const S3_ETAG_SYSMETA = 'x-object-sysmeta-s3api-etag';
const OVERRIDE_ETAG = 'x-object-sysmeta-container-update-override-etag';

interface RequestedPart {
  number: number;
  etag: string;
}

function requestedParts(body: Buffer, maxParts: number): RequestedPart[] {
  const doc = parseXml(body, 'CompleteMultipartUpload');
  const parts = childNodes(doc, 'Part').map((p) => {
    const n = childText(p, 'PartNumber');
    const etag = childText(p, 'ETag');
    if (n === undefined || etag === undefined || !/^\d+$/.test(n)) throw S3Errors.MalformedXML();
    return { number: Number(n), etag: etag.replace(/"/g, '').trim() };
  });
  if (parts.length === 0 || parts.length > maxParts) throw S3Errors.MalformedXML();
  for (let i = 1; i < parts.length; i++) if (parts[i].number <= parts[i - 1].number) throw S3Errors.InvalidPartOrder();
  return parts;
}

export async function completeUpload(ctx: S3Context): Promise<SwiftResponse> {
  const uploadId = ctx.req.params.get('uploadId');
  const marker = await findUpload(ctx, uploadId);
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
  // The final object takes what CreateMultipartUpload was given.
  const headers: Headers = { [S3_ETAG_SYSMETA]: s3Etag, [OVERRIDE_ETAG]: `; s3_etag=${s3Etag}` };
  for (const [k, v] of Object.entries(marker.headers)) {
    if (k.startsWith('x-object-meta-') || CONTENT_HEADERS.includes(k)) headers[k] = v;
  }
  const json = Buffer.from(JSON.stringify(manifest));
  headers['content-length'] = String(json.length);
  const put = await ctx.swift('PUT', ctx.bucket, ctx.key, { query: 'multipart-manifest=put', headers, body: Readable.from([json]) });
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
  // Parts uploaded but not listed are not part of the object: they go, then the marker.
  const used = new Set(requested.map((r) => r.number));
  for (const n of stored.keys()) {
    if (used.has(n)) continue;
    dropBody((await ctx.swift('DELETE', segmentsContainer(ctx.bucket), partName(ctx.key, uploadId!, n))).body);
  }
  const del = await ctx.swift('DELETE', segmentsContainer(ctx.bucket), uploadMarker(ctx.key, uploadId!));
  dropBody(del.body);
  const inner = tag('Location', `/${ctx.bucket}/${ctx.key}`) + tag('Bucket', ctx.bucket) + tag('Key', ctx.key) + tag('ETag', `"${s3Etag}"`);
  return xmlResponse(200, xmlDocument('CompleteMultipartUploadResult', inner));
}

