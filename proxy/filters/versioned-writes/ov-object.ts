/**
 * Object versioning's object requests (Swift's `object_versioning.ObjectContext`):
 * in a versioned container every PUT stores its data as a new version in
 * the hidden versions container and makes the object a link to it; a DELETE
 * writes a delete marker version; `?version-id=` reads, deletes or restores
 * (PUT) one version; responses carry `X-Object-Version-Id`.
 */
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { App, Headers, PipelineContext, SwiftRequest, SwiftResponse } from '../../types.js';
import { quotePath, Timestamp } from '../../../common/index.js';
import { makeResponse, dropBody } from '../../response.js';
import { unquoteBytes } from '../../request-path.js';
import { containerInfo, isSuccess, subrequest } from '../subrequest.js';
import { ALLOW_RESERVED_NAMES, SYMLOOP_EXTEND, TGT_ACCT, TGT_BYTES_SYSMETA, TGT_ETAG_SYSMETA, TGT_OBJ } from '../symlink.js';
import { Answer, copyVersion, getSource } from './shared.js';
import { sourceTimestamp } from './legacy.js';
import { DELETE_MARKER_CONTENT_TYPE, splitVersionFromName, versionsObjectName } from './names.js';

export const SYSMETA_VERSIONS_SYMLINK = 'x-object-sysmeta-versions-symlink';
const RESERVED_HEADER = { 'x-backend-allow-reserved-names': 'true' };
const NO_VERSIONS_CONTAINER = 'The versions container does not exist. You may want to re-enable object versioning.';

export interface ObjectTarget {
  version: string;
  account: string;
  container: string;
  object: string;
}

const unquote = (s: string): string => unquoteBytes(s).toString('utf8');
const text = (status: number, body: string): Answer => new Answer(makeResponse(status, body, { 'content-type': 'text/plain' }));

/** Swift's `_check_response_error` (object versioning's): 404 → 412, other 4xx as they are, else 503. */
function checkResponseError(resp: SwiftResponse): void {
  if (isSuccess(resp.status)) return;
  if (resp.status >= 400 && resp.status < 500) {
    if (resp.status === 404) {
      dropBody(resp.body);
      throw new Answer(makeResponse(412));
    }
    throw new Answer(resp);
  }
  dropBody(resp.body);
  throw new Answer(makeResponse(503));
}

/** The request's X-Timestamp, stamped now when the client sent none (Swift's `ensure_x_timestamp`). */
function ensureTimestamp(ctx: PipelineContext, req: SwiftRequest): Timestamp {
  const given = Timestamp.tryParse(req.headers['x-timestamp']);
  const ts = given ?? Timestamp.now(ctx.now);
  req.headers['x-timestamp'] = ts.internal;
  return ts;
}

function versionsPath(t: ObjectTarget, versionsCont: string, name: string): string {
  return `/${t.version}/${t.account}/${versionsCont}/${name}`;
}

/** The current object, if it is not already a link to a version, becomes a version. */
async function copyCurrent(ctx: PipelineContext, next: App, req: SwiftRequest, t: ObjectTarget, versionsCont: string): Promise<void> {
  if (req.env.authorize) {
    const info = await containerInfo(ctx, req, t.account, t.container);
    req.acl = info.writeAcl;
    const denied = await req.env.authorize(req);
    if (denied) throw new Answer(denied);
  }
  const source = await getSource(ctx, next, req, `/${t.version}/${t.account}/${t.container}/${t.object}`);
  if (source.status === 404) {
    dropBody(source.body);
    return;
  }
  checkResponseError(source);
  if (source.headers[SYSMETA_VERSIONS_SYMLINK] === 'true') {
    dropBody(source.body);
    return;
  }
  const name = versionsObjectName(t.object, sourceTimestamp(source));
  const put = await copyVersion(next, req, versionsPath(t, versionsCont, name), source, { ...RESERVED_HEADER });
  dropBody(put.body);
  if (put.status === 404) throw text(500, NO_VERSIONS_CONTAINER);
  checkResponseError(put);
}

/** Counts the bytes of a stream as they pass. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/** The client's PUT stored as a new version; then the object becomes a link to it. */
async function handlePut(ctx: PipelineContext, next: App, req: SwiftRequest, t: ObjectTarget, versionsCont: string, enabled: boolean): Promise<SwiftResponse> {
  if (!enabled) return next(req);
  await copyCurrent(ctx, next, req, t, versionsCont);
  const ts = ensureTimestamp(ctx, req);
  const name = versionsObjectName(t.object, ts);
  const headers: Headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (k !== 'x-delete-at' && k !== 'x-delete-after') headers[k] = v;
  Object.assign(headers, RESERVED_HEADER);
  const counter = new ByteCounter();
  let body: Readable | undefined;
  if (req.body) {
    // Errors reach the PUT below through the counter; a 2xx means it read all.
    pipeline(req.body, counter).catch(() => undefined);
    body = counter;
  }
  const sub = subrequest(req, { method: 'PUT', path: versionsPath(t, versionsCont, name), headers, body, preAuthed: true, agent: 'OV' });
  // The client's body goes to the version: so do the footers a filter above has for it.
  sub.updateFooters = req.updateFooters;
  const put = await next(sub);
  dropBody(put.body);
  if (put.status === 404) throw text(500, NO_VERSIONS_CONTAINER);
  checkResponseError(put);
  const putBytes = headers['x-object-sysmeta-slo-size'] || String(counter.bytes);
  const contentType = (headers['content-type'] ?? '').split(';')[0].trim();
  return putSymlinkToVersion(next, req, versionsCont, name, put.headers.etag ?? '', putBytes, contentType, ts);
}

/** Makes the object a link to a version (Swift's `_put_symlink_to_version`). */
async function putSymlinkToVersion(
  next: App, req: SwiftRequest, versionsCont: string, name: string, etag: string, bytes: string, contentType: string, ts: Timestamp,
): Promise<SwiftResponse> {
  const h: Headers = { ...req.headers };
  for (const k of ['etag', 'x-if-delete-at', TGT_ACCT, 'x-object-manifest', 'x-static-large-object', 'x-object-sysmeta-slo-etag', 'x-object-sysmeta-slo-size', 'transfer-encoding']) delete h[k];
  Object.assign(h, {
    'x-timestamp': ts.withOffset(1n).internal,
    [TGT_ETAG_SYSMETA]: etag,
    [TGT_BYTES_SYSMETA]: bytes,
    'content-type': contentType,
    [TGT_OBJ]: quotePath(`${versionsCont}/${name}`),
    [SYSMETA_VERSIONS_SYMLINK]: 'true',
    [SYMLOOP_EXTEND]: 'true',
    [ALLOW_RESERVED_NAMES]: 'true',
    ...RESERVED_HEADER,
    'content-length': '0',
  });
  const resp = await next({ ...req, method: 'PUT', query: '', headers: h, body: Readable.from([]) });
  resp.headers.etag = etag;
  resp.headers['x-object-version-id'] = splitVersionFromName(name).version!.internal;
  return resp;
}

async function handleDelete(ctx: PipelineContext, next: App, req: SwiftRequest, t: ObjectTarget, versionsCont: string, enabled: boolean): Promise<SwiftResponse> {
  if (!enabled) return next(req);
  await copyCurrent(ctx, next, req, t, versionsCont);
  const ts = ensureTimestamp(ctx, req);
  const markerName = versionsObjectName(t.object, ts);
  const headers: Headers = { 'content-type': DELETE_MARKER_CONTENT_TYPE, 'content-length': '0', ...RESERVED_HEADER };
  if (req.headers['x-auth-token']) headers['x-auth-token'] = req.headers['x-auth-token'];
  const marker = await next(subrequest(req, { method: 'PUT', path: versionsPath(t, versionsCont, markerName), headers, body: Readable.from([]), preAuthed: true, agent: 'OV' }));
  checkResponseError(marker);
  dropBody(marker.body);
  const resp = await next(req);
  if (isSuccess(resp.status) || resp.status === 404) {
    resp.headers['x-object-version-id'] = splitVersionFromName(markerName).version!.internal;
    resp.headers['x-backend-content-type'] = DELETE_MARKER_CONTENT_TYPE;
  }
  return resp;
}

/** A POST that hit the link to a version is applied to the version itself. */
async function handlePost(next: App, req: SwiftRequest, t: ObjectTarget, versionsCont: string): Promise<SwiftResponse> {
  const resp = await next(req);
  if (resp.status !== 307 || !/^(true|1|yes|on|t|y)$/i.test(resp.headers[SYSMETA_VERSIONS_SYMLINK] ?? 'false')) return resp;
  const location = resp.headers.location ?? '';
  const parts = unquote(location).split('/');
  if (parts[2] !== t.account || parts[3] !== versionsCont) return resp;
  dropBody(resp.body);
  const headers: Headers = { ...RESERVED_HEADER };
  for (const [k, v] of Object.entries(req.headers)) if (k !== 'x-delete-at' && k !== 'x-delete-after') headers[k] = v;
  Object.assign(headers, RESERVED_HEADER);
  return next(subrequest(req, { method: 'POST', rawPath: location, headers, preAuthed: true, agent: 'OV' }));
}

/** GET/HEAD/PUT/POST/DELETE of an object in a container with a versions container. */
export async function handleObjectRequest(ctx: PipelineContext, next: App, req: SwiftRequest, t: ObjectTarget, versionsCont: string, enabled: boolean): Promise<SwiftResponse> {
  if (req.method === 'PUT') return handlePut(ctx, next, req, t, versionsCont, enabled);
  if (req.method === 'POST') return handlePost(next, req, t, versionsCont);
  if (req.method === 'DELETE') return handleDelete(ctx, next, req, t, versionsCont, enabled);
  const resp = await next(req);
  resp.headers['x-object-version-id'] = 'null';
  const loc = unquote(resp.headers['content-location'] ?? '');
  if (loc) {
    const parts = loc.split('/');
    if (parts.length >= 5 && parts[2] === t.account && parts[3] === versionsCont) {
      const { version } = splitVersionFromName(parts.slice(4).join('/'));
      if (version) {
        resp.headers['x-object-version-id'] = version.internal;
        resp.headers['content-location'] = quotePath(`/${t.version}/${t.account}/${t.container}/${t.object}`) + `?version-id=${version.internal}`;
      }
    }
  }
  const target = unquote(resp.headers[TGT_OBJ] ?? '');
  if (target) {
    const slash = target.indexOf('/');
    if (slash > 0 && target.slice(0, slash) === versionsCont) {
      const { version } = splitVersionFromName(target.slice(slash + 1));
      if (version) {
        resp.headers['x-object-version-id'] = version.internal;
        resp.headers[TGT_OBJ] = quotePath(`${t.container}/${t.object}`) + `?version-id=${version.internal}`;
      }
    }
  }
  return resp;
}

/** HEAD of the object as stored: whether it is gone, and the version it links to. */
async function checkHead(next: App, req: SwiftRequest): Promise<{ tombstone: boolean; symlinkTarget?: string }> {
  const headers: Headers = { 'x-newest': 'True' };
  if (req.headers['x-auth-token']) headers['x-auth-token'] = req.headers['x-auth-token'];
  const head = await next(subrequest(req, { method: 'HEAD', rawPath: req.path, query: 'symlink=get', headers, preAuthed: true, agent: 'OV' }));
  dropBody(head.body);
  if (head.status === 404) return { tombstone: true };
  checkResponseError(head);
  return { tombstone: false, symlinkTarget: head.headers[SYSMETA_VERSIONS_SYMLINK] === 'true' ? head.headers[TGT_OBJ] : undefined };
}

async function deleteVersion(next: App, req: SwiftRequest, t: ObjectTarget, versionsCont: string, version: string): Promise<SwiftResponse> {
  const { tombstone, symlinkTarget } = await checkHead(next, req);
  const versionsObj = versionsObjectName(t.object, version);
  let currentVersionId = 'null';
  if (tombstone || !symlinkTarget || unquote(symlinkTarget) !== `${versionsCont}/${versionsObj}`) {
    if (!tombstone && symlinkTarget) {
      const linked = unquote(symlinkTarget);
      currentVersionId = splitVersionFromName(linked.slice(linked.indexOf('/') + 1)).version?.internal ?? 'null';
    }
  } else {
    // The current object links to the version going away: it goes too.
    const link = await next({ ...req, query: '' });
    checkResponseError(link);
    dropBody(link.body);
  }
  const resp = await next({ ...req, path: quotePath(versionsPath(t, versionsCont, versionsObj)), query: '', headers: { ...req.headers, ...RESERVED_HEADER } });
  resp.headers['x-object-version-id'] = version;
  resp.headers['x-object-current-version-id'] = currentVersionId;
  return resp;
}

/** PUT ?version-id=: the object becomes a link to that (existing) version again. */
async function restoreVersion(ctx: PipelineContext, next: App, req: SwiftRequest, t: ObjectTarget, versionsCont: string, version: string): Promise<SwiftResponse> {
  const cl = req.headers['content-length'];
  let hasBody = cl !== undefined ? Number(cl) !== 0 : false;
  if (cl === undefined && req.body) for await (const chunk of req.body) if ((chunk as Buffer).length) hasBody = true;
  if (hasBody) throw text(400, 'PUT version-id requests require a zero byte body');
  const name = versionsObjectName(t.object, version);
  const head = await next(subrequest(req, { method: 'HEAD', path: versionsPath(t, versionsCont, name), query: 'symlink=get', headers: { ...RESERVED_HEADER }, preAuthed: true, agent: 'OV' }));
  dropBody(head.body);
  if (head.status === 404) {
    const info = await containerInfo(ctx, subrequest(req, { method: 'HEAD', headers: { ...RESERVED_HEADER }, preAuthed: true, agent: 'OV' }), t.account, versionsCont);
    if (isSuccess(info.status)) throw text(404, 'The specified version does not exist');
    throw text(500, NO_VERSIONS_CONTAINER);
  }
  checkResponseError(head);
  const ts = ensureTimestamp(ctx, req);
  return putSymlinkToVersion(next, req, versionsCont, name, head.headers.etag ?? '', head.headers['content-length'] ?? '0', head.headers['content-type'] ?? '', ts);
}

/** Any request with `?version-id=`. */
export async function handleVersionedRequest(
  ctx: PipelineContext, next: App, req: SwiftRequest, t: ObjectTarget, versionsCont: string, version: string,
): Promise<SwiftResponse | undefined> {
  if (req.method === 'POST') throw new Answer(makeResponse(400, 'POST to a specific version is not allowed'));
  if (!versionsCont && version !== 'null') throw new Answer(makeResponse(400, 'version-aware operations require that the container is versioned'));
  if (version !== 'null') {
    const ts = Timestamp.tryParse(version);
    if (!ts || ts.offset > 0n) throw new Answer(makeResponse(400, 'Invalid version parameter'));
  }
  if (req.method === 'DELETE') return version === 'null' ? undefined : deleteVersion(next, req, t, versionsCont, version);
  if (req.method === 'PUT') return restoreVersion(ctx, next, req, t, versionsCont, version);
  if (version === 'null') {
    const resp = await next(req);
    if (isSuccess(resp.status)) {
      if (unquote(resp.headers['content-location'] ?? '').includes('\x00versions\x00')) {
        dropBody(resp.body);
        return makeResponse(404);
      }
      resp.headers['x-object-version-id'] = 'null';
    }
    return resp;
  }
  const resp = await next({ ...req, path: quotePath(versionsPath(t, versionsCont, versionsObjectName(t.object, version))), headers: { ...req.headers, ...RESERVED_HEADER } });
  if (isSuccess(resp.status)) resp.headers['x-object-version-id'] = version;
  const isMarker = (resp.headers['x-backend-content-type'] ?? resp.headers['content-type']) === DELETE_MARKER_CONTENT_TYPE;
  if (isMarker) {
    dropBody(resp.body);
    return makeResponse(404, undefined, { 'x-object-version-id': version, 'content-type': DELETE_MARKER_CONTENT_TYPE });
  }
  return resp;
}
