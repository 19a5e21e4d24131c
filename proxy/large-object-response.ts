/**
 * Answering for a large object as a whole (swob's `conditional_response`
 * for slo and dlo): If-Match / If-None-Match against the whole's etag and
 * If-(Un)Modified-Since against the manifest's Last-Modified, then Range
 * against the whole's length: 416, one range (206 with Content-Range), or
 * several (multipart/byteranges). The body is asked for only the bytes
 * those ranges need, concatenated; the MIME framing is added here.
 */
import { Readable } from 'node:stream';
import { conditionalStatus, contentRange, makeBoundary, multipartBody, multipartLength, parseRange, rangesForLength } from '../common/index.js';
import type { Headers, SwiftRequest, SwiftResponse } from './types.js';
import { makeResponse } from './response.js';

export interface Whole {
  /** Response headers: metadata, Content-Type, Last-Modified, Etag (as sent). */
  headers: Headers;
  length: number;
  /** The etag conditionals compare (unquoted). */
  etag: string;
  /**
   * The concatenated bytes of `ranges` (half-open, in order), or of the
   * whole when not given. May throw before the first byte (a SegmentError).
   */
  body: (ranges?: [number, number][]) => Promise<Readable>;
}

function lastModifiedSeconds(headers: Headers): number | undefined {
  const ms = Date.parse(headers['last-modified'] ?? '');
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** Splits one stream into consecutive pieces of given lengths (swob's Spliterator). */
function splitter(src: Readable): (n: number) => Readable {
  const it = src[Symbol.asyncIterator]();
  let pending: Buffer | undefined;
  return (n) => Readable.from((async function* take(): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      let chunk = pending;
      pending = undefined;
      if (!chunk) {
        const r = await it.next();
        if (r.done) throw new Error('large object body ended before its ranges');
        chunk = r.value as Buffer;
      }
      if (chunk.length > left) {
        pending = chunk.subarray(left);
        chunk = chunk.subarray(0, left);
      }
      left -= chunk.length;
      yield chunk;
    }
  })(), { objectMode: false });
}

export async function answerWhole(req: SwiftRequest, whole: Whole): Promise<SwiftResponse> {
  const headers: Headers = { ...whole.headers, 'accept-ranges': 'bytes' };
  delete headers['content-range'];
  const cond = conditionalStatus(req.headers, true, whole.etag, lastModifiedSeconds(headers));
  if (cond === 304) return { status: 304, headers: { ...headers, 'content-length': '0' } };
  if (cond === 412) {
    delete headers['content-length'];
    delete headers['content-type'];
    return makeResponse(412, undefined, headers);
  }
  headers['content-length'] = String(whole.length);
  if (req.method === 'HEAD') return { status: 200, headers };
  const specs = req.method === 'GET' ? parseRange(req.headers.range) : undefined;
  if (!specs || specs.length === 0 || whole.length === 0) return { status: 200, headers, body: await whole.body() };
  const ranges = rangesForLength(specs, whole.length);
  if (ranges.length === 0) {
    delete headers['content-length'];
    delete headers['content-type'];
    return makeResponse(416, undefined, { ...headers, 'content-range': `bytes */${whole.length}` });
  }
  const body = await whole.body(ranges);
  if (ranges.length === 1) {
    const [start, stop] = ranges[0];
    return { status: 206, headers: { ...headers, 'content-range': contentRange(start, stop, whole.length), 'content-length': String(stop - start) }, body };
  }
  const boundary = makeBoundary();
  const ctype = headers['content-type'] ?? 'application/octet-stream';
  const take = splitter(body);
  const framed = multipartBody(ranges, boundary, ctype, whole.length, (s, e) => take(e - s));
  framed.once('close', () => body.destroy());
  headers['content-type'] = `multipart/byteranges;boundary=${boundary}`;
  headers['content-length'] = String(multipartLength(ranges, boundary, ctype, whole.length));
  return { status: 206, headers, body: framed };
}
