/**
 * GET and HEAD of a manifest, as Swift's slo: the object server is asked to
 * answer conditionals against the whole's etag (`X-Backend-Etag-Is-At`) and
 * to ignore ranges on a manifest; a manifest's answer becomes the whole's
 * (Content-Length and quoted Etag of the whole, `X-Manifest-Etag`), its
 * body the segments (nested manifests expanded, only the ranges asked for).
 * `?multipart-manifest=get` is the stored manifest (`&format=raw`: as it
 * was PUT).
 */
import { createHash } from 'node:crypto';
import { configTrueValue, listFromCsv, Timestamp, type Logger } from '../../../common/index.js';
import type { App, Headers, SwiftRequest, SwiftResponse } from '../../types.js';
import { dropBody, makeResponse, readSmallBody } from '../../response.js';
import { parseQuery } from '../../request-path.js';
import { quotePath } from '../../../common/index.js';
import { appendCsvHeader, subrequest } from '../../subrequest.js';
import { answerWhole } from '../../large-object-response.js';
import { rateLimited, SegmentError, startSegmentedBody, type SegmentPiece } from '../../segmented-body.js';
import { pyJson } from './formats.js';
import { SYSMETA_SLO_ETAG, SYSMETA_SLO_SIZE, sloEtag, type StoredSegment } from './manifest-put.js';
import type { SloConf } from './slo-conf.js';

const MAX_RECURSION = 10;

interface Ctx {
  next: App;
  req: SwiftRequest;
  version: string;
  account: string;
  conf: SloConf;
  logger: Logger;
  now: () => number;
}

/** A leaf to read: a segment's bytes first..last (inclusive, of the object), or inline data. */
type Leaf = (StoredSegment & { first: number; last: number }) | { raw: Buffer; first: number; last: number };

function parseSegments(body: Buffer): StoredSegment[] {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return Array.isArray(v) ? (v as StoredSegment[]) : [];
  } catch {
    return [];
  }
}

function subSloBytes(seg: StoredSegment): number {
  const m = /;\s*swift_bytes=(\d+)/.exec(seg.content_type ?? '');
  return m ? Number(m[1]) : Number(seg.bytes ?? 0);
}

function segmentLength(seg: StoredSegment): number {
  if (seg.data !== undefined) return Buffer.from(seg.data, 'base64').length;
  if (seg.range) {
    const [a, b] = seg.range.split('-').map(Number);
    return b - a + 1;
  }
  return seg.sub_slo ? subSloBytes(seg) : Number(seg.bytes ?? 0);
}

async function fetchSubManifest(c: Ctx, name: string): Promise<StoredSegment[]> {
  const path = quotePath(`/${c.version}/${c.account}/${name.replace(/^\/+/, '')}`);
  const resp = await c.next(subrequest(c.req, { method: 'GET', path, agent: 'SLO MultipartGET' }));
  const body = await readSmallBody(resp.body);
  if (resp.status < 200 || resp.status >= 300) {
    const text = body.toString('utf8');
    throw new SegmentError(`while fetching ${c.req.path}, GET of submanifest ${path} failed with status ${resp.status} (${text.length <= 60 ? text : text.slice(0, 57) + '...'})`);
  }
  try {
    return JSON.parse(body.toString('utf8')) as StoredSegment[];
  } catch (err) {
    throw new SegmentError(`while fetching ${c.req.path}, JSON-decoding of submanifest ${path} failed with ${(err as Error).message}`);
  }
}

/** Swift's `_byterange_listing_iterator`: the leaves covering first..last of `segments`. */
async function* leaves(
  c: Ctx, segments: StoredSegment[], first: number, last: number, fetchSub: (name: string) => Promise<StoredSegment[]>, depth = 1,
): AsyncGenerator<Leaf> {
  for (const seg of segments) {
    const len = segmentLength(seg);
    if (first >= len) {
      first -= len;
      last -= len;
      continue;
    }
    if (last < 0) return;
    if (seg.data !== undefined) {
      yield { raw: Buffer.from(seg.data, 'base64'), first: Math.max(0, first), last: Math.min(len - 1, last) };
    } else {
      const [rs, re] = seg.range ? seg.range.split('-').map(Number) : [0, len - 1];
      if (seg.sub_slo) {
        if (depth >= MAX_RECURSION) throw new SegmentError(`While processing manifest ${c.req.path}, max recursion depth was exceeded`);
        const sub = await fetchSub(seg.name ?? '');
        yield* leaves(c, sub, rs + Math.max(0, first), Math.min(re, rs + last), fetchSub, depth + 1);
      } else {
        yield { ...seg, first: Math.max(0, first) + rs, last: Math.min(re, rs + last) };
      }
    }
    first -= len;
    last -= len;
  }
}

/** Every leaf of every byte range (inclusive), nested manifests fetched through a small cache. */
async function* allLeaves(c: Ctx, segments: StoredSegment[], byteranges: [number, number][]): AsyncGenerator<Leaf> {
  // A few sub-manifests are kept for ranges that revisit them, bounded so a
  // deep tree can't fill the proxy's memory (Swift keeps 20).
  const cache = new Map<string, StoredSegment[]>();
  const fetchSub = async (name: string) => {
    let got = cache.get(name);
    if (!got) {
      got = await fetchSubManifest(c, name);
      if (cache.size >= 20) cache.delete(cache.keys().next().value!);
      cache.set(name, got);
    }
    return got;
  };
  for (const [first, last] of byteranges) yield* leaves(c, segments, first, last, fetchSub);
}

async function* pieces(c: Ctx, leafs: AsyncIterable<Leaf>): AsyncGenerator<SegmentPiece> {
  for await (const l of leafs) {
    if ('raw' in l) yield { data: l.raw.subarray(l.first, l.last + 1) };
    else yield { path: quotePath(`/${c.version}/${c.account}/${(l.name ?? '').replace(/^\/+/, '')}`), etag: l.hash, size: l.bytes, first: l.first, last: l.last };
  }
}

/** The stored manifest turned back into what the client PUT (`format=raw`). */
function rawManifest(body: Buffer): Buffer {
  const out = parseSegments(body).map((s) => {
    if (s.data !== undefined) return s;
    const r: Record<string, unknown> = { path: s.name ?? null, size_bytes: s.bytes ?? null, etag: s.hash ?? null };
    if (s.range !== undefined) r.range = s.range;
    return r;
  });
  return Buffer.from(pyJson(out, true));
}

async function manifestItself(resp: SwiftResponse, raw: boolean): Promise<SwiftResponse> {
  if (!raw) return { ...resp, headers: { ...resp.headers, 'content-type': 'application/json; charset=utf-8' } };
  const json = rawManifest(await readSmallBody(resp.body));
  return {
    status: resp.status,
    headers: { ...resp.headers, 'content-length': String(json.length), etag: createHash('md5').update(json).digest('hex') },
    body: json,
  };
}

function wholeResponse(c: Ctx, manifestHeaders: Headers, segments: StoredSegment[]): Promise<SwiftResponse> {
  const headers: Headers = {};
  for (const [k, v] of Object.entries(manifestHeaders)) {
    if (k === 'etag') headers['x-manifest-etag'] = v;
    else if (k !== 'content-length' && k !== 'content-range') headers[k] = v;
  }
  const etag = manifestHeaders[SYSMETA_SLO_ETAG] ?? sloEtag(segments);
  const size = manifestHeaders[SYSMETA_SLO_SIZE];
  const length = size !== undefined ? Number(size) : segments.reduce((n, s) => n + segmentLength(s), 0);
  headers.etag = `"${etag}"`;
  // Conditionals compare the etag X-Backend-Etag-Is-At names first (s3api's
  // `<md5>-N` of a multipart upload), as Swift's resolve_etag_is_at_header.
  const conditionalEtag = listFromCsv(c.req.headers['x-backend-etag-is-at']).map((h) => manifestHeaders[h.toLowerCase()]).find((v) => v !== undefined) ?? etag;
  return answerWhole(c.req, {
    headers,
    length,
    etag: conditionalEtag,
    body: (ranges) => {
      const byteranges: [number, number][] = ranges ? ranges.map(([s, e]) => [s, e - 1]) : [[0, length - 1]];
      const limited = rateLimited(allLeaves(c, segments, byteranges), c.conf.rateLimitAfterSegment, c.conf.rateLimitSegmentsPerSec,
        (l) => !('raw' in l) && Number(l.bytes ?? 0) < c.conf.rateLimitUnderSize);
      return startSegmentedBody(pieces(c, limited), {
        next: c.next, req: c.req, name: c.req.path, logger: c.logger, agent: 'SLO MultipartGET', maxGetTime: c.conf.maxGetTime, now: c.now,
      });
    },
  });
}

export async function getOrHeadManifest(c: Ctx): Promise<SwiftResponse> {
  const { req, next } = c;
  const q = parseQuery(req.query);
  const itself = q.get('multipart-manifest') === 'get';
  if (!itself) {
    appendCsvHeader(req.headers, 'x-backend-etag-is-at', SYSMETA_SLO_ETAG);
    appendCsvHeader(req.headers, 'x-backend-ignore-range-if-metadata-present', 'x-static-large-object');
  }
  let resp = await next(req);
  if (!configTrueValue(resp.headers['x-static-large-object'])) return resp;
  if (itself) return manifestItself(resp, q.get('format') === 'raw');

  const sloEtagHeader = resp.headers[SYSMETA_SLO_ETAG];
  const sloSize = resp.headers[SYSMETA_SLO_SIZE];
  const conditional = req.headers['if-match'] !== undefined || req.headers['if-none-match'] !== undefined;
  if (sloEtagHeader && sloSize && (req.method === 'HEAD' || ((resp.status === 304 || resp.status === 412) && conditional))) {
    // The object server has answered the conditionals against the whole's etag.
    dropBody(resp.body);
    const headers: Headers = { ...resp.headers, etag: `"${sloEtagHeader}"`, 'x-manifest-etag': resp.headers.etag ?? '', 'content-length': sloSize, 'accept-ranges': 'bytes' };
    if (resp.status === 412) {
      delete headers['content-length'];
      delete headers['content-type'];
      return makeResponse(412, undefined, headers);
    }
    return { status: resp.status, headers };
  }
  if (resp.status !== 200 || req.method === 'HEAD') {
    // Not the whole manifest in hand (a HEAD, a conditional answered
    // against the manifest's own etag): fetch it plainly.
    dropBody(resp.body);
    const seen = resp.headers['x-backend-timestamp'];
    resp = await next(subrequest(req, { method: 'GET', path: req.path, agent: 'SLO MultipartGET' }));
    if (!configTrueValue(resp.headers['x-static-large-object'])) {
      const got = Timestamp.tryParse(resp.headers['x-backend-timestamp'] ?? '0');
      const before = Timestamp.tryParse(seen ?? '0');
      if (got && before && got.compare(before) >= 0) return resp;
      dropBody(resp.body);
      return makeResponse(503);
    }
  }
  const segments = parseSegments(await readSmallBody(resp.body));
  try {
    return await wholeResponse(c, resp.headers, segments);
  } catch (err) {
    if (err instanceof SegmentError) return makeResponse(err.status);
    throw err;
  }
}
