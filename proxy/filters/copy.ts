/**
 * copy: server-side copies as Swift's filter of that name. `COPY` with
 * `Destination` (and `Destination-Account`) becomes a PUT with
 * `X-Copy-From`; a PUT with `X-Copy-From` becomes a GET of the source whose
 * body stream is PUT at the destination, both as subrequests through the
 * rest of the pipeline (so both are authorized). A large object's copy is
 * of its data (the etag is not the data's MD5, so none is sent to check);
 * with `?multipart-manifest=get` it is of the manifest itself (an SLO's as
 * `format=raw` PUT back with `multipart-manifest=put`, a DLO's
 * X-Object-Manifest).
 */
import { Readable } from 'node:stream';
import type { FilterFactory, Headers, SwiftRequest, SwiftResponse, App } from '../types.js';
import { dropBody, makeResponse } from '../response.js';
import { parseQuery, parseSwiftPath, unquoteBytes } from '../request-path.js';
import { quotePath } from '../../common/index.js';

/** Splits `[/]container/object` (percent-encoded) as Swift's `_check_path_header`. */
function containerObject(value: string): { container: string; object: string } | undefined {
  const decoded = unquoteBytes(value).toString('utf8').replace(/^\//, '');
  const i = decoded.indexOf('/');
  if (i <= 0 || i === decoded.length - 1) return undefined;
  return { container: decoded.slice(0, i), object: decoded.slice(i + 1) };
}

const SKIP_FROM_SOURCE = new Set(['x-timestamp', 'x-trans-id', 'x-openstack-request-id', 'content-length', 'date', 'accept-ranges', 'last-modified', 'x-backend-timestamp', 'x-backend-data-timestamp', 'x-backend-durable-timestamp', 'connection', 'transfer-encoding', 'x-static-large-object', 'content-range', 'x-object-manifest', 'etag']);

async function copyFrom(next: App, req: SwiftRequest, account: string, dest: { container: string; object: string }): Promise<SwiftResponse> {
  const src = containerObject(req.headers['x-copy-from']);
  if (!src) return makeResponse(412, 'X-Copy-From header must be of the form <container name>/<object name>');
  const srcAccount = req.headers['x-copy-from-account'] ? unquoteBytes(req.headers['x-copy-from-account']).toString('utf8') : account;
  if (req.headers['content-length'] && req.headers['content-length'] !== '0') {
    return makeResponse(400, 'Copy requests require a zero byte body');
  }
  const version = parseSwiftPath(req.path);
  const v = version.ok ? version.path.version : 'v1';
  const getHeaders: Headers = {};
  for (const k of ['x-auth-token', 'x-storage-token', 'referer', 'user-agent', 'x-newest']) if (req.headers[k]) getHeaders[k] = req.headers[k];
  const manifestItself = parseQuery(req.query).get('multipart-manifest') === 'get';
  const getQuery = new URLSearchParams(req.query);
  if (manifestItself) getQuery.set('format', 'raw');
  const getReq: SwiftRequest = {
    method: 'GET',
    path: quotePath(`/${v}/${srcAccount}/${src.container}/${src.object}`),
    // The client's query goes with the source GET, as Swift's copy_get:
    // `?symlink=get` copies a link itself, `?version-id=` an old version.
    query: getQuery.toString(),
    headers: getHeaders,
    remoteAddr: req.remoteAddr,
    env: req.env,
  };
  const source = await next(getReq);
  if (source.status < 200 || source.status >= 300) return source;
  // A DLO past one listing page has no length: Swift refuses to copy it.
  if (source.headers['content-length'] === undefined) {
    dropBody(source.body);
    return makeResponse(413);
  }
  const slo = source.headers['x-static-large-object'] !== undefined;
  const dlo = source.headers['x-object-manifest'] !== undefined;
  const fresh = ['true', '1', 'yes', 'on', 't', 'y'].includes((req.headers['x-fresh-metadata'] ?? '').toLowerCase());
  const putHeaders: Headers = {};
  for (const [k, val] of Object.entries(source.headers)) {
    if (SKIP_FROM_SOURCE.has(k)) continue;
    if (fresh && k.startsWith('x-object-meta-')) continue;
    putHeaders[k] = val;
  }
  for (const [k, val] of Object.entries(req.headers)) {
    if (k === 'x-copy-from' || k === 'x-copy-from-account' || k === 'x-fresh-metadata' || k === 'content-length') continue;
    putHeaders[k] = val;
  }
  putHeaders['content-length'] = source.headers['content-length'];
  if (source.status === 200 && !slo && (!dlo || manifestItself) && source.headers.etag) {
    // The copy is checked against the source's MD5.
    putHeaders.etag = source.headers.etag;
  } else {
    for (const k of Object.keys(putHeaders)) if (k.startsWith('x-object-sysmeta-container-update-override-')) delete putHeaders[k];
  }
  if (manifestItself && dlo) putHeaders['x-object-manifest'] = source.headers['x-object-manifest'];
  const body = source.body;
  const putQuery = new URLSearchParams(req.query);
  putQuery.delete('version-id');
  putQuery.delete('multipart-manifest');
  if (manifestItself && slo) putQuery.set('multipart-manifest', 'put');
  const putReq: SwiftRequest = {
    method: 'PUT',
    path: quotePath(`/${v}/${account}/${dest.container}/${dest.object}`),
    query: putQuery.toString(),
    headers: putHeaders,
    remoteAddr: req.remoteAddr,
    env: req.env,
    body: body === undefined || body instanceof Readable ? body : Readable.from([Buffer.from(body)]),
  };
  const resp = await next(putReq);
  if (resp.status >= 200 && resp.status < 300) {
    resp.headers['x-copied-from'] = quotePath(`${src.container}/${src.object}`);
    resp.headers['x-copied-from-account'] = quotePath(srcAccount);
    if (source.headers['last-modified']) resp.headers['x-copied-from-last-modified'] = source.headers['last-modified'];
    if (source.headers['x-object-version-id']) resp.headers['x-copied-from-version-id'] = source.headers['x-object-version-id'];
  } else {
    // Don't read the rest of a large source nobody wants.
    dropBody(source.body);
  }
  return resp;
}

export const copy: FilterFactory = () => (next) => async (req) => {
  const parsed = parseSwiftPath(req.path);
  if (!parsed.ok || parsed.path.object === undefined) return next(req);
  const { version, account, container, object } = parsed.path;
  if (req.method === 'COPY') {
    const destHeader = req.headers.destination;
    if (!destHeader) return makeResponse(412, 'Destination header required');
    const dest = containerObject(destHeader);
    if (!dest) return makeResponse(412, 'Destination header must be of the form <container name>/<object name>');
    const destAccount = req.headers['destination-account']
      ? unquoteBytes(req.headers['destination-account']).toString('utf8')
      : account;
    const headers: Headers = { ...req.headers, 'x-copy-from': quotePath(`/${container}/${object}`), 'content-length': '0' };
    if (destAccount !== account) headers['x-copy-from-account'] = account;
    delete headers.destination;
    delete headers['destination-account'];
    const putReq: SwiftRequest = {
      ...req,
      method: 'PUT',
      path: quotePath(`/${version}/${destAccount}/${dest.container}/${dest.object}`),
      headers,
      body: undefined,
    };
    return copyFrom(next, putReq, destAccount, dest);
  }
  if (req.method === 'PUT' && req.headers['x-copy-from'] !== undefined) {
    return copyFrom(next, req, account, { container: container!, object });
  }
  return next(req);
};
