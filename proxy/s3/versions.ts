/**
 * S3 versioning on Swift's object versioning (the versioned_writes filter
 * with `allow_object_versioning`): a bucket's state is its container's
 * `versions-enabled` sysmeta; a version id is the Swift version's
 * timestamp, `null` the object written while versioning was off. What the
 * object calls share: the `versionId` parameter, the version headers of an
 * answer, and making the newest version current again when the current one
 * is deleted (S3 does; Swift leaves the object absent).
 */
import { Timestamp } from '../../common/index.js';
import { dropBody, readSmallBody } from '../response.js';
import type { Headers } from '../types.js';
import type { S3Context } from './context.js';
import { S3Error, S3Errors } from './errors.js';
import { bucketHeaders } from './bucket-info.js';

export const VERSIONS_ENABLED_SYSMETA = 'x-container-sysmeta-versions-enabled';
export const VERSIONS_CONTAINER_SYSMETA = 'x-container-sysmeta-versions-container';
export const VERSION_SYMLINK_SYSMETA = 'x-object-sysmeta-versions-symlink';
/** The content type of a delete marker in the versions container (Swift's). */
export const DELETE_MARKER_CONTENT_TYPE = 'application/x-deleted;swift_versions_deleted=1';

export type VersioningStatus = 'Enabled' | 'Suspended' | undefined;

/** The bucket's versioning status: undefined while it was never set. */
export function versioningStatus(headers: Headers): VersioningStatus {
  const v = headers[VERSIONS_ENABLED_SYSMETA];
  if (v === undefined || v === '') return undefined;
  return /^(true|1|yes|on|t|y)$/i.test(v.trim()) ? 'Enabled' : 'Suspended';
}

/** The `versionId` query parameter, checked: `null` or a version id as this store makes them. */
export function versionIdParam(ctx: S3Context): string | undefined {
  const v = ctx.req.params.get('versionId');
  if (v === undefined) return undefined;
  if (!validVersionId(v)) throw S3Errors.InvalidArgument({ ArgumentName: 'versionId', ArgumentValue: v }, 'Invalid version id specified');
  return v;
}

export function validVersionId(v: string): boolean {
  if (v === 'null') return true;
  const ts = /^\d+(\.\d+)?$/.test(v) ? Timestamp.tryParse(v) : undefined;
  return ts !== undefined && ts.offset === 0n;
}

/** A version id other than `null` needs object versioning below, and a bucket that had versioning once. */
export async function checkVersionedBucket(ctx: S3Context, versionId: string): Promise<boolean> {
  if (versionId === 'null') return true;
  if (!ctx.hasFeature('object_versioning')) throw S3Errors.NotImplemented({}, 'Object versioning is not enabled on this cluster.');
  const h = await bucketHeaders(ctx);
  return Boolean(h[VERSIONS_CONTAINER_SYSMETA]);
}

/** `versionId=` as Swift's `version-id=`, with what else the query needs. */
export function versionQuery(versionId: string | undefined, ...rest: string[]): string | undefined {
  const parts = versionId !== undefined ? [`version-id=${encodeURIComponent(versionId)}`, ...rest] : rest;
  return parts.length ? parts.join('&') : undefined;
}

/** The version headers of a Swift answer as S3 names them. */
export function s3VersionHeaders(swift: Headers, out: Headers = {}): Headers {
  const v = swift['x-object-version-id'];
  if (v !== undefined) out['x-amz-version-id'] = v;
  if (swift['x-backend-content-type'] === DELETE_MARKER_CONTENT_TYPE) out['x-amz-delete-marker'] = 'true';
  return out;
}

/** GET/HEAD of a version that is a delete marker: S3's 405 with the marker's headers. */
export function deleteMarkerError(versionId: string, lastModified: string | undefined): S3Error {
  const headers: Record<string, string> = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': versionId, allow: 'DELETE' };
  if (lastModified) headers['last-modified'] = lastModified;
  return new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.', { Method: 'GET', ResourceType: 'DeleteMarker' }, headers);
}

interface VersionEntry {
  name?: string;
  version_id?: string;
  content_type?: string;
}

/** The newest version of `key` in a versioned bucket's `?versions` listing, if any. */
async function newestVersion(ctx: S3Context, key: string): Promise<VersionEntry | undefined> {
  const q = new URLSearchParams({ format: 'json', versions: '', prefix: key, limit: '100' });
  const list = await ctx.swift('GET', ctx.bucket, undefined, { query: q.toString().replace(/\+/g, '%20') });
  if (list.status !== 200) {
    dropBody(list.body);
    return undefined;
  }
  const entries = JSON.parse((await readSmallBody(list.body)).toString('utf8')) as VersionEntry[];
  return entries.find((e) => e.name === key);
}

/**
 * The headers of a 404 for a key whose current version is a delete marker
 * (S3 names the marker: `x-amz-delete-marker`, `x-amz-version-id`); none
 * for a bucket that never had versioning or a key without one.
 */
export async function deleteMarkerHeaders(ctx: S3Context, key: string): Promise<Record<string, string>> {
  if (!ctx.hasFeature('object_versioning') || !(await bucketHeaders(ctx))[VERSIONS_CONTAINER_SYSMETA]) return {};
  const newest = await newestVersion(ctx, key);
  if (!newest?.version_id || newest.content_type !== DELETE_MARKER_CONTENT_TYPE) return {};
  return { 'x-amz-delete-marker': 'true', 'x-amz-version-id': newest.version_id };
}

/**
 * After the current version of `key` was deleted, the newest version left
 * becomes current (unless it is a delete marker), as in S3.
 */
export async function restoreNewestVersion(ctx: S3Context, key: string): Promise<void> {
  const head = await ctx.swift('HEAD', ctx.bucket, key, { query: 'symlink=get' });
  dropBody(head.body);
  if (head.status !== 404) return;
  const newest = await newestVersion(ctx, key);
  if (!newest || !newest.version_id || newest.version_id === 'null' || newest.content_type === DELETE_MARKER_CONTENT_TYPE) return;
  const put = await ctx.swift('PUT', ctx.bucket, key, { query: versionQuery(newest.version_id), headers: { 'content-length': '0' } });
  // A version deleted meanwhile (412/404) leaves the key absent, as a concurrent delete would.
  dropBody(put.body);
}
