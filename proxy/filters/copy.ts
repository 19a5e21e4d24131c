/**
 * copy: server-side copies as Swift's filter of that name. `COPY` with
 * `Destination` (and `Destination-Account`) becomes a PUT with
 * `X-Copy-From` (and `X-Copy-From-Account`); a PUT with `X-Copy-From`
 * becomes a GET of the source (the client's request as a GET: its Range,
 * conditions and query go along, with `X-Newest`) whose body is PUT at the
 * destination, both as subrequests through the rest of the pipeline (so
 * both are authorized). A large object's copy is of its data (its etag is
 * not the data's MD5, so none is sent to check); with
 * `?multipart-manifest=get` it is of the manifest itself (an SLO's as
 * `format=raw` PUT back with `multipart-manifest=put`, a DLO's
 * X-Object-Manifest).
 */
import { Readable } from 'node:stream';
import type { FilterFactory, Headers, SwiftRequest, SwiftResponse, App, PipelineContext } from '../types.js';
import { dropBody, makeResponse } from '../response.js';
import { parseQuery, parseSwiftPath, unquoteBytes } from '../request-path.js';
import { quotePath } from '../../common/index.js';

/** Thrown to answer with a response (Swift raises HTTPPreconditionFailed). */
class Answer extends Error {
  constructor(readonly response: SwiftResponse) {
    super(`copy: ${response.status}`);
  }
}

/**
 * Swift's `check_path_header(req, name, 2, msg)`: a percent-encoded
 * `[/]container/object` header value; split_path(hdr, 2, 2, True) wants a
 * non-empty container and a non-empty rest (the object, slashes and all).
 */
function containerObject(value: string, message: string): { container: string; object: string } {
  let path = unquoteBytes(value).toString('utf8');
  if (!path.startsWith('/')) path = `/${path}`;
  const m = /^\/([^/]+)\/(.+)$/s.exec(path);
  if (!m) throw new Answer(makeResponse(412, message));
  return { container: m[1], object: m[2] };
}

/** Swift's `check_account_format`: a percent-encoded account name from a header. */
function accountFrom(value: string): string {
  const name = unquoteBytes(value).toString('utf8');
  if (!name) throw new Answer(makeResponse(412, 'Account name cannot be empty'));
  if (name.includes('/')) throw new Answer(makeResponse(412, 'Account name cannot contain slashes'));
  return name;
}

const TRUE = new Set(['true', '1', 'yes', 'on', 't', 'y']);
/** Source headers Swift does not carry to the copy (besides the framing ones). */
const NOT_FROM_SOURCE = new Set(['x-static-large-object', 'x-object-manifest', 'etag', 'content-type', 'x-timestamp', 'x-backend-timestamp']);
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'content-range']);
const isObjectSysmeta = (k: string) => k.startsWith('x-object-sysmeta-');
/** Swift's `_copy_headers`: what the copy's response repeats of the new object's headers. */
const isCopiedMeta = (k: string) => k.startsWith('x-object-meta-') || isObjectSysmeta(k) || k.startsWith('x-object-transient-sysmeta-') || k === 'x-delete-at';

function withQuery(params: Map<string, string>): string {
  return [...params].map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&');
}

async function copyFrom(next: App, ctx: PipelineContext, req: SwiftRequest, version: string, account: string): Promise<SwiftResponse> {
  if (req.headers['content-length'] && Number(req.headers['content-length']) !== 0) {
    return makeResponse(400, 'Copy requests require a zero byte body', { 'content-type': 'text/plain' });
  }
  const srcAccount = req.headers['x-copy-from-account'] ? accountFrom(req.headers['x-copy-from-account']) : account;
  const src = containerObject(req.headers['x-copy-from'], 'X-Copy-From header must be of the form <container name>/<object name>');
  const sourcePath = `/${version}/${srcAccount}/${src.container}/${src.object}`;

  // The client's request as a GET (Swift's copy_get): its headers, Range and conditions included.
  const getHeaders: Headers = { ...req.headers, 'x-newest': 'true' };
  delete getHeaders['x-backend-storage-policy-index'];
  delete getHeaders['content-length'];
  delete getHeaders['transfer-encoding'];
  const params = parseQuery(req.query);
  let getQuery = req.query;
  if (params.get('multipart-manifest') === 'get') getQuery = withQuery(new Map([...params, ['format', 'raw']]));
  const source = await next({ ...req, method: 'GET', path: quotePath(sourcePath), query: getQuery, headers: getHeaders, body: undefined });
  if (source.status >= 300) return source;
  const length = source.headers['content-length'];
  const maxFileSize = Number((ctx.info.swift as { max_file_size?: number } | undefined)?.max_file_size ?? 5368709122);
  if (length === undefined || Number(length) > maxFileSize) {
    dropBody(source.body);
    return makeResponse(413);
  }

  // The sink starts as the client's request (Swift builds it on the same environ).
  const sink: Headers = { ...req.headers };
  if (TRUE.has((req.headers['x-fresh-metadata'] ?? 'false').toLowerCase())) {
    for (const [k, v] of Object.entries(source.headers)) if (isObjectSysmeta(k)) sink[k] = v;
    for (const [k, v] of Object.entries(req.headers)) if (isObjectSysmeta(k)) sink[k] = v;
  } else {
    for (const [k, v] of Object.entries(source.headers)) {
      if (!NOT_FROM_SOURCE.has(k) && !FRAMING.has(k) && !k.startsWith('x-backend-')) sink[k] = v;
    }
    Object.assign(sink, req.headers);
  }
  const isSlo = source.headers['x-static-large-object'] !== undefined;
  const isDlo = source.headers['x-object-manifest'] !== undefined;
  const sinkParams = new Map(params);
  if (sinkParams.get('multipart-manifest') === 'get') {
    if (isSlo) sinkParams.set('multipart-manifest', 'put');
    if (isDlo) {
      sinkParams.delete('multipart-manifest');
      sink['x-object-manifest'] = source.headers['x-object-manifest'];
    }
  }
  sinkParams.delete('version-id');
  const sinkQuery = params.has('version-id') || params.get('multipart-manifest') === 'get' ? withQuery(sinkParams) : req.query;
  if (source.status === 200 && !isSlo && (!isDlo || params.get('multipart-manifest') === 'get')) {
    // The source's ETag verifies the copied bytes (not for a 206 of a Range: it names the whole).
    if (source.headers.etag) sink.etag = source.headers.etag;
  } else {
    for (const k of Object.keys(sink)) if (k.startsWith('x-object-sysmeta-container-update-override-')) delete sink[k];
  }
  delete sink['x-copy-from'];
  delete sink['x-copy-from-account'];
  if (!req.headers['content-type'] && source.headers['content-type']) sink['content-type'] = source.headers['content-type'];
  sink['content-length'] = length;

  const copied: Headers = {
    'x-copied-from-account': quotePath(srcAccount),
    'x-copied-from': quotePath(`${src.container}/${src.object}`),
  };
  if (source.headers['last-modified']) copied['x-copied-from-last-modified'] = source.headers['last-modified'];
  if (source.headers['x-object-version-id']) copied['x-copied-from-version-id'] = source.headers['x-object-version-id'];
  for (const [k, v] of Object.entries(sink)) if (isCopiedMeta(k)) copied[k] = v;

  const body = source.body;
  const resp = await next({
    ...req,
    method: 'PUT',
    query: sinkQuery,
    headers: sink,
    body: body === undefined || body instanceof Readable ? body : Readable.from([Buffer.from(body)]),
  });
  if (resp.status >= 200 && resp.status < 300) Object.assign(resp.headers, copied);
  else dropBody(body); // nobody will read the rest of the source
  return resp;
}

export const copy: FilterFactory = (_conf, ctx) => (next) => async (req) => {
  const parsed = parseSwiftPath(req.path);
  if (!parsed.ok || parsed.path.object === undefined) return next(req);
  const { version, account, container, object } = parsed.path;
  try {
    if (req.method === 'COPY') {
      const destHeader = req.headers.destination;
      if (!destHeader) return makeResponse(412, 'Destination header required');
      const headers: Headers = { ...req.headers };
      let destAccount = account;
      if (req.headers['destination-account'] !== undefined) {
        destAccount = accountFrom(req.headers['destination-account']);
        headers['x-copy-from-account'] = quotePath(account);
        delete headers['destination-account'];
      }
      const dest = containerObject(destHeader, 'Destination header must be of the form <container name>/<object name>');
      headers['content-length'] = '0';
      headers['x-copy-from'] = quotePath(`/${container}/${object}`);
      delete headers.destination;
      const putReq: SwiftRequest = {
        ...req,
        method: 'PUT',
        path: quotePath(`/${version}/${destAccount}/${dest.container}/${dest.object}`),
        headers,
        body: undefined,
      };
      return await copyFrom(next, ctx, putReq, version, destAccount);
    }
    if (req.method === 'PUT' && req.headers['x-copy-from'] !== undefined) {
      return await copyFrom(next, ctx, req, version, account);
    }
  } catch (err) {
    if (err instanceof Answer) return err.response;
    throw err;
  }
  return next(req);
};
