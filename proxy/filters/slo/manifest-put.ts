/**
 * A manifest PUT (`?multipart-manifest=put`), as Swift's slo: the body is
 * checked (manifest-input), every segment named is HEADed through slo
 * itself (so a nested manifest reports its whole size and etag) with
 * `concurrency` at a time, and checked against what the client claimed;
 * then the manifest Swift stores (name, bytes, hash, content_type,
 * last_modified, range, sub_slo per segment) is PUT with
 * `X-Static-Large-Object`, the whole's etag and size in sysmeta, and
 * `swift_bytes` on the Content-Type for listings. With `heartbeat=on` the
 * answer is a 202 at once, whitespace every `yield_frequency` seconds, and
 * the outcome in the body.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { configTrueValue, normalizeEtag, swobExplanation, type RangeSpec } from '../../../common/index.js';
import { rangesForLength } from '../../../common/index.js';
import type { App, Headers, SwiftRequest, SwiftResponse } from '../../types.js';
import { makeResponse, readSmallBody, reasonFor } from '../../response.js';
import { parseQuery } from '../../request-path.js';
import { quotePath } from '../../../common/index.js';
import { subrequest } from '../../subrequest.js';
import { guessContentType } from '../../controllers/mime.js';
import { ManifestInputError, parseManifestInput, type PathSegmentInput } from './manifest-input.js';
import { bestFormat, bulkBody, pyJson, type OutFormat } from './formats.js';
import type { SloConf } from './slo-conf.js';

export const SYSMETA_SLO_ETAG = 'x-object-sysmeta-slo-etag';
export const SYSMETA_SLO_SIZE = 'x-object-sysmeta-slo-size';
const OVERRIDE_ETAG = 'x-object-sysmeta-container-update-override-etag';

/** One segment as the stored manifest lists it (key order is Swift's). */
export interface StoredSegment {
  name?: string;
  bytes?: number;
  hash?: string;
  content_type?: string;
  last_modified?: string;
  range?: string;
  sub_slo?: boolean;
  data?: string;
}

interface Target {
  version: string;
  account: string;
  container: string;
  object: string;
}

/** The outcome, before it is rendered as a plain response or a heartbeat body. */
interface Outcome {
  status: number;
  headers: Headers;
  body: string;
  problems: [string, string][];
  etag?: string;
  lastModified?: string;
}

const statusLine = (s: number) => `${s} ${reasonFor(s)}`;

/** Reads at most `max` bytes (Swift reads `max_manifest_size` and parses what it got). */
async function readUpTo(body: Readable | undefined, max: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    n += (chunk as Buffer).length;
    if (n >= max) break;
  }
  return Buffer.concat(chunks).subarray(0, max);
}

/** `%Y-%m-%dT%H:%M:%S.%f` of an HTTP date (the listing's last_modified). */
function isoMicros(httpDate: string | undefined): string {
  const ms = httpDate ? Date.parse(httpDate) : NaN;
  const d = new Date(Number.isNaN(ms) ? Date.now() : ms);
  return d.toISOString().replace(/\.\d{3}Z$/, '.000000');
}

function checkSegment(
  input: PathSegmentInput, head: SwiftResponse, allowEmpty: boolean, problems: [string, string][],
): { length: number; stored?: StoredSegment } {
  const name = quotePath(input.path);
  if (head.status < 200 || head.status >= 300) {
    problems.push([name, statusLine(head.status)]);
    return { length: 0 };
  }
  const size = Number(head.headers['content-length'] ?? 0);
  let length = size;
  let range: string | undefined;
  if (input.rangeSpec) {
    const ranges = rangesForLength([input.rangeSpec as RangeSpec], size);
    if (ranges.length === 0) problems.push([name, 'Unsatisfiable Range']);
    else if (!(ranges[0][0] === 0 && ranges[0][1] === size)) {
      range = `${ranges[0][0]}-${ranges[0][1] - 1}`;
      length = ranges[0][1] - ranges[0][0];
    }
  }
  if (length < 1 && !allowEmpty) problems.push([name, 'Too small; each segment must be at least 1 byte.']);
  if (input.size_bytes !== undefined && input.size_bytes !== null && input.size_bytes !== size) problems.push([name, 'Size Mismatch']);
  const etag = normalizeEtag(head.headers.etag ?? '');
  if (input.etag !== undefined && input.etag !== null && input.etag !== etag) problems.push([name, 'Etag Mismatch']);
  const stored: StoredSegment = {
    name: '/' + input.path.replace(/^\/+/, ''),
    bytes: size,
    hash: etag,
    content_type: head.headers['content-type'],
    last_modified: isoMicros(head.headers['last-modified']),
  };
  if (range !== undefined) stored.range = range;
  if (configTrueValue(head.headers['x-static-large-object'])) stored.sub_slo = true;
  return { length, stored };
}

/** HEADs each distinct path, `concurrency` at a time; answers by path. */
async function headAll(self: App, req: SwiftRequest, t: Target, paths: string[], concurrency: number): Promise<Map<string, SwiftResponse>> {
  const out = new Map<string, SwiftResponse>();
  let i = 0;
  const worker = async () => {
    while (i < paths.length) {
      const p = paths[i++];
      const resp = await self(subrequest(req, {
        method: 'HEAD', path: quotePath(`/${t.version}/${t.account}/${p.replace(/^\/+/, '')}`), agent: 'SLO MultipartPUT',
      }));
      out.set(p, { status: resp.status, headers: resp.headers });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, paths.length)) }, worker));
  return out;
}

/** The whole's etag: MD5 over each segment's etag (`etag:range;` for a range, MD5 of inline data). */
export function sloEtag(segments: StoredSegment[]): string {
  const md5 = createHash('md5');
  for (const s of segments) {
    if (s.data !== undefined) md5.update(createHash('md5').update(Buffer.from(s.data, 'base64')).digest('hex'));
    else if (s.range) md5.update(`${s.hash}:${s.range};`);
    else md5.update(s.hash ?? '');
  }
  return md5.digest('hex');
}

async function validateAndWrite(next: App, self: App, req: SwiftRequest, t: Target, segments: ReturnType<typeof parseManifestInput>, conf: SloConf, format: OutFormat): Promise<Outcome> {
  const problems: [string, string][] = [];
  const paths = [...new Set(segments.flatMap((s) => ('path' in s ? [s.path] : [])))];
  const heads = await headAll(self, req, t, paths, conf.concurrency);
  const stored: StoredSegment[] = [];
  let total = 0;
  segments.forEach((s, i) => {
    if ('data' in s) {
      stored.push({ data: s.data });
      total += Buffer.from(s.data, 'base64').length;
      return;
    }
    const { length, stored: seg } = checkSegment(s, heads.get(s.path)!, i === segments.length - 1, problems);
    total += length;
    if (seg) stored.push(seg);
  });
  if (problems.length) {
    return { status: 400, headers: { 'content-type': format }, body: bulkBody(format, {}, problems, 'upload'), problems };
  }
  const etag = sloEtag(stored);
  const clientEtag = req.headers.etag ? normalizeEtag(req.headers.etag) : undefined;
  if (clientEtag && clientEtag !== etag) {
    const r = makeResponse(422);
    return { status: 422, headers: r.headers, body: String(r.body ?? ''), problems };
  }
  const json = Buffer.from(pyJson(stored));
  const jsonEtag = createHash('md5').update(json).digest('hex');
  const headers: Headers = { ...req.headers };
  delete headers['transfer-encoding'];
  delete headers['x-detect-content-type'];
  delete headers.etag;
  const [base, sep, params] = (() => {
    const v = headers[OVERRIDE_ETAG] ?? '';
    const i = v.indexOf(';');
    return i === -1 ? [v, '', ''] : [v.slice(0, i), ';', v.slice(i + 1)];
  })();
  Object.assign(headers, {
    [SYSMETA_SLO_ETAG]: etag,
    [SYSMETA_SLO_SIZE]: String(total),
    'x-static-large-object': 'True',
    etag: jsonEtag,
    'content-length': String(json.length),
    [OVERRIDE_ETAG]: `${(base || jsonEtag) + sep + params}; slo_etag=${etag}`,
    'content-type': `${req.headers['content-type'] || guessContentType(t.object)};swift_bytes=${total}`,
  });
  const resp = await next({ ...req, query: '', headers, body: Readable.from([json]) });
  const text = (await readSmallBody(resp.body, 1024 * 1024)).toString('utf8');
  if (resp.status >= 200 && resp.status < 300) resp.headers.etag = `"${etag}"`;
  return { status: resp.status, headers: resp.headers, body: text, problems, etag: resp.headers.etag, lastModified: resp.headers['last-modified'] };
}

/** The heartbeat body's final part: the outcome as Swift's resp_dict. */
function heartbeatResult(o: Outcome, format: OutFormat): string {
  const dict: Record<string, string> = { 'Response Status': statusLine(o.status) };
  if (o.status >= 200 && o.status < 300) {
    dict.Etag = o.etag ?? '';
    dict['Last Modified'] = o.lastModified ?? '';
    dict['Response Body'] = o.body;
  } else {
    dict['Response Body'] = o.status === 400 || o.status === 422 ? `${reasonFor(o.status)}\n${swobExplanation(o.status)}` : o.body;
  }
  return bulkBody(format, dict, o.problems, 'upload');
}

export async function putManifest(next: App, self: App, req: SwiftRequest, t: Target, conf: SloConf): Promise<SwiftResponse> {
  if (req.headers['x-copy-from']) return makeResponse(405, 'Multipart Manifest PUTs cannot be COPY requests');
  const cl = req.headers['content-length'];
  const chunked = (req.headers['transfer-encoding'] ?? '').toLowerCase() === 'chunked';
  if (cl === undefined && !chunked) return makeResponse(411);
  if (cl !== undefined && Number(cl) > conf.maxManifestSize) return makeResponse(413, `Manifest File > ${conf.maxManifestSize} bytes`);
  let segments;
  try {
    segments = parseManifestInput(await readUpTo(req.body, conf.maxManifestSize), `/${t.container}/${t.object}`);
  } catch (err) {
    if (!(err instanceof ManifestInputError)) throw err;
    return makeResponse(400, err.body, err.plain ? { 'content-type': 'text/plain' } : {});
  }
  if (segments.filter((s) => 'path' in s).length > conf.maxManifestSegments) {
    return makeResponse(413, `Number of object-backed segments must be <= ${conf.maxManifestSegments}`);
  }
  const format = bestFormat(req.headers.accept) ?? 'text/plain';
  if (!configTrueValue(parseQuery(req.query).get('heartbeat'))) {
    const o = await validateAndWrite(next, self, req, t, segments, conf, format);
    return { status: o.status, headers: { ...o.headers, 'content-length': String(Buffer.byteLength(o.body)) }, body: o.body };
  }
  const outcome = validateAndWrite(next, self, req, t, segments, conf, format);
  async function* beats(): AsyncGenerator<Buffer> {
    yield Buffer.from(' ');
    let settled = false;
    const done = outcome.finally(() => (settled = true));
    while (!settled) {
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, conf.yieldFrequency * 1000).unref())]);
      if (!settled) yield Buffer.from(' ');
    }
    let o: Outcome;
    try {
      o = await outcome;
    } catch {
      o = { status: 500, headers: {}, body: '', problems: [] };
    }
    yield Buffer.from('\r\n\r\n' + heartbeatResult(o, format));
  }
  return { status: 202, headers: { 'content-type': format }, body: Readable.from(beats(), { objectMode: false }) };
}
