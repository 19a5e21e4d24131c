/**
 * A client's AWS Signature Version 4 in the Authorization header (what
 * aws-cli, boto3 and the SDKs send), for the bench's S3 load generator:
 * host, x-amz-content-sha256 and x-amz-date signed, the signing key kept
 * for the day as clients do.
 */
import { createHash, createHmac } from 'node:crypto';

export interface S3Credentials {
  accessKey: string;
  secretKey: string;
  region: string;
}

export const EMPTY_SHA256 = createHash('sha256').digest('hex');
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** RFC 3986 encoding as SigV4 wants it (`/` kept in paths). */
export function sigv4Encode(s: string, keepSlash = false): string {
  const e = encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? e.replace(/%2F/g, '/') : e;
}

const keys = new Map<string, Buffer>();

function signingKey(c: S3Credentials, day: string): Buffer {
  const id = `${day}/${c.region}/${c.accessKey}`;
  let k = keys.get(id);
  if (!k) {
    k = [day, c.region, 's3', 'aws4_request'].reduce<Buffer>((key, part) => createHmac('sha256', key).update(part).digest(), Buffer.from(`AWS4${c.secretKey}`));
    keys.set(id, k);
  }
  return k;
}

const SIGNED_HEADERS = 'host;x-amz-content-sha256;x-amz-date';

/** Signs many requests of one method, host, payload hash and time: only the path and query differ. */
export interface V4Signer {
  /** x-amz-date and x-amz-content-sha256, the same for every request it signs. */
  headers: Record<string, string>;
  /** The Authorization value up to its signature (`…, Signature=`). */
  authorizationPrefix: string;
  /** The signature (hex) of a request for `path` (already SigV4-encoded) with `canonicalQuery`. */
  signature(path: string, canonicalQuery?: string): string;
}

export function v4Signer(c: S3Credentials, method: string, host: string, payloadHash: string, now = new Date()): V4Signer {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${c.region}/s3/aws4_request`;
  const key = signingKey(c, day);
  const canonicalHeaders = `host:${host}\nx-amz-content-sha256:${payloadHash}\nx-amz-date:${amzDate}\n\n${SIGNED_HEADERS}\n${payloadHash}`;
  const toSignHead = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n`;
  return {
    headers: { 'x-amz-date': amzDate, 'x-amz-content-sha256': payloadHash },
    authorizationPrefix: `AWS4-HMAC-SHA256 Credential=${c.accessKey}/${scope}, SignedHeaders=${SIGNED_HEADERS}, Signature=`,
    signature(path, canonicalQuery = '') {
      const canonical = `${method}\n${path}\n${canonicalQuery}\n${canonicalHeaders}`;
      return createHmac('sha256', key).update(toSignHead + createHash('sha256').update(canonical).digest('hex')).digest('hex');
    },
  };
}

/**
 * The headers to add to a request for `path` (already SigV4-encoded) and
 * `query` (name → value, unencoded): Authorization, x-amz-date,
 * x-amz-content-sha256 (`payloadHash`: the body's SHA-256 hex or UNSIGNED-PAYLOAD).
 */
export function signV4(c: S3Credentials, method: string, host: string, path: string, query: Record<string, string>, payloadHash: string, now = new Date()): Record<string, string> {
  const canonicalQuery = Object.keys(query).sort().map((k) => `${sigv4Encode(k)}=${sigv4Encode(query[k])}`).join('&');
  const signer = v4Signer(c, method, host, payloadHash, now);
  return { authorization: signer.authorizationPrefix + signer.signature(path, canonicalQuery), ...signer.headers };
}
