/**
 * GET Bucket: ListObjects (v1, `marker`) and ListObjectsV2 (`list-type=2`:
 * `start-after`, `continuation-token`, `fetch-owner`), with `prefix`,
 * `delimiter`, `max-keys` and `encoding-type=url`.
 */
import type { SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';
import { S3Errors } from '../errors.js';
import { encoder, encodingType, intParam, listContainer, listingEtag, s3ListingTime, type ListingEntry } from '../listing.js';
import { xmlResponse } from '../response.js';
import { tag, xmlDocument } from '../xml.js';
import { DELETE_MARKER_CONTENT_TYPE, validVersionId } from '../versions.js';

export function ownerXml(id: string): string {
  return `<Owner>${tag('ID', id)}${tag('DisplayName', id)}</Owner>`;
}

/** `<Contents>` (or `inner` for versions) of one object. */
export function objectXml(entry: ListingEntry, enc: (s: string) => string, owner: string | undefined, element = 'Contents', extra = ''): string {
  return `<${element}>${tag('Key', enc(entry.name!))}${extra}${tag('LastModified', s3ListingTime(entry.last_modified))}`
    + `${tag('ETag', listingEtag(entry))}${tag('Size', entry.bytes ?? 0)}${owner !== undefined ? ownerXml(owner) : ''}`
    + `<StorageClass>STANDARD</StorageClass></${element}>`;
}

export function prefixesXml(entries: ListingEntry[], enc: (s: string) => string): string {
  let out = '';
  for (const e of entries) if (e.subdir !== undefined) out += `<CommonPrefixes>${tag('Prefix', enc(e.subdir))}</CommonPrefixes>`;
  return out;
}

function decodeToken(token: string): string {
  const text = /^[A-Za-z0-9+/]+=*$/.test(token) ? Buffer.from(token, 'base64').toString('utf8') : '';
  if (text === '') {
    throw S3Errors.InvalidArgument({ ArgumentName: 'continuation-token', ArgumentValue: token }, 'The continuation token provided is incorrect');
  }
  return text;
}

export async function listObjects(ctx: S3Context): Promise<SwiftResponse> {
  const p = ctx.req.params;
  const v2 = p.get('list-type') === '2';
  if (p.has('list-type') && !v2) throw S3Errors.InvalidArgument({ ArgumentName: 'list-type', ArgumentValue: p.get('list-type')! }, 'Invalid List Type specified in Request');
  const maxKeys = intParam(ctx, 'max-keys', ctx.conf.maxBucketListing);
  const limit = Math.min(maxKeys, ctx.conf.maxBucketListing);
  const type = encodingType(ctx);
  const enc = encoder(type);
  const prefix = p.get('prefix') ?? '';
  const delimiter = p.get('delimiter') ?? '';
  // An empty token is no token (as Swift's s3api takes it).
  const token = v2 ? p.get('continuation-token') || undefined : undefined;
  const startAfter = v2 ? p.get('start-after') : undefined;
  const marker = v2 ? (token !== undefined ? decodeToken(token) : startAfter ?? '') : p.get('marker') ?? '';
  const entries = await listContainer(ctx, ctx.bucket, { limit: limit + 1, marker, prefix, delimiter });
  const truncated = limit > 0 && entries.length > limit;
  const page = entries.slice(0, limit);
  const owner = !v2 || p.get('fetch-owner') === 'true' ? ctx.userId : undefined;
  let inner = tag('Name', ctx.bucket) + tag('Prefix', enc(prefix));
  if (v2) {
    if (startAfter !== undefined) inner += tag('StartAfter', enc(startAfter));
    inner += tag('KeyCount', page.length);
  } else {
    inner += tag('Marker', enc(marker));
    if (truncated && delimiter) {
      const last = page[page.length - 1];
      inner += tag('NextMarker', enc(last.name ?? last.subdir!));
    }
  }
  inner += tag('MaxKeys', maxKeys);
  if (delimiter) inner += tag('Delimiter', enc(delimiter));
  if (type) inner += tag('EncodingType', type);
  inner += tag('IsTruncated', truncated);
  if (v2) {
    if (token !== undefined) inner += tag('ContinuationToken', token);
    if (truncated) {
      const last = page[page.length - 1];
      inner += tag('NextContinuationToken', Buffer.from(last.name ?? last.subdir!, 'utf8').toString('base64'));
    }
  }
  for (const e of page) if (e.name !== undefined) inner += objectXml(e, enc, owner);
  inner += prefixesXml(page, enc);
  return xmlResponse(200, xmlDocument('ListBucketResult', inner));
}

/**
 * A key's null version lists before its other versions; Swift's
 * `version_marker=null` skips them all, so after the null version the
 * listing goes on from the newest version a timestamp can name.
 */
function swiftVersionMarker(versionMarker: string): string {
  return versionMarker === 'null' ? '9999999999.99999' : versionMarker;
}

interface VersionListingEntry extends ListingEntry {
  version_id?: string;
  is_latest?: boolean;
}

/**
 * GET ?versions: ListObjectVersions. With object versioning below, Swift's
 * `?versions` listing (every version and delete marker, newest first per
 * key); without it, each object once as version `null`.
 */
export async function listObjectVersions(ctx: S3Context): Promise<SwiftResponse> {
  const p = ctx.req.params;
  const maxKeys = intParam(ctx, 'max-keys', ctx.conf.maxBucketListing);
  const limit = Math.min(maxKeys, ctx.conf.maxBucketListing);
  const type = encodingType(ctx);
  const enc = encoder(type);
  const prefix = p.get('prefix') ?? '';
  const delimiter = p.get('delimiter');
  const keyMarker = p.get('key-marker') ?? '';
  const versionMarker = p.get('version-id-marker');
  if (versionMarker !== undefined && !keyMarker) throw S3Errors.InvalidArgument({ ArgumentName: 'version-id-marker', ArgumentValue: versionMarker }, 'A version-id marker cannot be specified without a key marker.');
  if (versionMarker && !validVersionId(versionMarker)) throw S3Errors.InvalidArgument({ ArgumentName: 'version-id-marker', ArgumentValue: versionMarker }, 'Invalid version id specified');
  const versioned = ctx.hasFeature('object_versioning');
  const entries: VersionListingEntry[] = await listContainer(ctx, ctx.bucket, {
    limit: limit + 1, marker: keyMarker, prefix, delimiter,
    extra: versioned ? { versions: '', ...(versionMarker ? { version_marker: swiftVersionMarker(versionMarker) } : {}) } : undefined,
  });
  const truncated = limit > 0 && entries.length > limit;
  const page = entries.slice(0, limit);
  let inner = tag('Name', ctx.bucket) + tag('Prefix', enc(prefix)) + tag('KeyMarker', enc(keyMarker)) + tag('VersionIdMarker', versionMarker ?? '');
  if (truncated) {
    const last = page[page.length - 1];
    inner += tag('NextKeyMarker', enc(last.name ?? last.subdir!));
    inner += tag('NextVersionIdMarker', last.version_id ?? 'null');
  }
  inner += tag('MaxKeys', maxKeys);
  if (delimiter !== undefined) inner += tag('Delimiter', enc(delimiter));
  if (type) inner += tag('EncodingType', type);
  inner += tag('IsTruncated', truncated);
  for (const e of page) {
    if (e.name === undefined) continue;
    const head = tag('VersionId', e.version_id ?? 'null') + tag('IsLatest', e.is_latest ?? true);
    if (e.content_type === DELETE_MARKER_CONTENT_TYPE) {
      inner += `<DeleteMarker>${tag('Key', enc(e.name))}${head}${tag('LastModified', s3ListingTime(e.last_modified))}${ownerXml(ctx.userId)}</DeleteMarker>`;
    } else {
      inner += objectXml(e, enc, ctx.userId, 'Version', head);
    }
  }
  inner += prefixesXml(page, enc);
  return xmlResponse(200, xmlDocument('ListVersionsResult', inner));
}
