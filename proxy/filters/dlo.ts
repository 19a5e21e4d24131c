/**
 * dlo: dynamic large objects, as Swift's filter of that name. A GET or HEAD
 * of an object carrying `X-Object-Manifest: <container>/<prefix>` answers
 * with the objects under that prefix, in listing order, concatenated: the
 * Content-Length and the Etag (MD5 of the segments' etags, quoted) are the
 * whole's when the listing fits one page; ranges apply to the whole; a GET
 * streams the segments one after another, rate-limited after
 * `rate_limit_after_segment` of them and cut off after `max_get_time`.
 * `?multipart-manifest=get` returns the manifest object itself. A PUT's
 * X-Object-Manifest must be `container/prefix`.
 */
import { createHash } from 'node:crypto';
import { getInt, parseRange, quotePath } from '../../common/index.js';
import type { App, FilterFactory, PipelineContext, SwiftRequest, SwiftResponse } from '../types.js';
import { dropBody, makeResponse, readSmallBody } from '../response.js';
import { parseQuery, parseSwiftPath, unquoteBytes } from '../request-path.js';
import { appendCsvHeader, subrequest } from '../subrequest.js';
import { answerWhole } from '../large-object-response.js';
import { rateLimited, SegmentError, startSegmentedBody, type SegmentPiece } from '../segmented-body.js';

interface ListedObject {
  name: string;
  hash: string;
  bytes: number;
}

interface DloConf {
  maxGetTime: number;
  rateLimitAfterSegment: number;
  rateLimitSegmentsPerSec: number;
}

interface Manifest {
  version: string;
  account: string;
  container: string;
  prefix: string;
}

function listingLimit(ctx: PipelineContext): number {
  return Number(ctx.info.swift?.container_listing_limit ?? 10000);
}

async function listSegments(next: App, req: SwiftRequest, m: Manifest, marker = ''): Promise<{ error?: SwiftResponse; items?: ListedObject[] }> {
  const q = new URLSearchParams({ format: 'json', prefix: m.prefix });
  if (marker) q.set('marker', marker);
  const resp = await next(subrequest(req, {
    method: 'GET', path: quotePath(`/${m.version}/${m.account}/${m.container}`), query: q.toString(), agent: 'DLO MultipartGET',
  }));
  if (resp.status < 200 || resp.status >= 300) {
    if (req.method === 'HEAD') dropBody(resp.body);
    return { error: resp };
  }
  return { items: JSON.parse((await readSmallBody(resp.body)).toString('utf8')) as ListedObject[] };
}

/** The segments (whole or in part) covering bytes first..last of the whole, page after page. */
async function* segmentPieces(
  next: App, req: SwiftRequest, m: Manifest, firstPage: ListedObject[], limit: number, firstByte = 0, lastByte = Infinity,
): AsyncGenerator<SegmentPiece> {
  let page = firstPage;
  for (;;) {
    for (const seg of page) {
      const len = Number(seg.bytes);
      if (firstByte >= len) {
        firstByte = Math.max(firstByte - len, -1);
        lastByte = Math.max(lastByte - len, -1);
        continue;
      }
      if (lastByte < 0) return;
      yield {
        path: quotePath(`/${m.version}/${m.account}/${m.container}/${seg.name}`),
        first: firstByte <= 0 ? undefined : firstByte,
        last: lastByte >= len - 1 ? undefined : lastByte,
      };
      firstByte = Math.max(firstByte - len, -1);
      lastByte = Math.max(lastByte - len, -1);
    }
    if (page.length < limit || lastByte < 0) return;
    const more = await listSegments(next, req, m, page[page.length - 1].name);
    if (more.error) {
      dropBody(more.error.body);
      throw new SegmentError(`Got status ${more.error.status} listing container /${m.account}/${m.container}`);
    }
    page = more.items!;
  }
}

async function answerManifest(next: App, req: SwiftRequest, manifestResp: SwiftResponse, m: Manifest, conf: DloConf, ctx: PipelineContext): Promise<SwiftResponse> {
  const limit = listingLimit(ctx);
  const listed = await listSegments(next, req, m);
  if (listed.error) return listed.error;
  const segments = listed.items!;
  const complete = segments.length < limit;
  const total = segments.reduce((n, s) => n + Number(s.bytes), 0);
  const headers = { ...manifestResp.headers };
  delete headers['content-length'];
  delete headers['content-range'];
  let etag = (headers.etag ?? '').replace(/^"(.*)"$/, '$1');
  if (complete) {
    const md5 = createHash('md5');
    for (const s of segments) md5.update(s.hash.replace(/^"(.*)"$/, '$1'));
    etag = md5.digest('hex');
    headers.etag = `"${etag}"`;
  }
  // Swift honours one range only, and past the first page only when it ends inside it.
  let rangedReq = req;
  const specs = parseRange(req.headers.range);
  const single = specs?.length === 1 ? specs[0] : undefined;
  const rangeEnd = single === undefined ? Infinity : single[0] === undefined || single[1] === undefined ? Infinity : single[1] + 1;
  const rangeUsable = single !== undefined && (complete || rangeEnd < total);
  if (!rangeUsable && req.headers.range !== undefined) {
    rangedReq = { ...req, headers: { ...req.headers } };
    delete rangedReq.headers.range;
  }
  const length = complete || rangeUsable ? total : undefined;
  const resp = await answerWhole(rangedReq, {
    headers,
    length: length ?? 0,
    etag,
    body: (ranges) => {
      const [first, stop] = ranges?.[0] ?? [0, length ?? Infinity];
      const pieces = rateLimited(segmentPieces(next, req, m, segments, limit, first, stop - 1), conf.rateLimitAfterSegment, conf.rateLimitSegmentsPerSec);
      return startSegmentedBody(pieces, {
        next, req, name: req.path, logger: ctx.logger, agent: 'DLO MultipartGET', maxGetTime: conf.maxGetTime, now: ctx.now,
        bodyLength: length === undefined ? undefined : stop - first,
      });
    },
  });
  if (length === undefined) delete resp.headers['content-length'];
  return resp;
}

/** Swift's check of a PUT's X-Object-Manifest. */
function badManifestHeader(value: string | undefined): SwiftResponse | undefined {
  if (value === undefined) return undefined;
  const i = value.indexOf('/');
  const container = i === -1 ? '' : value.slice(0, i);
  const prefix = i === -1 ? '' : value.slice(i + 1);
  if (!container || !prefix || value.includes('?') || value.includes('&') || prefix.startsWith('/')) {
    return makeResponse(400, 'X-Object-Manifest must be in the format container/prefix');
  }
  return undefined;
}

export const dlo: FilterFactory = (section, ctx) => {
  const conf: DloConf = {
    maxGetTime: getInt(section, 'max_get_time', 86400),
    rateLimitAfterSegment: getInt(section, 'rate_limit_after_segment', 10),
    rateLimitSegmentsPerSec: getInt(section, 'rate_limit_segments_per_sec', 1),
  };
  return (next) => async (req) => {
    const parsed = parseSwiftPath(req.path);
    if (!parsed.ok || parsed.path.object === undefined) return next(req);
    if (req.method === 'PUT') return badManifestHeader(req.headers['x-object-manifest']) ?? next(req);
    if ((req.method !== 'GET' && req.method !== 'HEAD') || parseQuery(req.query).get('multipart-manifest') === 'get') return next(req);
    appendCsvHeader(req.headers, 'x-backend-ignore-range-if-metadata-present', 'x-object-manifest');
    const resp = await next(req);
    const value = resp.headers['x-object-manifest'];
    if (value === undefined) return resp;
    dropBody(resp.body);
    // A UTF-8 name may come raw (latin-1 text of its bytes, which unquoteBytes reads as bytes) or %-encoded.
    const decoded = unquoteBytes(value).toString('utf8');
    const i = decoded.indexOf('/');
    const m: Manifest = { version: parsed.path.version, account: parsed.path.account, container: decoded.slice(0, i), prefix: decoded.slice(i + 1) };
    try {
      return await answerManifest(next, req, resp, m, conf, ctx);
    } catch (err) {
      if (err instanceof SegmentError) return makeResponse(err.status);
      throw err;
    }
  };
};
