/**
 * A completed multipart upload's parts, read back from its SLO manifest
 * (`?multipart-manifest=get`): for GetObjectAttributes' ObjectParts and
 * GetObject's `partNumber`. Part N is the manifest's Nth segment.
 */
import { readSmallBody } from '../../../response.js';
import type { S3Context } from '../../context.js';
import { S3Errors } from '../../errors.js';
import { swiftError } from '../../swift-errors.js';
import { versionQuery } from '../../versions.js';

export interface ManifestPart {
  number: number;
  size: number;
  /** The segment, as Swift names it. */
  container: string;
  obj: string;
}

/** A manifest of 10,000 parts is about 2 MB. */
const MAX_MANIFEST = 16 * 1024 * 1024;

export async function manifestParts(ctx: S3Context, versionId: string | undefined): Promise<ManifestPart[]> {
  const resp = await ctx.swift('GET', ctx.bucket, ctx.key, { query: versionQuery(versionId, 'multipart-manifest=get') });
  if (resp.status < 200 || resp.status >= 300) throw await swiftError(ctx, resp, 'object');
  let list: unknown;
  try {
    list = JSON.parse((await readSmallBody(resp.body, MAX_MANIFEST)).toString('utf8'));
  } catch {
    throw S3Errors.InternalError();
  }
  if (!Array.isArray(list)) throw S3Errors.InternalError();
  return list.map((seg: { name?: string; bytes?: number }, i) => {
    const name = (seg.name ?? '').replace(/^\//, '');
    const slash = name.indexOf('/');
    return { number: i + 1, size: Number(seg.bytes ?? 0), container: name.slice(0, slash), obj: name.slice(slash + 1) };
  });
}
