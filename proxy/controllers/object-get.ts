/**
 * Object GET/HEAD: nodes tried in order until one has the object. When the
 * node serving a GET dies mid-body, the rest is asked of the next node with
 * a `Range` from the next byte, pinned to the same version with `If-Match`
 * on the first response's ETag, so the client receives one intact body (or a
 * cut connection, never a spliced one).
 */
import { Readable } from 'node:stream';
import type { RingLookup, RingNode } from '../../ring/index.js';
import type { Headers, SwiftRequest, SwiftResponse } from '../types.js';
import type { ProxyContext } from './context.js';
import { firstGood, newestGood, noGoodAnswer, passThrough, wantsNewest, type RequestPlan } from './fan-out.js';
import type { BackendResponse } from '../backend/backend-client.js';
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

async function* resumingBody(
  ctx: ProxyContext,
  req: SwiftRequest,
  first: BackendResponse,
  rest: Iterator<RingNode>,
  plan: GetPlan,
): AsyncGenerator<Buffer> {
  const span = bodySpan(first);
  const etag = first.headers.etag;
  let source: BackendResponse = first;
  let offset = span?.first ?? 0;
  for (;;) {
    try {
      for await (const chunk of source.body) {
        offset += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      return;
    } catch (err) {
      dropBody(source.body);
      if (!span || !etag || (span.last !== undefined && offset > span.last)) throw err;
      ctx.logger.warn({ err: (err as Error).message, txn: req.env.transId, offset }, 'Object GET interrupted; resuming from another node');
      const headers: Headers = {
        ...plan.headers,
        range: `bytes=${offset}-${span.last ?? ''}`,
        'if-match': etag,
      };
      delete headers['if-none-match'];
      delete headers['if-modified-since'];
      delete headers['if-unmodified-since'];
      const got = await firstGood(ctx, keepOpen(rest), plan, headers, (s) => s === 206);
      if (!got.response) {
        ctx.logger.error({ txn: req.env.transId, offset }, 'Object GET could not resume: no node had the rest');
        throw err;
      }
      const next = bodySpan(got.response);
      if (!next || next.first !== offset) {
        dropBody(got.response.body);
        throw err;
      }
      source = got.response;
    }
  }
}

export async function getObject(ctx: ProxyContext, req: SwiftRequest, plan: GetPlan, primaries: RingNode[]): Promise<SwiftResponse> {
  const iter = ctx.readNodes(plan.ring, plan.partition, primaries)[Symbol.iterator]();
  const got = wantsNewest(req.headers)
    ? await newestGood(ctx, keepOpen(iter), plan, plan.headers, plan.ring.replicaCount, isGoodObject)
    : await firstGood(ctx, keepOpen(iter), plan, plan.headers, isGoodObject);
  if (!got.response) return noGoodAnswer(got.answers);
  const resp = passThrough(got.response, req.method);
  // As Swift's proxy answers: a bare ETag, and ranges are welcome.
  if (resp.headers.etag) resp.headers.etag = resp.headers.etag.replace(/^"(.*)"$/, '$1');
  resp.headers['accept-ranges'] = 'bytes';
  const canResume = req.method === 'GET' && (got.response.status === 200 || got.response.status === 206) && singleRange(req.headers.range) !== undefined;
  if (canResume && resp.body instanceof Readable) {
    resp.body = Readable.from(resumingBody(ctx, req, got.response, iter, plan), { objectMode: false });
  }
  return resp;
}
