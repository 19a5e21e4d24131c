/**
 * CopyObject with `x-amz-checksum-algorithm`: the copy gets a checksum of
 * that algorithm over the bytes copied, as S3 computes it. Swift's copy
 * filter (`X-Copy-From`) streams the source inside the pipeline where no
 * digest can see it, so such a copy is made here: the source is read (GET,
 * its version if named) and written as the new object, its body passing a
 * ChecksumCheck whose value goes in the PUT's footers, stored with the
 * object in one write. Streamed: memory does not grow with the object.
 */
import { dropBody } from '../../response.js';
import type { Headers, SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Errors } from '../errors.js';
import { swiftError } from '../swift-errors.js';
import { CONTENT_HEADERS } from '../object-headers.js';
import { versionQuery } from '../versions.js';
import { ChecksumCheck, checksumFooters, type ChecksumAlgorithm, type StoredChecksum } from '../checksum/index.js';

export interface CopySourceRef {
  bucket: string;
  key: string;
  versionId?: string;
}

/** The source's metadata a COPY directive keeps: user metadata and content headers (not its checksum or S3 ETag: the copy has its own). */
function keptMetadata(source: Headers): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(source)) if (k.startsWith('x-object-meta-') || CONTENT_HEADERS.includes(k)) out[k] = v;
  return out;
}

/**
 * Writes the copy with its body read here. `headers` are the copy's as the
 * handler built them for Swift's copy filter (`X-Copy-From`, metadata for
 * REPLACE, tags, ACL, expiry); `fresh` is the REPLACE directive.
 */
export async function copyWithChecksum(
  ctx: S3Context, src: CopySourceRef, headers: Headers, fresh: boolean, algorithm: ChecksumAlgorithm,
): Promise<{ resp: SwiftResponse; checksum?: StoredChecksum }> {
  const source = await ctx.swift('GET', src.bucket, src.key, { query: versionQuery(src.versionId) });
  if (source.status < 200 || source.status >= 300) throw await swiftError(ctx, source, 'object');
  if (!source.body || typeof source.body === 'string' || Buffer.isBuffer(source.body)) {
    dropBody(source.body);
    throw S3Errors.InternalError();
  }
  const put: Headers = fresh ? { ...headers } : { ...keptMetadata(source.headers), ...headers };
  delete put['x-copy-from'];
  delete put['x-fresh-metadata'];
  put['content-length'] = source.headers['content-length'] ?? '0';
  const check = new ChecksumCheck({ algorithm, trailer: false }, () => undefined);
  check.on('error', () => undefined);
  source.body.on('error', (err) => check.destroy(err));
  source.body.pipe(check);
  const resp = await ctx.swift('PUT', ctx.bucket, ctx.key, { headers: put, body: check, footers: checksumFooters(check) });
  const checksum = check.value === undefined ? undefined : { algorithm, value: check.value, type: 'FULL_OBJECT' as const };
  return { resp, checksum };
}
