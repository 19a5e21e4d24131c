/**
 * What filters that call `next` more than once share (Swift's
 * `make_subrequest` / `make_pre_authed_request` and `get_container_info`
 * as middlewares use them): building a subrequest of a request, reading a
 * JSON listing, and the container info the controllers cache.
 */
import type { Readable } from 'node:stream';
import type { Headers, PipelineContext, SwiftRequest, SwiftResponse } from '../types.js';
import type { ContainerInfo } from '../controllers/info.js';
import { discardBody, readSmallBody } from '../response.js';
import { quotePath } from '../../common/index.js';
import { subrequest as makeSubrequest } from '../subrequest.js';
import { unquoteBytes } from '../request-path.js';

export interface SubrequestOptions {
  method: string;
  /** The path, not yet percent-encoded: `/v1/a/c/o`. */
  path?: string;
  /** The path already percent-encoded (as a header such as Content-Location carries it). */
  rawPath?: string;
  query?: string;
  headers?: Headers;
  body?: Readable;
  /**
   * Skips authorization below (Swift's `make_pre_authed_request`): for what
   * the filter does on the client's behalf once the client was authorized.
   */
  preAuthed?: boolean;
  /** Named in the user agent (Swift's swift_source): `VW`, `OV`, `SYM`. */
  agent?: string;
}

/**
 * A subrequest of `req` (proxy/subrequest.ts builds it: credentials and
 * environment carried over, the filter named in the user agent), with a
 * body, and without authorization below when pre-authed.
 */
export function subrequest(req: SwiftRequest, o: SubrequestOptions): SwiftRequest {
  const sub = makeSubrequest(req, { method: o.method, path: o.rawPath ?? quotePath(o.path ?? ''), query: o.query, headers: o.headers, agent: o.agent ?? 'VW' });
  if (o.preAuthed) {
    sub.env = { ...req.env };
    delete sub.env.authorize;
    sub.env.authorizeOverride = true;
  }
  sub.body = o.body;
  return sub;
}

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** A listing's items, or undefined when the body is not a JSON list. */
export async function readJsonListing(resp: SwiftResponse): Promise<Record<string, unknown>[] | undefined> {
  const raw = await readSmallBody(resp.body);
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    return Array.isArray(parsed) ? (parsed as Record<string, unknown>[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces a response's body with a small JSON one (Content-Length to match). */
export function withJsonBody(resp: SwiftResponse, value: unknown): SwiftResponse {
  const body = Buffer.from(pythonJson(value), 'utf8');
  return { status: resp.status, headers: { ...resp.headers, 'content-length': String(body.length) }, body };
}

/**
 * JSON as Python's `json.dumps` writes it (", " and ": " separators,
 * non-ASCII as \u escapes), so a listing a filter rewrites reads as Swift's.
 */
export function pythonJson(value: unknown): string {
  return JSON.stringify(value, null, 1)
    .replace(/\n */g, (m, offset: number, whole: string) => (whole[offset - 1] === '[' || whole[offset - 1] === '{' || whole[offset + m.length] === ']' || whole[offset + m.length] === '}' ? '' : ' '))
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Drops a response nobody will read (keep-alive sockets stay usable). */
export function drain(resp: SwiftResponse): void {
  discardBody(resp);
}

/**
 * The container's info as the controllers cache it (Swift's
 * `get_container_info`): with object versioning on, its bytes count those of
 * its hidden versions container, as Swift's do (what container_quotas checks).
 */
export async function containerInfo(ctx: PipelineContext, req: SwiftRequest, account: string, container: string): Promise<ContainerInfo> {
  if (!ctx.infoSource) throw new Error('container info needs the proxy app at the end of the pipeline');
  const info = await ctx.infoSource.container(req, account, container);
  const versions = info.sysmeta['versions-container'];
  if (!versions) return info;
  const name = unquoteBytes(versions).toString('utf8').split('/')[0];
  const versionsInfo = await ctx.infoSource.container(req, account, name);
  return { ...info, bytes: info.bytes + versionsInfo.bytes };
}
