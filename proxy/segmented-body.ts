/**
 * The body of a large object (Swift's SegmentedIterable), shared by slo and
 * dlo: segments are fetched one after another as subrequests
 * (`?multipart-manifest=get`, so each is a plain object), each checked
 * against the etag and size its manifest recorded and, when read whole,
 * against the MD5 of the bytes that passed. Nothing is buffered beyond the
 * chunk in flight.
 *
 * The first segment is fetched before the response is answered: a missing or
 * changed first segment is a 409 (503 when a segment's node fails). A
 * segment that fails later can no longer change the status: the body is
 * destroyed, so the client's connection is cut short of Content-Length, as
 * Swift drops it.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { normalizeEtag, SwiftlyError, type Logger } from '../common/index.js';
import type { App, ResponseBody, SwiftRequest, SwiftResponse } from './types.js';
import { dropBody, readSmallBody } from './response.js';
import { subrequest } from './subrequest.js';

/** A segment's part of the whole: an object's bytes `first..last` (inclusive), or inline data. */
export type SegmentPiece =
  | { path: string; etag?: string; size?: number; first?: number; last?: number }
  | { data: Buffer };

/** A segment or listing that no longer matches its manifest (409), or a node failing (503). */
export class SegmentError extends SwiftlyError {
  constructor(message: string, status = 409) {
    super('ERR_CONFLICT', message, { status });
    this.name = 'SegmentError';
  }
}

export interface SegmentedOptions {
  next: App;
  /** The client's request: credentials and environment for the subrequests. */
  req: SwiftRequest;
  /** The manifest's path (for messages). */
  name: string;
  logger: Logger;
  /** `SLO MultipartGET` / `DLO MultipartGET`. */
  agent: string;
  /** Seconds a whole GET may take (max_get_time). */
  maxGetTime: number;
  now: () => number;
  /** When known, the bytes the client is promised; more or fewer is an error. */
  bodyLength?: number;
}

async function* chunksOf(body: ResponseBody): AsyncGenerator<Buffer> {
  if (body === undefined) return;
  if (typeof body === 'string') yield Buffer.from(body);
  else if (Buffer.isBuffer(body)) yield body;
  else for await (const chunk of body) yield chunk as Buffer;
}

async function shortText(body: ResponseBody): Promise<string> {
  const text = (await readSmallBody(body, 64 * 1024).catch(() => Buffer.alloc(0))).toString('utf8');
  return text.length <= 60 ? text : text.slice(0, 57) + '...';
}

/** A piece with its segment's response, when it has one. */
interface Fetched {
  p: SegmentPiece;
  resp?: SwiftResponse;
  ranged?: boolean;
}

async function fetchPiece(p: SegmentPiece, o: SegmentedOptions): Promise<Fetched> {
  if ('data' in p) return { p };
  const first = p.first ?? 0;
  const toEnd = p.last === undefined || (p.size !== undefined && p.last === p.size - 1);
  const ranged = first !== 0 || !toEnd;
  const headers = ranged ? { range: `bytes=${first}-${toEnd ? '' : p.last}` } : undefined;
  const resp = await o.next(subrequest(o.req, { method: 'GET', path: p.path, query: 'multipart-manifest=get', headers, agent: o.agent }));
  return { p, resp, ranged };
}

/**
 * The segments' bytes in order. The next segment is asked for while this
 * one streams, so its first byte is not waited for between segments; its
 * body waits unread (the socket's backpressure bounds what is held).
 */
async function* segmentBytes(pieces: AsyncIterable<SegmentPiece>, o: SegmentedOptions): AsyncGenerator<Buffer> {
  const it = pieces[Symbol.asyncIterator]();
  const ask = (): Promise<Fetched | undefined> => {
    const pending = it.next().then((r) => (r.done ? undefined : fetchPiece(r.value, o)));
    // Handled when its turn comes; until then a failure must not count as unhandled.
    pending.catch(() => undefined);
    return pending;
  };
  let ahead: Promise<Fetched | undefined> | undefined = ask();
  try {
    for (;;) {
      const f: Fetched | undefined = await ahead;
      ahead = undefined;
      if (!f) return;
      const { p, resp } = f;
      if ('data' in p || !resp) {
        ahead = ask();
        if ('data' in p) yield p.data;
        continue;
      }
      if (resp.status < 200 || resp.status >= 300) {
        const msg = `While processing manifest ${o.name}, got ${resp.status} (${await shortText(resp.body)}) while retrieving ${p.path}`;
        throw new SegmentError(msg, resp.status >= 500 ? 503 : 409);
      }
      const etag = normalizeEtag(resp.headers.etag ?? '');
      const length = resp.headers['content-length'] === undefined ? undefined : Number(resp.headers['content-length']);
      if ((p.etag && etag !== p.etag) || (p.size && !f.ranged && length !== p.size)) {
        dropBody(resp.body);
        throw new SegmentError(`Object segment no longer valid: ${p.path} etag: ${etag} != ${p.etag} or ${length} != ${p.size}.`);
      }
      ahead = ask();
      const hash: Hash | undefined = etag && !f.ranged ? createHash('md5') : undefined;
      let got = 0;
      for await (const chunk of chunksOf(resp.body)) {
        if (hash) {
          hash.update(chunk);
          got += chunk.length;
        }
        yield chunk;
      }
      if (hash) {
        if (got !== length) throw new SegmentError(`Bad response length for ${p.path} as part of ${o.name}: headers had ${length}, but response length was actually ${got}`);
        const md5 = hash.digest('hex');
        if (md5 !== etag) throw new SegmentError(`Bad MD5 checksum for ${p.path} as part of ${o.name}: headers had ${etag}, but object MD5 was actually ${md5}`);
      }
    }
  } finally {
    // Stopped early (an error, the client gone): the segment asked for ahead is not read.
    void ahead?.then((f) => dropBody(f?.resp?.body), () => undefined);
  }
}

/** Counts the bytes against the promised length and the time against max_get_time. */
async function* checked(src: AsyncGenerator<Buffer>, o: SegmentedOptions): AsyncGenerator<Buffer> {
  const start = o.now();
  let left = o.bodyLength;
  for await (const chunk of src) {
    if (left !== undefined && chunk.length > left) {
      yield chunk.subarray(0, left);
      throw new SegmentError(`Too many bytes for ${o.name}; truncating with ${chunk.length - left} bytes left`);
    }
    if (left !== undefined) left -= chunk.length;
    yield chunk;
    if (o.now() - start > o.maxGetTime * 1000) {
      throw new SegmentError(`While processing manifest ${o.name}, max LO GET time of ${o.maxGetTime}s exceeded`);
    }
  }
  if (left) throw new SegmentError(`Expected another ${left} bytes for ${o.name}; closing connection`);
}

/**
 * Starts the body: fetches up to the first chunk (throwing SegmentError if
 * the first segment is bad), then streams the rest. A later failure is
 * logged and destroys the stream.
 */
export async function startSegmentedBody(pieces: AsyncIterable<SegmentPiece>, o: SegmentedOptions): Promise<Readable> {
  const it = checked(segmentBytes(pieces, o), o);
  const head = await it.next();
  async function* all(): AsyncGenerator<Buffer> {
    try {
      if (head.done) return;
      yield head.value;
      yield* it;
    } catch (err) {
      o.logger.error({ err: (err as Error).message, txn: o.req.env.transId }, 'large object GET cut short');
      throw err;
    }
  }
  const body = Readable.from(all(), { objectMode: false, highWaterMark: 256 * 1024 });
  // Also when nobody ever read it (a HEAD, a 304): the open segment's body goes.
  body.once('close', () => void it.return(undefined).catch(() => undefined));
  return body;
}

/** Swift's RateLimitedIterator: after `after` pieces that `limitIf` picks, at most `perSec` of them a second. */
export async function* rateLimited<T>(src: AsyncIterable<T>, after: number, perSec: number, limitIf: (x: T) => boolean = () => true): AsyncGenerator<T> {
  let budget = after;
  let nextAt = 0;
  for await (const x of src) {
    if (limitIf(x)) {
      if (budget > 0) budget--;
      else if (perSec > 0) {
        const now = Date.now();
        if (nextAt > now) await new Promise((r) => setTimeout(r, nextAt - now));
        nextAt = Math.max(now, nextAt) + 1000 / perSec;
      }
    }
    yield x;
  }
}
