/** What both versioning modes do alike: copy an object's current data to another name. */
import { Readable } from 'node:stream';
import type { App, Headers, PipelineContext, SwiftRequest, SwiftResponse } from '../../types.js';
import { dropBody, makeResponse } from '../../response.js';
import { subrequest } from '../subrequest.js';

/** An answer that ends the request (Swift raising an HTTPException). */
export class Answer extends Error {
  constructor(readonly response: SwiftResponse) {
    super(`versioning: ${response.status}`);
  }
}

export const plain = (status: number, body: string): Answer =>
  new Answer(makeResponse(status, body, { 'content-type': 'text/plain' }));

/** The cluster's max_file_size as the proxy app published it in /info (Swift's default before that). */
export function maxFileSize(ctx: PipelineContext): number {
  const v = Number(ctx.info.swift?.max_file_size);
  return Number.isFinite(v) && v > 0 ? v : 5368709122;
}

/**
 * The object at `path` as it is stored (a link as a link), newest replica's
 * answer; 413 when it has no length or is larger than an object may be.
 */
export async function getSource(ctx: PipelineContext, next: App, req: SwiftRequest, path: string): Promise<SwiftResponse> {
  const resp = await next(subrequest(req, { method: 'GET', path, query: 'symlink=get', headers: { 'x-newest': 'True' }, preAuthed: true }));
  const len = resp.headers['content-length'];
  if (len === undefined || Number(len) > maxFileSize(ctx)) {
    dropBody(resp.body);
    return makeResponse(413);
  }
  return resp;
}

/** Headers of a source response that a copy of it must not carry. */
const NOT_COPIED = /^(x-timestamp|x-backend-.*|transfer-encoding|connection|keep-alive|content-range|date|x-trans-id|x-openstack-request-id)$/;

/** PUTs the source's body and metadata at `path` (pre-authed), streaming. */
export async function copyVersion(next: App, req: SwiftRequest, path: string, source: SwiftResponse, extra: Headers = {}): Promise<SwiftResponse> {
  const headers: Headers = {};
  for (const [k, v] of Object.entries(source.headers)) if (!NOT_COPIED.test(k)) headers[k] = v;
  const sloSize = headers['x-object-sysmeta-slo-size'];
  if (sloSize) {
    headers['content-type'] = `${headers['content-type'] ?? ''}; swift_bytes=${sloSize}`;
  }
  Object.assign(headers, extra);
  return next(subrequest(req, { method: 'PUT', path, headers, preAuthed: true, body: asStream(source.body) }));
}

function asStream(body: SwiftResponse['body']): Readable {
  if (body instanceof Readable) return body;
  return Readable.from(body === undefined ? [] : [Buffer.from(body)]);
}
