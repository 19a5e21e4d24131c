/**
 * Object headers between S3 and Swift: user metadata (`x-amz-meta-*` ↔
 * `x-object-meta-*`), the content headers S3 keeps, storage classes, and
 * the `response-*` overrides of a GET.
 */
import type { Headers } from '../types.js';
import type { S3Context } from './context.js';
import { S3Errors } from './errors.js';

/** Content headers stored with an object and returned as given. */
export const CONTENT_HEADERS = ['content-type', 'content-encoding', 'content-disposition', 'cache-control', 'expires', 'content-language', 'x-robots-tag'];

/** S3's storage classes; all are accepted and stored as Swift stores everything. */
const STORAGE_CLASSES = new Set(['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR', 'OUTPOSTS', 'SNOW', 'EXPRESS_ONEZONE']);

export function checkStorageClass(headers: Headers): void {
  const sc = headers['x-amz-storage-class'];
  if (sc !== undefined && !STORAGE_CLASSES.has(sc)) throw S3Errors.InvalidStorageClass({ StorageClassRequested: sc });
}

/**
 * User metadata names between S3 and Swift. AWS ignores a user metadata
 * header whose name holds any of ` "),/;<=>?@[\\]{}` and keeps one with `(`
 * (so does Swift's s3api). Node can't send `(` in a name to a storage node,
 * so `(` is stored as `%28`, and `%` as `%25` to keep the mapping one to one
 * (as Swift's s3api stores `_` as `=5F`).
 */
const AWS_IGNORED_NAME = /[ "),/;<=>?@[\\\]{}]/;

function swiftMetaName(s3Name: string): string {
  const rest = s3Name.slice(11);
  return 'x-object-meta-' + (rest.includes('%') || rest.includes('(') ? rest.replace(/%/g, '%25').replace(/\(/g, '%28') : rest);
}

function s3MetaName(swiftName: string): string {
  const rest = swiftName.slice(14);
  return 'x-amz-meta-' + (rest.includes('%') ? rest.replace(/%(25|28)/g, (_m, hex: string) => (hex === '25' ? '%' : '(')) : rest);
}

/**
 * The Swift headers for the object an S3 PUT (or a REPLACE copy) describes;
 * `nonToken` is the request's `env.nonTokenHeaders` (names such as `x-amz-meta-(`).
 */
export function swiftObjectHeaders(s3: Headers, withContent = true, nonToken?: Headers): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(s3)) {
    if (k.startsWith('x-amz-meta-')) out[swiftMetaName(k)] = v;
    else if (withContent && CONTENT_HEADERS.includes(k)) out[k] = v;
  }
  for (const [k, v] of Object.entries(nonToken ?? {})) {
    if (k.startsWith('x-amz-meta-') && !AWS_IGNORED_NAME.test(k)) out[swiftMetaName(k)] = v;
  }
  return out;
}

const PASSED = new Set([...CONTENT_HEADERS, 'content-length', 'content-range', 'last-modified', 'accept-ranges', 'etag']);

/** The S3 headers of a Swift object response (GET, HEAD). */
export function s3ObjectHeaders(swift: Headers): Headers {
  const out: Headers = {};
  for (const k in swift) {
    const v = swift[k];
    if (v === undefined) continue;
    if (k.startsWith('x-object-meta-')) out[s3MetaName(k)] = v;
    else if (PASSED.has(k)) out[k] = v;
  }
  const s3Etag = swift['x-object-sysmeta-s3api-etag'];
  if (s3Etag) out.etag = s3Etag;
  if (out.etag !== undefined && !out.etag.startsWith('"')) out.etag = `"${out.etag}"`;
  return out;
}

const OVERRIDES = ['content-type', 'content-language', 'expires', 'cache-control', 'content-disposition', 'content-encoding'];

const OVERRIDE_PARAMS = OVERRIDES.map((h) => [`response-${h}`, h] as const);

/** GET's `response-*` query parameters, applied to the response headers (signed requests only, as S3). */
export function applyResponseOverrides(ctx: S3Context, headers: Headers): void {
  const params = ctx.req.params;
  if (params.size === 0) return;
  for (const [param, h] of OVERRIDE_PARAMS) {
    const v = params.get(param);
    if (v !== undefined) headers[h] = v;
  }
}

/** Content-MD5 (base64) as the hex etag Swift checks; InvalidDigest when it is not an MD5. */
export function contentMd5Etag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const raw = Buffer.from(value, 'base64');
  if (raw.length !== 16 || raw.toString('base64') !== value.trim()) throw S3Errors.InvalidDigest({ 'Content-MD5': value });
  return raw.toString('hex');
}

/** What an object POST replaces (user metadata, transient sysmeta, the content headers, X-Delete-At). */
const POSTABLE = /^(x-object-meta-.+|x-object-transient-sysmeta-.+|content-disposition|content-encoding|cache-control|content-language|expires|x-robots-tag|x-delete-at|x-object-manifest)$/;

/**
 * The headers of `headers` an object POST replaces: a POST that changes one
 * (tags, a checksum known late) must send the others again, or lose them.
 */
export function postableHeaders(headers: Headers): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(headers)) if (POSTABLE.test(k)) out[k] = v;
  return out;
}
