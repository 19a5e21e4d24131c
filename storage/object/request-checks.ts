/**
 * Swift's request checks for object writes, with Swift's 4xx bodies:
 * `valid_timestamp`, `check_object_creation`, `check_metadata` and
 * `check_delete_headers` (common's, shared with the proxy).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Timestamp, checkDeleteHeaders, checkMetadata, checkUtf8, type Constraints } from '../../common/index.js';
import { HttpError, badRequest } from './responses.js';

const latin1Bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Swift's `valid_timestamp`: the request's X-Timestamp or 400. */
export function validTimestamp(headers: IncomingHttpHeaders): Timestamp {
  const raw = headers['x-timestamp'];
  if (raw === undefined) throw badRequest('Missing X-Timestamp header');
  const ts = Timestamp.tryParse(Array.isArray(raw) ? raw[0] : raw);
  if (!ts) throw badRequest('Invalid X-Timestamp header');
  return ts;
}

function isChunked(headers: IncomingHttpHeaders): boolean {
  const te = headers['transfer-encoding'];
  if (!te) return false;
  const codings = te.split(',').map((s) => s.trim().toLowerCase());
  return codings[codings.length - 1] === 'chunked';
}

/** swob's `message_length`: the declared body length, undefined when chunked or absent. */
export function messageLength(headers: IncomingHttpHeaders): number | undefined {
  const te = headers['transfer-encoding'];
  if (te && !isChunked(headers)) throw new HttpError(501, 'Invalid Transfer-Encoding header value', { 'Content-Type': 'text/plain' });
  if (isChunked(headers)) return undefined;
  const cl = headers['content-length'];
  if (cl === undefined) return undefined;
  if (!/^\s*[+-]?\d+\s*$/.test(cl)) throw badRequest('Invalid Content-Length header value');
  return Number(cl);
}

/** Swift's `check_object_creation`; returns the declared length and X-Delete-At. */
export function checkObjectCreation(
  headers: IncomingHttpHeaders, objectName: string, c: Constraints, now: Timestamp,
): { length: number | undefined; deleteAt: string | undefined } {
  const length = messageLength(headers);
  if (length !== undefined && length > c.max_file_size) {
    throw new HttpError(413, 'Your request is too large.', { 'Content-Type': 'text/plain' });
  }
  if (headers['content-length'] === undefined && !isChunked(headers)) {
    throw new HttpError(411, 'Missing Content-Length header.', { 'Content-Type': 'text/plain' });
  }
  const nameLength = Buffer.byteLength(objectName, 'utf8');
  if (nameLength > c.max_object_name_length) {
    throw badRequest(`Object name length of ${nameLength} longer than ${c.max_object_name_length}`);
  }
  const ctype = headers['content-type'];
  if (ctype === undefined) throw badRequest('No content type');
  const deleteAt = checkDeleteHeaders(headers, now.seconds);
  if (!checkUtf8(latin1Bytes(ctype))) throw badRequest('Invalid Content-Type');
  checkMetadata(headers, 'object', c);
  return { length, deleteAt };
}
