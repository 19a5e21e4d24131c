/**
 * Where a multipart upload lives, as Swift's s3api keeps it: in the
 * bucket's `<bucket>+segments` container, a marker object `<key>/<uploadId>`
 * (holding the final object's content type and metadata) and each part as
 * `<key>/<uploadId>/<partNumber>`. Completing writes an SLO over the parts.
 */
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { dropBody } from '../../../response.js';
import type { SwiftResponse } from '../../../types.js';
import type { S3Context } from '../../context.js';
import { S3Error, S3Errors } from '../../errors.js';
import { listContainer, type ListingEntry } from '../../listing.js';
import { ensureOk } from '../../swift-errors.js';
import { storedChecksum, type StoredChecksum } from '../../checksum/index.js';

export const segmentsContainer = (bucket: string) => `${bucket}+segments`;
export const uploadMarker = (key: string, uploadId: string) => `${key}/${uploadId}`;
export const partName = (key: string, uploadId: string, part: number) => `${key}/${uploadId}/${part}`;

/** A new upload id: URL-safe, never all digits (a name ending in digits is a part). */
export function newUploadId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!/^\d+$/.test(id)) return id;
  }
}

/** The upload's marker (its HEAD); NoSuchUpload when there is none. */
export async function findUpload(ctx: S3Context, uploadId: string | undefined): Promise<SwiftResponse> {
  if (!uploadId) throw S3Errors.NoSuchUpload({ UploadId: '' });
  const head = await ctx.swift('HEAD', segmentsContainer(ctx.bucket), uploadMarker(ctx.key, uploadId));
  dropBody(head.body);
  if (head.status === 404) {
    const bucket = await ctx.swift('HEAD', ctx.bucket);
    dropBody(bucket.body);
    if (bucket.status === 404) throw S3Errors.NoSuchBucket({ BucketName: ctx.bucket });
    throw S3Errors.NoSuchUpload({ UploadId: uploadId });
  }
  return ensureOk(ctx, head, 'object');
}

export interface StoredPart {
  number: number;
  etag: string;
  size: number;
  lastModified?: string;
}

/** Every entry under `prefix` in a container (all listing pages); [] when the container is missing. */
export async function listAll(ctx: S3Context, container: string, prefix: string, marker = ''): Promise<ListingEntry[]> {
  const out: ListingEntry[] = [];
  for (;;) {
    let page: ListingEntry[];
    try {
      page = await listContainer(ctx, container, { limit: 10000, prefix, marker });
    } catch (err) {
      if (err instanceof S3Error && err.code === 'NoSuchBucket') return out;
      throw err;
    }
    out.push(...page);
    if (page.length < 10000) return out;
    marker = page[page.length - 1].name!;
  }
}

/** The upload's parts, in part-number order. */
export async function listParts(ctx: S3Context, uploadId: string): Promise<StoredPart[]> {
  const prefix = `${uploadMarker(ctx.key, uploadId)}/`;
  const parts: StoredPart[] = [];
  for (const e of await listAll(ctx, segmentsContainer(ctx.bucket), prefix)) {
    const rest = e.name!.slice(prefix.length);
    if (!/^\d+$/.test(rest)) continue;
    parts.push({ number: Number(rest), etag: (e.hash ?? '').split(';')[0], size: e.bytes ?? 0, lastModified: e.last_modified });
  }
  return parts.sort((a, b) => a.number - b.number);
}

/** `partNumber`, checked: an integer from 1 to max_upload_part_num. */
export function partNumberParam(ctx: S3Context): number {
  const v = ctx.req.params.get('partNumber') ?? '';
  const max = ctx.conf.maxUploadPartNum;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) {
    throw S3Errors.InvalidArgument({ ArgumentName: 'partNumber', ArgumentValue: v }, `Part number must be an integer between 1 and ${max}, inclusive`);
  }
  return Number(v);
}

/**
 * Each part's stored checksum (a HEAD per part, a few at a time: the
 * container listing cannot carry it), by part number.
 */
export async function partChecksums(ctx: S3Context, uploadId: string, numbers: number[]): Promise<Map<number, StoredChecksum | undefined>> {
  const sums = await segmentChecksums(ctx, numbers.map((n) => ({ container: segmentsContainer(ctx.bucket), obj: partName(ctx.key, uploadId, n) })));
  return new Map(numbers.map((n, i) => [n, sums[i]]));
}

/** The stored checksum of each of these objects (undefined where none or missing), a few HEADs at a time. */
export async function segmentChecksums(ctx: S3Context, segments: { container: string; obj: string }[]): Promise<(StoredChecksum | undefined)[]> {
  const limit = pLimit(8);
  return Promise.all(segments.map((s) => limit(async () => {
    const head = await ctx.swift('HEAD', s.container, s.obj);
    dropBody(head.body);
    return head.status >= 200 && head.status < 300 ? storedChecksum(head.headers) : undefined;
  })));
}
