/**
 * An S3 request as received: which bucket and key it names (path-style
 * `/bucket/key` or virtual-hosted-style `bucket.<storage_domain>/key`), its
 * query parameters decoded, and the sub-resource that picks its handler.
 */
import { checkUtf8 } from '../../common/index.js';
import type { SwiftRequest } from '../types.js';
import { unquoteBytes } from '../request-path.js';
import type { S3Conf } from './conf.js';
import { S3Errors } from './errors.js';
import { splitQuery, type QueryPair } from './auth/encoding.js';

/** Query keys that name a sub-resource (the handler), S3's list. */
export const SUBRESOURCES = new Set([
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'delete', 'encryption', 'intelligent-tiering',
  'inventory', 'legal-hold', 'lifecycle', 'location', 'logging', 'metrics', 'notification', 'object-lock',
  'ownershipControls', 'policy', 'policyStatus', 'publicAccessBlock', 'replication', 'requestPayment',
  'restore', 'retention', 'select', 'tagging', 'torrent', 'uploadId', 'uploads', 'versioning', 'versions', 'website',
]);

export interface S3Request {
  swift: SwiftRequest;
  method: string;
  /** The path as sent (percent-encoded). */
  rawPath: string;
  /** The query's pairs as sent and decoded, in order. */
  queryPairs: QueryPair[];
  /** Decoded query parameters (last value wins). */
  params: Map<string, string>;
  bucket?: string;
  /** The key, decoded (UTF-8). */
  key?: string;
  /** The bucket came from the Host header. */
  bucketInHost: boolean;
  /** The sub-resource (`acl`, `uploads`, …) or '' for the plain bucket/object. */
  subresource: string;
}

function hostName(host: string | undefined): string {
  if (!host) return '';
  const h = host.toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/** The bucket a Host header names under one of the storage domains, if any. */
export function bucketFromHost(host: string | undefined, conf: S3Conf): string | undefined {
  if (conf.storageDomains.length === 0) return undefined;
  const name = hostName(host);
  for (const d of conf.storageDomains) {
    if (name.endsWith(d) && name.length > d.length) return name.slice(0, -d.length);
  }
  return undefined;
}

/** A path with nothing to decode or check: ASCII, no NUL, no `%` escape (most paths). */
const PLAIN_PATH = /^[\x01-\x24\x26-\x7f]*$/;

/** The path decoded (UTF-8); InvalidURI when its bytes are not UTF-8 or hold a NUL. */
function decodedPath(raw: string): string {
  if (PLAIN_PATH.test(raw)) return raw;
  const pathBytes = unquoteBytes(raw);
  if (!checkUtf8(pathBytes) || pathBytes.includes(0)) throw S3Errors.InvalidURI();
  return pathBytes.toString('utf8');
}

export function parseS3Request(req: SwiftRequest, conf: S3Conf): S3Request {
  const path = decodedPath(req.path);
  if (!path.startsWith('/')) throw S3Errors.InvalidURI();
  const queryPairs = splitQuery(req.query);
  const params = new Map<string, string>();
  for (const p of queryPairs) params.set(p.key, p.value);
  let bucket: string | undefined;
  let key: string | undefined;
  const hostBucket = bucketFromHost(req.headers.host, conf);
  if (hostBucket !== undefined) {
    bucket = hostBucket;
    key = path.length > 1 ? path.slice(1) : undefined;
  } else {
    const rest = path.slice(1);
    const slash = rest.indexOf('/');
    bucket = (slash === -1 ? rest : rest.slice(0, slash)) || undefined;
    key = slash === -1 || slash === rest.length - 1 ? undefined : rest.slice(slash + 1);
    // As Swift's s3api: a path-style bucket name is checked before anything else (a host's is not).
    if (bucket !== undefined && !validBucketName(bucket, conf.dnsCompliantBucketNames)) throw S3Errors.InvalidBucketName({ BucketName: bucket });
  }
  let subresource = '';
  for (const p of queryPairs) {
    if (SUBRESOURCES.has(p.key)) {
      // uploadId goes with uploads-less object calls; `uploads` wins when both appear.
      if (subresource === '' || p.key === 'uploads') subresource = p.key;
    }
  }
  return {
    swift: req,
    method: req.method,
    rawPath: req.path,
    queryPairs,
    params,
    bucket,
    key,
    bucketInHost: hostBucket !== undefined,
    subresource,
  };
}

const OCTET = '([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])';
const IPV4 = new RegExp(`^(${OCTET}\\.){3}${OCTET}$`);

/**
 * S3's bucket naming rules as Swift's `validate_bucket_name` has them: 3 to
 * 63 characters of `a-z0-9.-`, starting and ending with a letter or digit,
 * no `..`, `.-` or `-.`, not an IPv4 address; with `dns_compliant_bucket_names
 * = false`, up to 255 characters and `A-Z` and `_` too, only the start
 * (a letter or digit), a trailing dot and the IPv4 form still refused.
 */
export function validBucketName(name: string, dnsCompliant: boolean): boolean {
  if (name.length < 3 || name.length > (dnsCompliant ? 63 : 255) || !/^[A-Za-z0-9]/.test(name)) return false;
  if (dnsCompliant && (name.includes('.-') || name.includes('-.') || name.includes('..') || !/[A-Za-z0-9]$/.test(name))) return false;
  if (name.endsWith('.') || IPV4.test(name)) return false;
  return (dnsCompliant ? /^[a-z0-9.-]*$/ : /^[A-Za-z0-9._-]*$/).test(name);
}
