/**
 * Which signature a request carries, checked as far as can be without the
 * secret (format, time, scope). The secret's owner (tempauth) finishes the
 * check through `S3Signature.verify`.
 */
import type { SwiftRequest } from '../../types.js';
import type { S3Conf } from '../conf.js';
import type { S3Request } from '../request.js';
import { S3Errors } from '../errors.js';
import { parseV4Header, parseV4Query, V4_ALGORITHM } from './sigv4.js';
import { parseV2Header, parseV2Query } from './sigv2.js';
import type { S3Signature } from './types.js';

export type { S3Signature } from './types.js';
export { signingKey, sha256Hex } from './sigv4.js';

/** Whether a request carries S3 credentials at all (else it is Swift's, or anonymous). */
export function hasS3Credentials(req: SwiftRequest): boolean {
  const auth = req.headers.authorization;
  if (auth !== undefined && (auth.startsWith('AWS ') || auth.startsWith(V4_ALGORITHM))) return true;
  const q = req.query;
  return q !== '' && (q.includes('X-Amz-Credential=') || q.includes('AWSAccessKeyId='));
}

/** The request's signature, or an S3Error saying what is wrong with it. */
export function readSignature(req: S3Request, conf: S3Conf, now: number): S3Signature {
  const auth = req.swift.headers.authorization;
  if (auth !== undefined) {
    if (auth.startsWith(V4_ALGORITHM)) return parseV4Header(req, conf, now);
    if (auth.startsWith('AWS ')) return parseV2Header(req, conf, now);
    throw S3Errors.AccessDenied();
  }
  if (req.params.has('X-Amz-Credential') || req.params.has('X-Amz-Algorithm')) return parseV4Query(req, conf, now);
  return parseV2Query(req, conf, now);
}
