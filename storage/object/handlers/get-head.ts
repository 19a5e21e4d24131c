/**
 * Object GET and HEAD (Swift's `ObjectController.GET/HEAD` through swob's
 * conditional response): metadata headers, conditional requests, then
 * ranges (GET only), streaming from the open data file.
 */
import { conditionalStatus, configTrueValue, contentRange, makeBoundary, multipartBody, multipartLength, parseMatch, parseRange, rangesForLength, Timestamp } from '../../../common/index.js';
import type { OpenObject } from '../disk-file.js';
import { isSysOrUserMeta, isTransientSysmeta } from '../metadata.js';
import { resolveEtagIsAt } from '../conditional.js';
import { defaultBody, send, sendStream, type Headers } from '../responses.js';
import { headerValue, type ObjectRequest, type ObjectServer } from './context.js';
import { openDiskFile, readTimestamp } from './shared.js';
import { DiskFileQuarantinedError } from '../errors.js';
import { VERIFIED_TAIL_BYTES, VERIFIED_TAIL_HEADER } from '../verified-read.js';
import type { Readable } from 'node:stream';

export async function handleGetHead(s: ObjectServer, r: ObjectRequest): Promise<void> {
  const now = readTimestamp(r);
  const { diskFile } = await openDiskFile(s, r);
  // Swift's keep_cache: a public request's reads stay in the page cache (if the object is under keep_cache_size), a private one's only with keep_cache_private.
  const keepCache = s.conf.keepCachePrivate || (headerValue(r.headers, 'x-auth-token') === undefined && headerValue(r.headers, 'x-storage-token') === undefined);
  const openExpired = configTrueValue(headerValue(r.headers, 'x-backend-replication') ?? 'false');
  const state = await diskFile.open(now, { openExpired, keepCache });
  if (state.status !== 'exists') {
    if (state.status === 'expired') await state.object.close();
    const headers: Headers = {};
    if (state.status === 'expired' || state.status === 'deleted') headers['X-Backend-Timestamp'] = state.timestamp.internal;
    const ifMatch = parseMatch(headerValue(r.headers, 'if-match'));
    if (ifMatch?.has('*')) return send(r.res, 412, headers, '');
    return send(r.res, 404, headers);
  }
  const object = state.object;
  // Taken now: a response detaches from its socket once it finished.
  const socket = r.res.socket;
  try {
    await respond(s, r, object);
    // A streamed body found rotten ended short, and all of it reached the
    // kernel ('finish'): the cut now lands exactly there (a FIN after it).
    if (object.quarantined) socket?.destroy();
  } catch (err) {
    // Found rotten before anything was sent (a small object's bytes read at
    // open): quarantined, so not here, as Swift answers once it quarantined.
    if (!(err instanceof DiskFileQuarantinedError) || r.res.headersSent) throw err;
    await object.close();
    return send(r.res, 404);
  } finally {
    await object.close();
  }
}

/**
 * The body of bytes [start, stop): from memory when read at open, else
 * streamed. A streamed read of the whole object holds its last bytes until
 * its MD5 matched, and says so (see verified-read.ts).
 */
function body(object: OpenObject, start: number, stop: number, headers: Headers): Buffer | Readable {
  const bytes = object.bytes(start, stop);
  if (bytes) return bytes;
  if (start === 0 && stop === object.contentLength) headers[VERIFIED_TAIL_HEADER] = VERIFIED_TAIL_BYTES;
  return object.read(start, stop);
}

/** The headers Swift's object server answers a GET/HEAD with. */
function objectHeaders(s: ObjectServer, object: OpenObject): Headers {
  const m = object.metadata;
  const headers: Headers = { 'Content-Type': m['Content-Type'] ?? 'application/octet-stream' };
  for (const [key, value] of Object.entries(m)) {
    if (isSysOrUserMeta(key) || isTransientSysmeta(key) || s.conf.allowedHeaders.has(key.toLowerCase())) headers[key] = value;
  }
  const ts = Timestamp.parse(m['X-Timestamp']);
  headers.Etag = `"${m.ETag}"`;
  headers['Last-Modified'] = ts.httpDate;
  headers['Content-Length'] = object.contentLength;
  if (m['Content-Encoding'] !== undefined) headers['Content-Encoding'] = m['Content-Encoding'];
  headers['X-Timestamp'] = ts.normal;
  headers['X-Backend-Timestamp'] = ts.internal;
  headers['X-Backend-Data-Timestamp'] = object.dataTimestamp.internal;
  headers['X-Backend-Durable-Timestamp'] = object.dataTimestamp.internal;
  return headers;
}

async function respond(s: ObjectServer, r: ObjectRequest, object: OpenObject): Promise<void> {
  const headers = objectHeaders(s, object);
  const size = object.contentLength;
  const lastModified = Math.ceil(Timestamp.parse(object.metadata['X-Timestamp']).seconds);
  const etag = resolveEtagIsAt(r.headers, object.metadata) ?? object.metadata.ETag;
  const cond = conditionalStatus(r.headers, true, etag, lastModified);
  if (cond) {
    headers['Content-Length'] = 0;
    return sendStream(r.res, cond, headers);
  }
  if (r.method === 'HEAD') return sendStream(r.res, 200, headers);

  let rangeHeader = headerValue(r.headers, 'range');
  const ignoreIf = (headerValue(r.headers, 'x-backend-ignore-range-if-metadata-present') ?? '')
    .split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  if (ignoreIf.length && Object.keys(object.metadata).some((k) => ignoreIf.includes(k.toLowerCase()))) rangeHeader = undefined;
  const specs = parseRange(rangeHeader);
  if (specs && specs.length > 0) {
    const ranges = rangesForLength(specs, size);
    if (ranges.length === 0) {
      const body = defaultBody(416);
      headers['Content-Range'] = `bytes */${size}`;
      headers['Content-Length'] = Buffer.byteLength(body);
      r.res.writeHead(416, 'Requested Range Not Satisfiable', headers);
      r.res.end(body);
      return;
    }
    if (size > 0 && ranges.length === 1) {
      const [start, stop] = ranges[0];
      headers['Content-Range'] = contentRange(start, stop, size);
      headers['Content-Length'] = stop - start;
      return sendStream(r.res, 206, headers, body(object, start, stop, headers));
    }
    if (size > 0) {
      const boundary = makeBoundary();
      const ctype = String(headers['Content-Type']);
      headers['Content-Type'] = `multipart/byteranges;boundary=${boundary}`;
      headers['Content-Length'] = multipartLength(ranges, boundary, ctype, size);
      return sendStream(r.res, 206, headers, multipartBody(ranges, boundary, ctype, size, (a, b) => object.read(a, b)));
    }
  }
  return sendStream(r.res, 200, headers, body(object, 0, size, headers));
}
