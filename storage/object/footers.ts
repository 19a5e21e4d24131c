/**
 * Footer metadata of a multipart MIME object PUT (Swift's
 * `X-Backend-Obj-Metadata-Footer`): a JSON document after the object's
 * bytes, checked by its Content-MD5, whose sysmeta, user and transient
 * metadata are stored with the object, whose Etag is checked against the
 * body's, and whose container-update overrides win over the headers'.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpError, badRequest } from './responses.js';
import type { MimeDocument } from './mime-put.js';

const TRUE = new Set(['true', '1', 'yes', 'on', 't', 'y']);

/** The MIME boundary when the PUT's body carries footers, else undefined; 400 without a boundary. */
export function wantsFooters(headers: IncomingHttpHeaders): string | undefined {
  const footer = headers['x-backend-obj-metadata-footer'];
  if (typeof footer !== 'string' || !TRUE.has(footer.toLowerCase())) return undefined;
  const boundary = headers['x-backend-obj-multipart-mime-boundary'];
  if (typeof boundary !== 'string' || !boundary) throw badRequest('no MIME boundary');
  return boundary;
}

/** Swift's `_read_metadata_footer`: the footer document as lower-cased headers. */
export async function readFooters(rest: Promise<MimeDocument[]>): Promise<Record<string, string>> {
  const docs = await rest;
  const footer = docs[0];
  if (!footer) throw badRequest("couldn't find footer MIME doc");
  const md5 = footer.headers['content-md5'];
  if (!md5) throw badRequest('no Content-MD5 in footer');
  if (md5 !== createHash('md5').update(footer.body).digest('hex')) throw new HttpError(422, 'footer MD5 mismatch');
  let parsed: unknown;
  try {
    parsed = JSON.parse(footer.body.toString('utf8'));
  } catch {
    throw badRequest('invalid JSON for footer doc');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('invalid JSON for footer doc');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}
