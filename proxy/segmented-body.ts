/**
 * The body of a large object (Swift's SegmentedIterable), shared by slo and
 * dlo: segments are fetched one after another as subrequests
 * (`?multipart-manifest=get`, so each is a plain object), each checked
 * against the etag and size its manifest recorded and, when read whole,
 * against the count of the bytes that passed. Nothing is buffered beyond the
 * chunk in flight and the next segment's unread answer.
 *
 * Unlike Swift's proxy, the MD5 of a segment read whole is not computed
 * here (it cost ~1.6 s of CPU per GiB, the whole gap between an SLO read and
 * a plain one): the object server checks a whole-object read against the
 * stored ETag as it streams and cuts its body short of its last byte when
 * the copy is rotten (X-Backend-Verified-Tail), and the object GET then
 * cuts rather than resumes; so a segment whose ETag equals the manifest's
 * and whose body arrives complete carries the manifest's bytes, and a
 * rotten one ends the client's response short, as any failed segment does.
 * A segment read in part is checked by its ETag only (as in Swift).
 *
 * The first segment is fetched before the response is answered: a missing or
 * changed first segment is a 409 (503 when a segment's node fails). A
 * segment that fails later can no longer change the status: the body is
 * destroyed, so the client's connection is cut short of Content-Length, as
 * Swift drops it.
 */
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

function asStream(body: ResponseBody): Readable {
  if (body === undefined) return Readable.from([]);
  if (typeof body === 'string' || Buffer.isBuffer(body)) return Readable.from([Buffer.from(body)]);
  return body;
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
 * The segments' bytes in order, passed on chunk by chunk from each
 * segment's body (paused while the client is slow). Events rather than
 * async generators: a GiB is tens of thousands of chunks, and each
 * generator layer cost a promise per chunk. The next segment is asked for
 * while this one streams, so no segment waits for the next's first byte;
 * its body waits unread (the socket's backpressure bounds what is held).
 */
class SegmentedBody extends Readable {
  private readonly it: AsyncIterator<SegmentPiece>;
  private ahead?: Promise<Fetched | undefined>;
  private source?: Readable;
  private readonly start: number;
  private left: number | undefined;

  constructor(pieces: AsyncIterable<SegmentPiece>, private readonly o: SegmentedOptions) {
    super({ highWaterMark: 256 * 1024 });
    this.it = pieces[Symbol.asyncIterator]();
    this.start = o.now();
    this.left = o.bodyLength;
  }

  private ask(): void {
    const pending = this.it.next().then((r) => (r.done ? undefined : fetchPiece(r.value, this.o)));
    // Handled when its turn comes; until then a failure must not count as unhandled.
    pending.catch(() => undefined);
    this.ahead = pending;
  }

  /** Up to the first segment's answer, checked (SegmentError before any byte is promised). */
  async begin(): Promise<void> {
    this.ask();
    await this.advance();
  }

  /** Takes the next piece: inline data is passed on, a segment's body attached once its answer is checked. */
  private async advance(): Promise<void> {
    for (;;) {
      const f = await this.ahead;
      this.ahead = undefined;
      if (this.destroyed) return void dropBody(f?.resp?.body);
      if (!f) {
        if (this.left) throw new SegmentError(`Expected another ${this.left} bytes for ${this.o.name}; closing connection`);
        this.push(null);
        return;
      }
      const { p, resp } = f;
      this.ask();
      if ('data' in p || !resp) {
        if ('data' in p) this.pass(p.data);
        continue;
      }
      if (resp.status < 200 || resp.status >= 300) {
        const msg = `While processing manifest ${this.o.name}, got ${resp.status} (${await shortText(resp.body)}) while retrieving ${p.path}`;
        throw new SegmentError(msg, resp.status >= 500 ? 503 : 409);
      }
      const etag = normalizeEtag(resp.headers.etag ?? '');
      const length = resp.headers['content-length'] === undefined ? undefined : Number(resp.headers['content-length']);
      if ((p.etag && etag !== p.etag) || (p.size && !f.ranged && length !== p.size)) {
        dropBody(resp.body);
        throw new SegmentError(`Object segment no longer valid: ${p.path} etag: ${etag} != ${p.etag} or ${length} != ${p.size}.`);
      }
      this.attach(asStream(resp.body), p.path, f.ranged ? undefined : length);
      return;
    }
  }

  /** Passes a chunk on, counting it against the promised length and the time against max_get_time. */
  private pass(chunk: Buffer): boolean {
    if (this.left !== undefined) {
      if (chunk.length > this.left) {
        this.push(chunk.subarray(0, this.left));
        this.fail(new SegmentError(`Too many bytes for ${this.o.name}; truncating with ${chunk.length - this.left} bytes left`));
        return false;
      }
      this.left -= chunk.length;
    }
    const more = this.push(chunk);
    if (this.o.now() - this.start > this.o.maxGetTime * 1000) {
      this.fail(new SegmentError(`While processing manifest ${this.o.name}, max LO GET time of ${this.o.maxGetTime}s exceeded`));
      return false;
    }
    return more;
  }

  /** Streams a segment's body; `length`, when given, is the count its body must reach. */
  private attach(src: Readable, path: string, length?: number): void {
    this.source = src;
    let got = 0;
    src.on('data', (chunk: Buffer) => {
      if (src !== this.source || this.destroyed) return;
      got += chunk.length;
      if (!this.pass(chunk)) src.pause();
    });
    src.once('end', () => {
      if (src !== this.source || this.destroyed) return;
      this.source = undefined;
      if (length !== undefined && got !== length) return this.fail(new SegmentError(`Bad response length for ${path} as part of ${this.o.name}: headers had ${length}, but response length was actually ${got}`));
      this.advance().catch((err: Error) => this.fail(err));
    });
    src.on('error', (err: Error) => {
      if (src === this.source) this.fail(err);
    });
    // A body destroyed without an error still ended too soon.
    src.once('close', () => {
      if (src === this.source && !src.readableEnded) this.fail(new Error(`segment ${path} closed before its end`));
    });
  }

  private fail(err: Error): void {
    if (this.destroyed) return;
    this.o.logger.error({ err: err.message, txn: this.o.req.env.transId }, 'large object GET cut short');
    this.destroy(err);
  }

  override _read(): void {
    this.source?.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    dropBody(this.source);
    this.source = undefined;
    void this.ahead?.then((f) => dropBody(f?.resp?.body), () => undefined);
    void this.it.return?.(undefined)?.catch(() => undefined);
    cb(err);
  }
}

/**
 * Starts the body: fetches up to the first segment's answer (throwing
 * SegmentError if the first segment is bad), then streams. A later
 * failure is logged and destroys the stream.
 */
export async function startSegmentedBody(pieces: AsyncIterable<SegmentPiece>, o: SegmentedOptions): Promise<Readable> {
  const body = new SegmentedBody(pieces, o);
  try {
    await body.begin();
  } catch (err) {
    body.destroy();
    throw err;
  }
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
