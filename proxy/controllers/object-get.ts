/**
 * Object GET/HEAD: nodes tried in order until one has the object. When the
 * node serving a GET dies mid-body, the rest is asked of the next node with
 * a `Range` from the next byte, pinned to the same version with `If-Match`
 * on the first response's ETag, so the client receives one intact body (or a
 * cut connection, never a spliced one).
 *
 * Except when the node cut its body in its verified tail: a swiftly object
 * server holds the last `X-Backend-Verified-Tail` bytes of a whole object
 * until its MD5 matched the ETag, and cuts there when it did not (the copy
 * is rotten and now quarantined). The bytes already passed on are then
 * known bad: resuming would complete the body with them inside, so the
 * client is cut instead, and its retry finds the other replicas. This
 * costs nothing per chunk: only a failure looks at where the body stopped.
 * A Range GET of part of an object cannot be verified (nor is it in Swift).
 */
import { Readable } from 'node:stream';
import type { RingLookup, RingNode } from '../../ring/index.js';
import type { Headers, SwiftRequest, SwiftResponse } from '../types.js';
import type { ProxyContext } from './context.js';
import { firstGood, newestGood, noGoodAnswer, objectReadState, passThrough, wantsNewest, type RequestPlan } from './fan-out.js';
import type { BackendResponse } from '../../common/index.js';
import { dropBody } from '../response.js';

export interface GetPlan extends RequestPlan {
  ring: RingLookup;
  headers: Headers;
}

/** An iterable over `it` that a `for…of` leaving early doesn't close (the rest is for resumes). */
function keepOpen<T>(it: Iterator<T>): Iterable<T> {
  return { [Symbol.iterator]: () => ({ next: () => it.next() }) };
}

const isGoodObject = (s: number) => (s >= 200 && s < 400) || s === 416;

/** A single `bytes=a-b` range (the only kind a resume can continue). */
function singleRange(header: string | undefined): { start?: number; end?: number; suffix?: number } | undefined {
  if (!header) return {};
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') return { suffix: Number(m[2]) };
  return { start: Number(m[1]), end: m[2] === '' ? undefined : Number(m[2]) };
}

/** The first byte offset (of the object) a response body starts at, and where it ends. */
function bodySpan(res: BackendResponse): { first: number; last?: number } | undefined {
  if (res.status === 200) {
    const len = res.headers['content-length'];
    return { first: 0, last: len === undefined ? undefined : Number(len) - 1 };
  }
  if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
    if (m) return { first: Number(m[1]), last: Number(m[2]) };
  }
  return undefined;
}

/** Bytes at the end of a response's body its node sends only once the whole object's MD5 matched (0: none). */
function verifiedTail(res: BackendResponse): number {
  const n = Number(res.headers['x-backend-verified-tail'] ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/**
 * The body a GET's client receives: the serving node's body passed on
 * chunk by chunk (its flow paused while the client is slow), and when that
 * body fails before its end, the rest asked of the next node. Events, not an
 * async generator behind Readable.from: that cost a promise or two and a
 * generator step per chunk, and its setup was a visible share of a 4 KiB GET.
 */
class ResumingBody extends Readable {
  private source: Readable;
  private offset: number;
  private readonly span: { first: number; last?: number } | undefined;
  private readonly etag: string | undefined;
  private resuming = false;
  /** Where the current source's body started, and how many bytes at its end it holds until verified. */
  private sourceStart: number;
  private verifiedTail: number;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly req: SwiftRequest,
    first: BackendResponse,
    private readonly rest: Iterator<RingNode>,
    private readonly plan: GetPlan,
  ) {
    // Two backend chunks may wait for a slow client before the node's body is paused.
    super({ highWaterMark: 128 * 1024 });
    this.span = bodySpan(first);
    this.etag = first.headers.etag;
    this.offset = this.span?.first ?? 0;
    this.source = first.body;
    this.sourceStart = this.offset;
    this.verifiedTail = verifiedTail(first);
    this.attach(first.body);
  }

  private attach(src: Readable): void {
    src.on('data', (chunk: Buffer) => {
      if (src !== this.source || this.destroyed) return;
      this.offset += chunk.length;
      if (!this.push(chunk)) src.pause();
    });
    src.once('end', () => {
      if (src === this.source) this.push(null);
    });
    src.on('error', (err: Error) => this.failed(src, err));
    // A body destroyed without an error still ended too soon.
    src.once('close', () => {
      if (!src.readableEnded) this.failed(src, new Error('backend body closed before its end'));
    });
  }

  override _read(): void {
    if (!this.resuming) this.source.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    dropBody(this.source);
    cb(err);
  }

  private failed(src: Readable, err: Error): void {
    if (src !== this.source || this.resuming || this.destroyed) return;
    // Where the node stopped: what was passed on, and what its body still
    // held unread (a paused body's buffer is dropped with its error).
    const sent = this.offset + src.readableLength;
    dropBody(src);
    const { span, etag, offset } = this;
    if (!span || !etag || (span.last !== undefined && offset > span.last)) {
      this.destroy(err);
      return;
    }
    if (this.verifiedTail > 0 && span.last !== undefined && offset > this.sourceStart && sent > span.last - this.verifiedTail) {
      this.ctx.logger.error({ txn: this.req.env.transId, offset }, 'Object GET cut: the node found its copy did not match its ETag after sending part of it');
      this.destroy(err);
      return;
    }
    this.resuming = true;
    this.resumeFrom(err, offset, span, etag).then((next) => {
      this.resuming = false;
      if (!next) return void this.destroy(err);
      if (this.destroyed) return void dropBody(next.body);
      this.source = next.body;
      this.sourceStart = offset;
      this.verifiedTail = verifiedTail(next);
      this.attach(next.body);
    }, () => this.destroy(err));
  }

  /** The body of the rest from another node, or undefined when none has it. */
  private async resumeFrom(err: Error, offset: number, span: { first: number; last?: number }, etag: string): Promise<BackendResponse | undefined> {
    const { ctx, req, plan } = this;
    ctx.logger.warn({ err: err.message, txn: req.env.transId, offset }, 'Object GET interrupted; resuming from another node');
    const headers: Headers = {
      ...plan.headers,
      range: `bytes=${offset}-${span.last ?? ''}`,
      'if-match': etag,
    };
    delete headers['if-none-match'];
    delete headers['if-modified-since'];
    delete headers['if-unmodified-since'];
    const got = await firstGood(ctx, keepOpen(this.rest), plan, headers, (s) => s === 206);
    if (!got.response) {
      ctx.logger.error({ txn: req.env.transId, offset }, 'Object GET could not resume: no node had the rest');
      return undefined;
    }
    const next = bodySpan(got.response);
    if (!next || next.first !== offset) {
      dropBody(got.response.body);
      return undefined;
    }
    return got.response;
  }
}

export async function getObject(ctx: ProxyContext, req: SwiftRequest, plan: GetPlan, primaries: RingNode[]): Promise<SwiftResponse> {
  const iter = ctx.readNodes(plan.ring, plan.partition, primaries)[Symbol.iterator]();
  const got = wantsNewest(req.headers)
    ? await newestGood(ctx, keepOpen(iter), plan, plan.headers, plan.ring.replicaCount, isGoodObject, objectReadState(ctx, primaries.length))
    : await firstGood(ctx, keepOpen(iter), plan, plan.headers, isGoodObject, objectReadState(ctx, primaries.length));
  if (!got.response) return noGoodAnswer(got.answers);
  const resp = passThrough(got.response, req.method);
  // As Swift's proxy answers: a bare ETag, and ranges are welcome.
  if (resp.headers.etag) resp.headers.etag = resp.headers.etag.replace(/^"(.*)"$/, '$1');
  // A manifest's stored Content-Type carries its whole size for listings (Swift's clean_content_type).
  const ctype = resp.headers['content-type'];
  if (ctype?.includes(';')) resp.headers['content-type'] = ctype.replace(/;\s*swift_bytes=[^;]*$/, '');
  resp.headers['accept-ranges'] = 'bytes';
  const canResume = req.method === 'GET' && (got.response.status === 200 || got.response.status === 206) && singleRange(req.headers.range) !== undefined;
  if (canResume && resp.body instanceof Readable) {
    resp.body = new ResumingBody(ctx, req, got.response, iter, plan);
  }
  return resp;
}
