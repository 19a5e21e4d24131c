/**
 * Legacy versioned writes (Swift's `versioned_writes/legacy.py`): a
 * container with `X-Versions-Location` (stack mode) or `X-History-Location`
 * (history mode) names a second container; before an object is overwritten
 * its current copy goes there as `<len(name) in 3 hex><name>/<timestamp>`.
 * A DELETE in stack mode restores the newest copy (popping it); in history
 * mode it leaves a delete marker there instead.
 */
import type { App, Headers, PipelineContext, SwiftRequest, SwiftResponse } from '../../types.js';
import { Timestamp } from '../../../common/index.js';
import { makeResponse, dropBody } from '../../response.js';
import { unquoteBytes } from '../../request-path.js';
import { containerInfo, isSuccess, readJsonListing, subrequest } from '../subrequest.js';
import { Answer, copyVersion, getSource, plain } from './shared.js';

export const DELETE_MARKER_CONTENT_TYPE = 'application/x-deleted;swift_versions_deleted=1';
const CLIENT_VERSIONS_LOC = 'x-versions-location';
const CLIENT_HISTORY_LOC = 'x-history-location';
const SYSMETA_VERSIONS_LOC = 'x-container-sysmeta-versions-location';
const SYSMETA_VERSIONS_MODE = 'x-container-sysmeta-versions-mode';

const configTrue = (v: string | undefined): boolean => /^(true|1|yes|on|t|y)$/i.test((v ?? '').trim());

/** Swift's `check_container_format`: a container name without a slash. */
function checkContainerFormat(name: string): string {
  if (!name) throw plain(412, 'Container name cannot be empty');
  if (name.includes('/')) throw plain(412, 'Container name cannot contain slashes');
  return name;
}

/** `%03x%s/`: the name's length in UTF-8 bytes (Swift's WSGI string), then the name. */
function versionsPrefix(object: string): string {
  return `${Buffer.byteLength(object, 'utf8').toString(16).padStart(3, '0')}${object}/`;
}

/** A version's name in the versions container: the prefix, then the version's timestamp. */
export function legacyVersionName(object: string, ts: Timestamp): string {
  return versionsPrefix(object) + ts.internal;
}

/** A container PUT/POST: the client's location headers become sysmeta. */
export async function legacyContainerRequest(next: App, req: SwiftRequest, enabled: boolean): Promise<SwiftResponse> {
  const h = req.headers;
  if (h[CLIENT_VERSIONS_LOC] !== undefined && h[CLIENT_HISTORY_LOC] !== undefined) {
    if (!h[CLIENT_HISTORY_LOC]) delete h[CLIENT_HISTORY_LOC];
    else if (h[CLIENT_VERSIONS_LOC]) {
      throw plain(400, `Only one of ${CLIENT_VERSIONS_LOC} or ${CLIENT_HISTORY_LOC} may be specified`);
    } else delete h[CLIENT_VERSIONS_LOC];
  }
  if (h[CLIENT_VERSIONS_LOC] !== undefined || h[CLIENT_HISTORY_LOC] !== undefined) {
    const stack = h[CLIENT_VERSIONS_LOC] !== undefined;
    const val = stack ? h[CLIENT_VERSIONS_LOC] : h[CLIENT_HISTORY_LOC];
    if (!val) {
      h['x-remove-versions-location'] = 'x';
    } else if (!enabled && (req.method === 'PUT' || req.method === 'POST')) {
      throw plain(412, 'Versioned Writes is disabled');
    } else {
      h[SYSMETA_VERSIONS_LOC] = checkContainerFormat(val);
      h[SYSMETA_VERSIONS_MODE] = stack ? 'stack' : 'history';
      h[CLIENT_VERSIONS_LOC] = '';
      delete h['x-remove-versions-location'];
      delete h['x-remove-history-location'];
    }
    delete h[CLIENT_HISTORY_LOC];
  }
  if (h['x-remove-versions-location'] || h['x-remove-history-location']) {
    h[CLIENT_VERSIONS_LOC] = '';
    h[SYSMETA_VERSIONS_LOC] = '';
    h[SYSMETA_VERSIONS_MODE] = '';
    delete h['x-remove-versions-location'];
    delete h['x-remove-history-location'];
  }
  return legacyContainerResponse(await next(req));
}

/** The client sees its location header back (from sysmeta), by mode. */
export function legacyContainerResponse(resp: SwiftResponse): SwiftResponse {
  const location = resp.headers[SYSMETA_VERSIONS_LOC];
  if (location) {
    if (resp.headers[SYSMETA_VERSIONS_MODE] === 'history') resp.headers[CLIENT_HISTORY_LOC] = location;
    else resp.headers[CLIENT_VERSIONS_LOC] = location;
  }
  return resp;
}

interface Target {
  version: string;
  account: string;
  container: string;
  object: string;
}

/** The write ACL check Swift makes before touching versions on the client's behalf. */
async function authorizeWrite(ctx: PipelineContext, req: SwiftRequest, t: Target): Promise<void> {
  if (!req.env.authorize) return;
  const info = await containerInfo(ctx, req, t.account, t.container);
  req.acl = info.writeAcl;
  const denied = await req.env.authorize(req);
  if (denied) throw new Answer(denied);
}

function checkResponseError(resp: SwiftResponse): void {
  if (isSuccess(resp.status)) return;
  dropBody(resp.body);
  if (resp.status >= 400 && resp.status < 500) throw new Answer(makeResponse(412));
  throw new Answer(makeResponse(503));
}

/** Copies the current object (if any) into the versions container. */
async function copyCurrent(ctx: PipelineContext, next: App, req: SwiftRequest, t: Target, versionsCont: string): Promise<void> {
  await authorizeWrite(ctx, req, t);
  const path = `/${t.version}/${t.account}/${t.container}/${t.object}`;
  const source = await getSource(ctx, next, req, path);
  if (source.status === 404) {
    dropBody(source.body);
    return;
  }
  checkResponseError(source);
  const ts = sourceTimestamp(source);
  const put = await copyVersion(next, req, `/${t.version}/${t.account}/${versionsCont}/${legacyVersionName(t.object, ts)}`, source);
  checkResponseError(put);
  dropBody(put.body);
}

/** The source's X-Timestamp, or its Last-Modified when it has none. */
export function sourceTimestamp(source: SwiftResponse): Timestamp {
  const ts = Timestamp.tryParse(source.headers['x-timestamp']);
  if (ts) return ts;
  return Timestamp.parse(Math.floor(Date.parse(source.headers['last-modified'] ?? '') / 1000) || 0);
}

async function pushDeleteMarker(ctx: PipelineContext, next: App, req: SwiftRequest, t: Target, versionsCont: string): Promise<void> {
  await copyCurrent(ctx, next, req, t, versionsCont);
  const headers: Headers = { 'content-type': DELETE_MARKER_CONTENT_TYPE, 'content-length': '0' };
  if (req.headers['x-auth-token']) headers['x-auth-token'] = req.headers['x-auth-token'];
  const markerPath = `/${t.version}/${t.account}/${versionsCont}/${legacyVersionName(t.object, Timestamp.now(ctx.now))}`;
  const marker = await next(subrequest(req, { method: 'PUT', path: markerPath, headers, preAuthed: true }));
  checkResponseError(marker);
  dropBody(marker.body);
}

/** Pages of the versions container's listing under a prefix, newest first. */
async function* listingNewestFirst(next: App, req: SwiftRequest, t: Target, versionsCont: string, prefix: string): AsyncGenerator<Record<string, unknown>> {
  let marker = '';
  for (;;) {
    const query = new URLSearchParams({ prefix, marker, reverse: 'on', format: 'json' });
    const resp = await next(subrequest(req, { method: 'GET', path: `/${t.version}/${t.account}/${versionsCont}`, query: query.toString(), preAuthed: true }));
    if (!isSuccess(resp.status)) {
      dropBody(resp.body);
      if (resp.status === 404) return;
      if (resp.status >= 400 && resp.status < 500) throw new Answer(makeResponse(412));
      throw new Answer(makeResponse(500));
    }
    const page = resp.status === 204 ? [] : await readJsonListing(resp);
    if (!page || page.length === 0) return;
    for (const item of page) yield item;
    marker = String(page[page.length - 1].name);
  }
}

/** Swift's `_restore_data`: copies a version back over the object; its path, or undefined when it vanished. */
async function restoreData(ctx: PipelineContext, next: App, req: SwiftRequest, t: Target, versionsCont: string, name: string): Promise<string | undefined> {
  const getPath = `/${t.version}/${t.account}/${versionsCont}/${name}`;
  const source = await getSource(ctx, next, req, getPath);
  if (source.status === 404) {
    dropBody(source.body);
    return undefined;
  }
  checkResponseError(source);
  const put = await copyVersion(next, req, `/${t.version}/${t.account}/${t.container}/${t.object}`, source);
  checkResponseError(put);
  dropBody(put.body);
  return getPath;
}

/** Stack mode's DELETE: restore the newest version (or honour a delete marker), else delete. */
async function popVersion(ctx: PipelineContext, next: App, req: SwiftRequest, t: Target, versionsCont: string): Promise<SwiftResponse> {
  const items = listingNewestFirst(next, req, t, versionsCont, versionsPrefix(t.object));
  const auth: Headers = req.headers['x-auth-token'] ? { 'x-auth-token': req.headers['x-auth-token'] } : {};
  let final: SwiftRequest = req;
  let authed = false;
  for await (const previous of items) {
    if (!authed) {
      if (req.env.authorize) {
        const info = await containerInfo(ctx, req, t.account, t.container);
        req.acl = info.writeAcl;
        const denied = await req.env.authorize(req);
        if (denied) return denied;
      }
      authed = true;
    }
    if (previous.content_type === DELETE_MARKER_CONTENT_TYPE) {
      const head = await next(subrequest(req, { method: 'HEAD', rawPath: req.path, headers: { 'x-newest': 'True', ...auth }, preAuthed: true }));
      dropBody(head.body);
      if (head.status !== 404) {
        checkResponseError(head);
        break;
      }
      for await (const toRestore of items) {
        if (toRestore.content_type === DELETE_MARKER_CONTENT_TYPE) break;
        const restored = await restoreData(ctx, next, req, t, versionsCont, String(toRestore.name));
        if (!restored) continue;
        const del = await next(subrequest(req, { method: 'DELETE', path: restored, headers: auth, preAuthed: true }));
        dropBody(del.body);
        if (del.status !== 404) checkResponseError(del);
        break;
      }
      final = subrequest(req, { method: 'DELETE', path: `/${t.version}/${t.account}/${versionsCont}/${String(previous.name)}`, headers: auth, preAuthed: true });
    } else {
      const restored = await restoreData(ctx, next, req, t, versionsCont, String(previous.name));
      if (!restored) continue;
      final = subrequest(req, { method: 'DELETE', path: restored, headers: auth, preAuthed: true });
    }
    delete final.headers['x-if-delete-at'];
    break;
  }
  return next(final);
}

/** An object PUT or DELETE in a container with legacy versioning (or none). */
export async function legacyObjectRequest(ctx: PipelineContext, next: App, req: SwiftRequest, t: Target, allow: string | undefined): Promise<SwiftResponse> {
  let enabled = configTrue(allow);
  const info = await containerInfo(ctx, req, t.account, t.container);
  let versionsCont: string | undefined = info.sysmeta['versions-location'];
  const mode = info.sysmeta['versions-mode'] || 'stack';
  if (!versionsCont) {
    versionsCont = info.versions;
    if (!allow && versionsCont) enabled = true;
  }
  if (!enabled || !versionsCont) return next(req);
  versionsCont = unquoteBytes(versionsCont).toString('utf8').split('/')[0];
  if (req.method === 'PUT') {
    await copyCurrent(ctx, next, req, t, versionsCont);
    return next(req);
  }
  if (mode === 'history') {
    await pushDeleteMarker(ctx, next, req, t, versionsCont);
    return next(req);
  }
  return popVersion(ctx, next, req, t, versionsCont);
}
