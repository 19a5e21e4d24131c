/**
 * Object versioning's container and account requests (Swift's
 * `object_versioning.ContainerContext` / `AccountContext`): enabling with
 * `X-Versions-Enabled` (creating the hidden versions container), refusing
 * to delete a container whose versions remain, a container's bytes
 * counting its versions, listings showing a version's size and etag, and
 * `?versions` listings merging the current objects with all versions.
 */
import type { App, Headers, PipelineContext, SwiftRequest, SwiftResponse } from '../../types.js';
import { makeResponse, dropBody } from '../../response.js';
import { unquoteBytes } from '../../request-path.js';
import { containerInfo, isSuccess, pythonJson, readJsonListing, subrequest } from '../subrequest.js';
import { Answer, plain } from './shared.js';
import {
  DELETE_MARKER_CONTENT_TYPE, reservedName, splitReservedName, splitVersionFromName, splitVersionsContainerName,
  versionsContainerName, versionsObjectName, versionsObjectPrefix,
} from './names.js';
import { quotePath, Timestamp } from '../../../common/index.js';

export const CLIENT_VERSIONS_ENABLED = 'x-versions-enabled';
export const SYSMETA_VERSIONS_ENABLED = 'x-container-sysmeta-versions-enabled';
export const SYSMETA_VERSIONS_CONT = 'x-container-sysmeta-versions-container';
const RESERVED_HEADER = { 'x-backend-allow-reserved-names': 'true' };
const CONTAINER_LISTING_LIMIT = 10000;
const ACCOUNT_LISTING_LIMIT = 10000;

type Item = Record<string, unknown>;

const configTrue = (v: string | undefined): boolean => /^(true|1|yes|on|t|y)$/i.test((v ?? '').trim());
const unquote = (s: string): string => unquoteBytes(s).toString('utf8');

function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Swift's `build_listing`: the parts merged in name order (stable), reversed on request, cut at `limit`. */
function buildListing(parts: Item[][], reverse: boolean, limit: number): Item[] {
  const key = (i: Item): string => String(i.subdir ?? i.name);
  const all = parts.flat();
  all.sort((a, b) => (reverse ? -1 : 1) * compareCodePoints(key(a), key(b)));
  return all.slice(0, limit);
}

function withListing(resp: SwiftResponse, items: Item[]): SwiftResponse {
  const body = Buffer.from(pythonJson(items), 'utf8');
  return { status: resp.status === 204 ? 200 : resp.status, headers: { ...resp.headers, 'content-length': String(body.length) }, body };
}

/** `Accept` allows JSON (no header allows anything). */
function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.trim().split(';').map((s) => s.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) <= 0) return false;
    return type === 'application/json' || type === 'application/*' || type === '*/*';
  });
}

function listingLimit(params: URLSearchParams, max: number): number {
  const raw = params.get('limit');
  const n = raw === null ? NaN : parseInt(raw, 10);
  return Number.isFinite(n) && n >= 0 ? Math.min(n, max) : max;
}

export interface ContainerTarget {
  version: string;
  account: string;
  container: string;
}

async function headVersions(next: App, req: SwiftRequest, t: ContainerTarget, location: string): Promise<SwiftResponse> {
  const resp = await next(subrequest(req, { method: 'HEAD', path: `/${t.version}/${t.account}/${location}`, headers: { ...RESERVED_HEADER }, preAuthed: true, agent: 'OV' }));
  dropBody(resp.body);
  return resp;
}

/** GET/HEAD (and PUT/POST without X-Versions-Enabled) of a container. */
export async function handleContainerRequest(next: App, req: SwiftRequest, t: ContainerTarget): Promise<SwiftResponse> {
  const resp = await next(req);
  const h = resp.headers;
  let location = '';
  if (h[SYSMETA_VERSIONS_ENABLED] !== undefined) h[CLIENT_VERSIONS_ENABLED] = h[SYSMETA_VERSIONS_ENABLED];
  if (h[SYSMETA_VERSIONS_CONT]) {
    location = unquote(h[SYSMETA_VERSIONS_CONT]);
    if (h['x-container-bytes-used'] !== undefined) {
      const v = await headVersions(next, req, t, location);
      if (isSuccess(v.status)) {
        h['x-container-bytes-used'] = String(Number(h['x-container-bytes-used']) + Number(v.headers['x-container-bytes-used'] ?? 0));
      }
    }
  } else if (isSuccess(resp.status)) {
    location = versionsContainerName(t.container);
  }
  if (!isSuccess(resp.status) || req.method !== 'GET') return resp;
  if (!(h['content-type'] ?? '').startsWith('application/json') && resp.status !== 204) return resp;
  const params = new URLSearchParams(req.query);
  const listing = resp.status === 204 ? [] : await readJsonListing(resp);
  if (!listing) return makeResponse(500, 'Error decoding listing');
  for (const item of listing) {
    if (item.symlink_path === undefined || item.symlink_etag === undefined || item.symlink_bytes === undefined) continue;
    const path = unquote(String(item.symlink_path));
    const parts = path.split('/');
    if (parts.length < 5) continue;
    const [, , tgtAccount, tgtContainer] = parts;
    const tgtObject = parts.slice(4).join('/');
    if (tgtContainer !== location) continue;
    const hash = String(item.hash ?? '');
    const semi = hash.indexOf(';');
    item.bytes = Number(item.symlink_bytes);
    delete item.symlink_bytes;
    item.version_symlink = true;
    item.hash = String(item.symlink_etag) + (semi < 0 ? '' : hash.slice(semi).split(';').filter((p) => p.trim()).map((p) => `; ${p.trim()}`).join(''));
    delete item.symlink_etag;
    const { name, version } = splitVersionFromName(tgtObject);
    if (version && !params.has('versions')) {
      item.symlink_path = quotePath(`/v1/${tgtAccount}/${t.container}/${name}`) + `?version-id=${version.internal}`;
    }
  }
  if (params.has('versions')) return listVersions(next, req, resp, t, location, listing);
  return withListing(resp, listing);
}

/** `?versions`: every version of every object, newest first per name, with is_latest and version_id. */
async function listVersions(next: App, req: SwiftRequest, resp: SwiftResponse, t: ContainerTarget, location: string, primary: Item[]): Promise<SwiftResponse> {
  req.env.formatListing = false;
  if (!acceptsJson(req.headers.accept)) throw new Answer(makeResponse(406));
  const params = new URLSearchParams(req.query);
  let marker = params.get('marker');
  const versionMarker = params.get('version_marker');
  if (versionMarker !== null) {
    if (marker === null) throw new Answer(makeResponse(400, 'version_marker param requires marker'));
    if (versionMarker !== 'null') {
      const ts = Timestamp.tryParse(versionMarker);
      if (!ts) throw new Answer(makeResponse(400, 'invalid version_marker param'));
      marker = versionsObjectName(marker, ts);
    }
  } else if (marker !== null) {
    marker = versionsObjectPrefix(marker) + ':';
  }
  const delimiter = params.get('delimiter') ?? '';
  if ([...delimiter].some((c) => '0123456789.\x00'.includes(c))) throw new Answer(makeResponse(400, 'invalid delimiter param'));

  const nullListing: Item[] = [];
  const subdirs = new Set<string>();
  const current = new Map<string, Item>();
  const latest = new Set<string>();
  for (const item of primary) {
    if (item.name === undefined) subdirs.add(String(item.subdir));
    else if (item.version_symlink) current.set(unquote(String(item.symlink_path)), item);
    else {
      nullListing.push({ ...item, version_id: 'null', is_latest: true });
      latest.add(String(item.name));
    }
  }
  const query = new URLSearchParams({ format: 'json' });
  if (params.has('prefix')) query.set('prefix', reservedName(params.get('prefix')!));
  if (marker) query.set('marker', marker);
  if (params.get('limit')) query.set('limit', params.get('limit')!);
  if (delimiter) query.set('delimiter', delimiter);
  if (params.get('reverse')) query.set('reverse', params.get('reverse')!);
  const vresp = await next(subrequest(req, { method: 'GET', path: `/${t.version}/${t.account}/${location}`, query: query.toString(), headers: { ...RESERVED_HEADER }, preAuthed: true, agent: 'OV' }));
  const reverse = configTrue(params.get('reverse') ?? undefined);
  const limit = listingLimit(params, CONTAINER_LISTING_LIMIT);
  if (vresp.status === 404) {
    dropBody(vresp.body);
    const broken: Item[] = [];
    for (const item of current.values()) {
      const linked = unquote(String(item.symlink_path)).split('/').slice(4).join('/');
      const { name, version } = splitVersionFromName(linked);
      if (!version) continue;
      const isLatest = !latest.has(name);
      latest.add(name);
      broken.push({
        name, is_latest: isLatest, version_id: version.internal, content_type: item.content_type,
        bytes: item.bytes, hash: item.hash, last_modified: item.last_modified,
      });
    }
    return withListing(resp, buildListing([nullListing, [...subdirs].map((s) => ({ subdir: s })), broken], reverse, limit));
  }
  if (!isSuccess(vresp.status)) return vresp;
  const listing = vresp.status === 204 ? [] : await readJsonListing(vresp);
  if (!listing) return withListing(resp, primary);
  const versions: Item[] = [];
  for (const item of listing) {
    if (item.name === undefined) {
      const parts = splitReservedName(String(item.subdir));
      subdirs.add(parts ? parts[0] : String(item.subdir));
      continue;
    }
    const { name, version } = splitVersionFromName(String(item.name));
    if (!version) continue;
    const path = `/v1/${t.account}/${location}/${String(item.name)}`;
    if (current.has(path)) {
      item.is_latest = true;
      latest.add(name);
      current.delete(path);
    } else if (item.content_type === DELETE_MARKER_CONTENT_TYPE && !latest.has(name)) {
      item.is_latest = true;
      latest.add(name);
    } else {
      item.is_latest = false;
    }
    item.name = name;
    item.version_id = version.internal;
    versions.push(item);
  }
  // Swift looks for links to versions that vanished here too, but by a path
  // that can never be a version's name, so it lists none: neither do we.
  return withListing(resp, buildListing([nullListing, versions, [...subdirs].map((s) => ({ subdir: s }))], reverse, limit));
}

/** DELETE of a container: refused while versions remain; the empty versions container goes first. */
export async function handleContainerDelete(ctx: PipelineContext, next: App, req: SwiftRequest, t: ContainerTarget): Promise<SwiftResponse> {
  const info = await containerInfo(ctx, req, t.account, t.container);
  const versionsCont = unquote(info.sysmeta['versions-container'] ?? '');
  if (versionsCont) {
    const v = await headVersions(next, req, t, versionsCont);
    if (isSuccess(v.status) && Number(v.headers['x-container-object-count'] ?? 0) > 0) {
      throw new Answer(makeResponse(409, 'Delete all versions before deleting container.'));
    } else if (!isSuccess(v.status) && v.status !== 404) {
      throw new Answer(makeResponse(500, 'Error deleting versioned container'));
    }
    const del = await next(subrequest(req, { method: 'DELETE', path: `/${t.version}/${t.account}/${versionsCont}`, headers: { ...RESERVED_HEADER }, preAuthed: true, agent: 'OV' }));
    dropBody(del.body);
    if (!isSuccess(del.status) && del.status !== 404) throw new Answer(makeResponse(500, 'Error deleting versioned container'));
  }
  return next(req);
}

/** PUT/POST with X-Versions-Enabled. */
export async function enableVersioning(ctx: PipelineContext, next: App, req: SwiftRequest, t: ContainerTarget): Promise<SwiftResponse> {
  const info = await containerInfo(ctx, req, t.account, t.container);
  if (info.sysmeta['versions-location'] || info.versions) {
    throw new Answer(makeResponse(400, 'Cannot enable object versioning on a container that is already using the legacy versioned writes feature.'));
  }
  if (info.syncTo) {
    throw new Answer(makeResponse(400, 'Cannot enable object versioning on a container configured as source of container syncing.'));
  }
  const enabled = configTrue(req.headers[CLIENT_VERSIONS_ENABLED]);
  // Python's str(bool), as Swift stores it.
  req.headers[SYSMETA_VERSIONS_ENABLED] = enabled ? 'True' : 'False';
  const versionsCont = versionsContainerName(t.container);
  const versionsPath = `/${t.version}/${t.account}/${versionsCont}`;
  if (enabled) {
    const hdrs: Headers = { ...RESERVED_HEADER };
    if (isSuccess(info.status)) {
      const policy = ctx.infoSource?.policy(info.storagePolicy);
      if (policy?.deprecated) {
        const denied = await req.env.authorize?.(req);
        if (denied) throw new Answer(denied);
        throw new Answer(makeResponse(400, 'Cannot enable object versioning on a container that uses a deprecated storage policy.'));
      }
      if (policy) hdrs['x-storage-policy'] = policy.name;
    } else if (req.method === 'PUT' && req.headers['x-storage-policy'] !== undefined) {
      hdrs['x-storage-policy'] = req.headers['x-storage-policy'];
    }
    const put = await next(subrequest(req, { method: 'PUT', path: versionsPath, headers: hdrs, preAuthed: true, agent: 'OV' }));
    dropBody(put.body);
    if (isSuccess(put.status) || put.status === 409) req.headers[SYSMETA_VERSIONS_CONT] = quotePath(versionsCont);
    else throw new Answer(makeResponse(500, 'Error enabling object versioning'));
  }
  const resp = await next(req);
  if (!isSuccess(resp.status) && req.headers[SYSMETA_VERSIONS_CONT] !== undefined) {
    const del = await next(subrequest(req, { method: 'DELETE', path: versionsPath, headers: { ...RESERVED_HEADER }, preAuthed: true, agent: 'OV' }));
    dropBody(del.body);
  }
  if (resp.headers[SYSMETA_VERSIONS_ENABLED] !== undefined) resp.headers[CLIENT_VERSIONS_ENABLED] = resp.headers[SYSMETA_VERSIONS_ENABLED];
  return resp;
}

/** An account GET: versions containers' bytes added to their containers', orphans listed with count 0. */
export async function listContainers(next: App, req: SwiftRequest, version: string, account: string): Promise<SwiftResponse> {
  const resp = await next(req);
  if (!isSuccess(resp.status)) return resp;
  if (!(resp.headers['content-type'] ?? '').startsWith('application/json') && resp.status !== 204) return resp;
  const listing = resp.status === 204 ? [] : await readJsonListing(resp);
  if (!listing) return makeResponse(500, 'Error decoding listing');
  const params = new URLSearchParams(req.query);
  const query = new URLSearchParams(params);
  query.set('format', 'json');
  query.set('prefix', params.has('prefix') ? versionsContainerName(params.get('prefix')!) : reservedName('versions'));
  for (const p of ['marker', 'end_marker']) if (params.has(p)) query.set(p, versionsContainerName(params.get(p)!));
  const vresp = await next(subrequest(req, { method: 'GET', path: `/${version}/${account}`, query: query.toString(), headers: { ...RESERVED_HEADER }, preAuthed: true, agent: 'OV' }));
  const versionsListing = isSuccess(vresp.status) && vresp.status !== 204 ? (await readJsonListing(vresp)) ?? [] : (dropBody(vresp.body), []);
  const versions = new Map<string, Item>();
  for (const item of versionsListing) if (item.name !== undefined) versions.set(splitVersionsContainerName(String(item.name)), item);
  if (versions.size === 0 && resp.status !== 204) return withListing(resp, listing);
  for (const item of listing) {
    if (item.name === undefined) continue;
    const v = versions.get(String(item.name));
    if (v) {
      versions.delete(String(item.name));
      item.bytes = Number(item.bytes) + Number(v.bytes);
    }
  }
  for (const [name, item] of versions) listing.push({ ...item, name, count: 0 });
  const out = buildListing([listing], configTrue(params.get('reverse') ?? undefined), listingLimit(params, ACCOUNT_LISTING_LIMIT));
  if (resp.status === 204 && out.length === 0) return resp;
  return withListing(resp, out);
}
