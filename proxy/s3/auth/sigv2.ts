/**
 * AWS Signature Version 2 (HMAC-SHA1), in the Authorization header
 * (`AWS <key>:<signature>`) and presigned (`AWSAccessKeyId`, `Expires`,
 * `Signature`). The canonical resource is the path as sent, with the
 * sub-resources S3 signs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { S3Request } from '../request.js';
import type { S3Conf } from '../conf.js';
import { S3Errors } from '../errors.js';
import { unquoteBytes } from '../../request-path.js';
import { uriEncodeBytes } from './encoding.js';
import { checkSkew, parseAmzDate } from './time.js';
import type { S3Signature } from './types.js';

/** The query keys V2 signs (S3's list). */
const SIGNED_PARAMS = new Set([
  'acl', 'cors', 'delete', 'lifecycle', 'location', 'logging', 'notification', 'partNumber', 'policy',
  'requestPayment', 'response-cache-control', 'response-content-disposition', 'response-content-encoding',
  'response-content-language', 'response-content-type', 'response-expires', 'restore', 'tagging', 'torrent',
  'uploadId', 'uploads', 'versionId', 'versioning', 'versions', 'website',
]);

function stringToSign(req: S3Request, path: string, dateLine: string): string {
  const h = req.swift.headers;
  const amz: [string, string][] = [];
  for (const [k, v] of Object.entries(h)) if (k.startsWith('x-amz-')) amz.push([k, v.trim()]);
  // Names Node takes only through raw-header-names.ts (`x-amz-meta-"`) are signed too.
  for (const [k, v] of Object.entries(req.swift.env.nonTokenHeaders ?? {})) if (k.startsWith('x-amz-')) amz.push([k, v.trim()]);
  amz.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  let resource = req.bucketInHost ? `/${req.bucket}${path}` : path;
  const sub = req.queryPairs.filter((p) => SIGNED_PARAMS.has(p.key)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (sub.length) resource += '?' + sub.map((p) => (p.value === '' ? p.key : `${p.key}=${p.value}`)).join('&');
  return `${req.method}\n${(h['content-md5'] ?? '').trim()}\n${(h['content-type'] ?? '').trim()}\n${dateLine}\n${amz.map(([k, v]) => `${k}:${v}\n`).join('')}${resource}`;
}

function makeSignature(req: S3Request, accessKey: string, signature: string, dateLine: string, payload: S3Signature['payload']): S3Signature {
  return {
    accessKey,
    payload,
    verify(secret: string): boolean {
      const paths = [req.rawPath];
      const normal = uriEncodeBytes(unquoteBytes(req.rawPath), true);
      if (normal !== req.rawPath) paths.push(normal);
      // A path-style bucket request is signed with the bucket's resource as `/<bucket>/` (botocore sends `/<bucket>`
      // but signs that; S3 takes both): the same bucket, so the same permission.
      if (!req.bucketInHost && req.bucket !== undefined && req.key === undefined && !req.rawPath.endsWith('/')) {
        for (const p of [...paths]) paths.push(p + '/');
      }
      const given = Buffer.from(signature);
      for (const path of paths) {
        const mine = Buffer.from(createHmac('sha1', secret).update(stringToSign(req, path, dateLine)).digest('base64'));
        if (mine.length === given.length && timingSafeEqual(mine, given)) return true;
      }
      return false;
    },
  };
}

function payloadOf(req: S3Request): S3Signature['payload'] {
  const v = req.swift.headers['x-amz-content-sha256'];
  return v && /^[0-9a-f]{64}$/.test(v) ? { kind: 'sha256', hex: v } : { kind: 'unsigned' };
}

/** `Authorization: AWS <access key>:<signature>`. */
export function parseV2Header(req: S3Request, conf: S3Conf, now: number): S3Signature {
  const value = req.swift.headers.authorization!.slice(4).trim();
  const colon = value.lastIndexOf(':');
  if (colon <= 0) throw S3Errors.AccessDenied({}, 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature');
  const amzDate = req.swift.headers['x-amz-date'];
  const t = parseAmzDate(amzDate ?? req.swift.headers.date);
  if (Number.isNaN(t)) throw S3Errors.AccessDenied({}, 'AWS authentication requires a valid Date or x-amz-date header');
  checkSkew(t, now, conf.allowableClockSkew);
  const dateLine = amzDate !== undefined ? '' : (req.swift.headers.date ?? '');
  return makeSignature(req, value.slice(0, colon), value.slice(colon + 1), dateLine, payloadOf(req));
}

/** `?AWSAccessKeyId=…&Expires=…&Signature=…`. */
export function parseV2Query(req: S3Request, _conf: S3Conf, now: number): S3Signature {
  const accessKey = req.params.get('AWSAccessKeyId');
  const signature = req.params.get('Signature');
  const expires = req.params.get('Expires');
  if (!accessKey || !signature || expires === undefined) {
    throw S3Errors.AccessDenied({}, 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
  }
  if (!/^\d+$/.test(expires) || Number(expires) > 0xffffffff) throw S3Errors.AccessDenied({}, 'Invalid date (should be seconds since epoch): ' + expires);
  if (now > Number(expires) * 1000) throw S3Errors.AccessDenied({ Expires: new Date(Number(expires) * 1000).toUTCString(), ServerTime: new Date(now).toUTCString() }, 'Request has expired');
  return makeSignature(req, accessKey, signature, expires, payloadOf(req));
}
