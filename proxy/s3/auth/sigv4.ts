/**
 * AWS Signature Version 4, in the Authorization header and presigned in the
 * query (`X-Amz-*`). The canonical request is built from the request as
 * received: the path as sent (and, only if that does not match, the path
 * re-encoded as SigV4 encodes it, for clients that sign a normalised path),
 * the query re-encoded as the spec says, the signed headers' values.
 */
import { createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';
import type { S3Request } from '../request.js';
import type { S3Conf } from '../conf.js';
import { S3Errors } from '../errors.js';
import { unquoteBytes } from '../../request-path.js';
import { uriEncode, uriEncodeBytes } from './encoding.js';
import { checkSkew, parseAmzDate } from './time.js';
import type { S3Signature } from './types.js';

export const V4_ALGORITHM = 'AWS4-HMAC-SHA256';
const STREAMING = new Set([
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
]);

/** Signing keys by secret, date, region: the same few repeat all day, so HMAC chains are not redone per request. */
const signingKeys = new Map<string, Buffer>();

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${date}\n${region}\n${service}\n${secret}`;
  let key = signingKeys.get(id);
  if (!key) {
    const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
    const kRegion = createHmac('sha256', kDate).update(region).digest();
    const kService = createHmac('sha256', kRegion).update(service).digest();
    key = createHmac('sha256', kService).update('aws4_request').digest();
    if (signingKeys.size >= 4096) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

// One-shot (no Hash object per call): this runs for every SigV4 request.
export const sha256Hex = (s: string | Buffer): string => (typeof s === 'string' ? hash('sha256', s, 'hex') : createHash('sha256').update(s).digest('hex'));

/** Whether the HMAC matches the signature sent (hex), in constant time. */
function sameHex(mac: Buffer, hex: string): boolean {
  return /^[0-9a-f]{64}$/.test(hex) && timingSafeEqual(mac, Buffer.from(hex, 'hex'));
}

interface V4Parts {
  accessKey: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

type Credential = Omit<V4Parts, 'signedHeaders' | 'signature'>;

/** Credentials read, by their text: a client sends the same one all day, so it is split once. */
const credentials = new Map<string, Credential>();

function parseCredential(credential: string, malformed: () => Error): Credential {
  const known = credentials.get(credential);
  if (known) return known;
  const parts = credential.split('/');
  if (parts.length < 5 || parts[parts.length - 1] !== 'aws4_request') throw malformed();
  const [date, region, service] = parts.slice(-4, -1);
  const accessKey = parts.slice(0, -4).join('/');
  if (!accessKey || !/^\d{8}$/.test(date)) throw malformed();
  const read = { accessKey, date, region, service };
  if (credentials.size >= 4096) credentials.clear();
  credentials.set(credential, read);
  return read;
}

/** `Credential=…, SignedHeaders=…, Signature=…` after the algorithm: each comma-separated field a name=value (the last of a name wins). */
function parseHeaderAuth(value: string): V4Parts {
  const malformed = () => S3Errors.AuthorizationHeaderMalformed();
  let credential: string | undefined;
  let signed: string | undefined;
  let signature: string | undefined;
  // Read in place (no split, no map): this runs for every S3 request.
  for (let start = V4_ALGORITHM.length; start <= value.length;) {
    let end = value.indexOf(',', start);
    if (end === -1) end = value.length;
    const eq = value.indexOf('=', start);
    if (eq === -1 || eq > end) throw malformed();
    const name = value.slice(start, eq).trim();
    if (name === 'Credential') credential = value.slice(eq + 1, end).trim();
    else if (name === 'SignedHeaders') signed = value.slice(eq + 1, end).trim();
    else if (name === 'Signature') signature = value.slice(eq + 1, end).trim();
    start = end + 1;
  }
  if (!credential || !signed || !signature) throw malformed();
  const c = parseCredential(credential, malformed);
  return { accessKey: c.accessKey, date: c.date, region: c.region, service: c.service, signedHeaders: signed.split(';'), signature };
}

/** What a canonical header value folds to one space: a run of white space, or any white space but a lone space. */
const FOLDED = /\s{2,}|[^\S ]/;

function canonicalHeaders(req: S3Request, signed: string[]): string {
  let out = '';
  for (const name of signed) {
    const v = req.swift.headers[name] ?? req.swift.env.nonTokenHeaders?.[name];
    if (v === undefined) throw S3Errors.SignatureDoesNotMatch();
    const t = v.trim();
    out += `${name}:${FOLDED.test(t) ? t.replace(/\s+/g, ' ') : t}\n`;
  }
  return out;
}

function canonicalQuery(req: S3Request, skipSignature: boolean): string {
  if (req.queryPairs.length === 0) return '';
  const pairs: [string, string][] = [];
  for (const p of req.queryPairs) {
    if (skipSignature && p.key === 'X-Amz-Signature') continue;
    pairs.push([uriEncode(p.key), uriEncode(p.value)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** The path SigV4-normalised, the other path a client may have signed (only when it differs from the one sent). */
function normalisedPath(rawPath: string): string | undefined {
  const normal = uriEncodeBytes(unquoteBytes(rawPath), true);
  return normal === rawPath ? undefined : normal;
}

function makeSignature(req: S3Request, parts: V4Parts, amzDate: string, payloadHash: string, presigned: boolean, payload: S3Signature['payload']): S3Signature {
  const query = canonicalQuery(req, presigned);
  const headers = canonicalHeaders(req, parts.signedHeaders);
  const signedList = parts.signedHeaders.join(';');
  const scope = `${parts.date}/${parts.region}/${parts.service}/aws4_request`;
  const result: S3Signature = {
    accessKey: parts.accessKey,
    payload,
    v4: { seedSignature: parts.signature, amzDate, scope },
    verify(secret: string): boolean {
      const key = signingKey(secret, parts.date, parts.region, parts.service);
      const matches = (path: string): boolean => {
        const canonical = `${req.method}\n${path}\n${query}\n${headers}\n${signedList}\n${payloadHash}`;
        const toSign = `${V4_ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
        return sameHex(createHmac('sha256', key).update(toSign).digest(), parts.signature);
      };
      // The path as sent first; the normalised one is worked out only when that fails.
      let ok = matches(req.rawPath);
      if (!ok) {
        const normal = normalisedPath(req.rawPath);
        ok = normal !== undefined && matches(normal);
      }
      if (ok) result.v4!.signingKey = key;
      return ok;
    },
  };
  return result;
}

function checkScope(parts: V4Parts, conf: S3Conf, amzDate: string, err: (msg: string) => Error): void {
  if (amzDate.slice(0, 8) !== parts.date) throw err(`Invalid credential date "${parts.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  if (parts.service !== 's3') throw err(`Error parsing the X-Amz-Credential parameter; incorrect service "${parts.service}". This endpoint belongs to "s3".`);
  if (parts.region !== conf.location) {
    const e = err(`Error parsing the X-Amz-Credential parameter; the region '${parts.region}' is wrong; expecting '${conf.location}'`);
    if ('extra' in e) (e as { extra: Record<string, string> }).extra.Region = conf.location;
    throw e;
  }
}

function payloadOf(value: string | undefined, required: boolean): { hash: string; payload: S3Signature['payload'] } {
  if (value === undefined) {
    if (required) throw S3Errors.InvalidRequest({}, 'Missing required header for this request: x-amz-content-sha256');
    return { hash: 'UNSIGNED-PAYLOAD', payload: { kind: 'unsigned' } };
  }
  if (value === 'UNSIGNED-PAYLOAD') return { hash: value, payload: { kind: 'unsigned' } };
  if (STREAMING.has(value)) return { hash: value, payload: { kind: 'streaming', mode: value } };
  if (/^[0-9a-f]{64}$/.test(value)) return { hash: value, payload: { kind: 'sha256', hex: value } };
  throw S3Errors.InvalidArgument({ ArgumentName: 'x-amz-content-sha256', ArgumentValue: value },
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.');
}

/** SigV4 in the Authorization header. */
export function parseV4Header(req: S3Request, conf: S3Conf, now: number): S3Signature {
  const parts = parseHeaderAuth(req.swift.headers.authorization!);
  const amzDate = req.swift.headers['x-amz-date'];
  const t = parseAmzDate(amzDate ?? req.swift.headers.date);
  if (Number.isNaN(t)) throw S3Errors.AccessDenied({}, 'AWS authentication requires a valid Date or x-amz-date header');
  const dateText = amzDate ?? new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  checkScope(parts, conf, dateText, (msg) => S3Errors.AuthorizationHeaderMalformed({}, `The authorization header is malformed; ${msg}`));
  if (!parts.signedHeaders.includes('host')) throw S3Errors.AccessDenied({}, 'Host header is not signed.');
  checkSkew(t, now, conf.allowableClockSkew);
  const { hash, payload } = payloadOf(req.swift.headers['x-amz-content-sha256'], true);
  return makeSignature(req, parts, dateText, hash, false, payload);
}

/** SigV4 presigned: X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, -Signature in the query. */
export function parseV4Query(req: S3Request, conf: S3Conf, now: number): S3Signature {
  const p = req.params;
  const err = (msg: string) => S3Errors.AuthorizationQueryParametersError({}, msg);
  if (p.get('X-Amz-Algorithm') !== V4_ALGORITHM) throw err('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const credential = p.get('X-Amz-Credential');
  const amzDate = p.get('X-Amz-Date');
  const expires = p.get('X-Amz-Expires');
  const signed = p.get('X-Amz-SignedHeaders');
  const signature = p.get('X-Amz-Signature');
  if (!credential || !amzDate || !expires || !signed || !signature) {
    throw err('Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
  }
  const parts: V4Parts = { ...parseCredential(credential, () => err('Error parsing the X-Amz-Credential parameter.')), signedHeaders: signed.split(';'), signature };
  const t = parseAmzDate(amzDate);
  if (Number.isNaN(t) || !/^\d{8}T\d{6}Z$/.test(amzDate)) throw err('X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
  if (/^-\d+$/.test(expires)) throw err('X-Amz-Expires must be non-negative');
  // Past a signed 64-bit number it isn't one, as Swift's s3api says.
  if (!/^\d+$/.test(expires) || BigInt(expires) >= 2n ** 63n) throw err('X-Amz-Expires should be a number');
  const life = Number(expires);
  if (life > conf.maxPresignedExpires) {
    throw err(`X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than ${conf.maxPresignedExpires} seconds`);
  }
  checkScope(parts, conf, amzDate, err);
  if (t - now > conf.allowableClockSkew * 1000) throw S3Errors.AccessDenied({}, 'Request is not valid yet');
  if (now > t + life * 1000) throw S3Errors.AccessDenied({ Expires: new Date(t + life * 1000).toISOString(), ServerTime: new Date(now).toISOString() }, 'Request has expired');
  const { hash, payload } = payloadOf(req.swift.headers['x-amz-content-sha256'], false);
  return makeSignature(req, parts, amzDate, hash, true, payload);
}
