/**
 * The object controller: constraints and authorization first (container
 * ACLs from container info), then GET/HEAD (object-get), PUT (object-put),
 * or POST/DELETE to all replicas with Swift's container-update headers.
 */
import type { Headers, SwiftRequest, SwiftResponse } from '../types.js';
import { makeResponse } from '../response.js';
import { quotePath, Timestamp } from '../../common/index.js';
import type { ProxyContext } from './context.js';
import { makeRequests } from './fan-out.js';
import { backendHeaders, withoutBody } from './backend-headers.js';
import { checkMetadata } from './check-metadata.js';
import { getContainerInfo, type ContainerInfo } from './info.js';
import { preflight, withCors } from './cors.js';
import { configObjectExpiration, objectUpdateHeaders } from './object-updates.js';
import { quorumSize } from './best-response.js';
import { getObject } from './object-get.js';
import { putObjectBody } from './object-put.js';
import { guessContentType } from './mime.js';

export interface ObjectTarget {
  account: string;
  container: string;
  object: string;
}

function requestTimestamp(ctx: ProxyContext, req: SwiftRequest): Timestamp | SwiftResponse {
  const given = req.headers['x-timestamp'];
  if (given === undefined) return Timestamp.now(ctx.now);
  const ts = Timestamp.tryParse(given);
  if (!ts) return makeResponse(400, `X-Timestamp should be a UNIX timestamp float value; was ${JSON.stringify(given)}`);
  return ts;
}

function lastModified(ts: Timestamp): string {
  return new Date(Math.ceil(ts.seconds) * 1000).toUTCString();
}

/** Swift's `check_object_creation` for a PUT. */
function checkCreation(ctx: ProxyContext, req: SwiftRequest, t: ObjectTarget): SwiftResponse | undefined {
  const c = ctx.swiftConf.constraints;
  // swob's is_chunked: one coding only, and it must be chunked.
  const te = req.headers['transfer-encoding'];
  if (te && te.includes(',')) {
    return makeResponse(501, 'Unsupported Transfer-Coding header value specified in Transfer-Encoding header', { 'content-type': 'text/plain' });
  }
  if (te && te.toLowerCase() !== 'chunked') return makeResponse(400, 'Invalid Transfer-Encoding header value', { 'content-type': 'text/plain' });
  const chunked = Boolean(te);
  const cl = req.headers['content-length'];
  if (cl !== undefined && !/^\d+$/.test(cl.trim())) return makeResponse(400, 'Invalid Content-Length header value', { 'content-type': 'text/plain' });
  if (cl !== undefined && Number(cl) > c.max_file_size) return makeResponse(413, 'Your request is too large.', { 'content-type': 'text/plain' });
  if (cl === undefined && !chunked) return makeResponse(411, 'Missing Content-Length header.', { 'content-type': 'text/plain' });
  if (Buffer.byteLength(t.object) > c.max_object_name_length) {
    return makeResponse(400, `Object name length of ${Buffer.byteLength(t.object)} longer than ${c.max_object_name_length}`);
  }
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && !inm.split(',').some((t) => t.trim() === '*')) {
    return makeResponse(400, 'If-None-Match only supports *', { 'content-type': 'text/plain' });
  }
  const detect = ['true', '1', 'yes', 'on', 't', 'y'].includes((req.headers['x-detect-content-type'] ?? '').toLowerCase());
  if (detect || !req.headers['content-type']) req.headers['content-type'] = guessContentType(t.object);
  return checkMetadata(req.headers, 'object', c);
}

const OBJECT_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'];

export async function handleObject(ctx: ProxyContext, req: SwiftRequest, t: ObjectTarget): Promise<SwiftResponse> {
  const c = ctx.swiftConf.constraints;
  if (!OBJECT_METHODS.includes(req.method)) {
    return makeResponse(405, undefined, { allow: OBJECT_METHODS.join(', ') });
  }
  if (Buffer.byteLength(t.container) > c.max_container_name_length) {
    return makeResponse(400, `Container name length of ${Buffer.byteLength(t.container)} longer than ${c.max_container_name_length}`);
  }
  const info = await getContainerInfo(ctx, req, t.account, t.container);
  if (req.method === 'OPTIONS') return preflight(ctx.conf, req, OBJECT_METHODS, info);
  return withCors(ctx.conf, req, await objectRequest(ctx, req, t, info), info);
}

async function objectRequest(ctx: ProxyContext, req: SwiftRequest, t: ObjectTarget, info: ContainerInfo): Promise<SwiftResponse> {
  const c = ctx.swiftConf.constraints;
  const reading = req.method === 'GET' || req.method === 'HEAD';
  req.acl = reading ? info.readAcl : info.writeAcl;
  // Swift's swift_sync_key: what the auth filter lets a full-URL container sync PUT or DELETE in with.
  if (req.method === 'PUT' || req.method === 'DELETE') req.env.swiftSyncKey = info.syncKey;
  const denied = await req.env.authorize?.(req);
  if (denied) return denied;
  if (!reading && info.status === 404) return makeResponse(404);
  if (!reading && (info.status < 200 || info.status >= 300)) return makeResponse(503);
  const policy = info.status >= 200 && info.status < 300 ? info.storagePolicy : 0;
  const ring = ctx.rings.object(policy);
  const { partition, nodes } = ring.getNodes(t.account, t.container, t.object);
  const path = quotePath(`/${t.account}/${t.container}/${t.object}`);
  const policyHeader = { 'x-backend-storage-policy-index': String(policy) };

  if (reading) {
    const headers = withoutBody(backendHeaders(req, policyHeader));
    return getObject(ctx, req, { method: req.method, path, partition, ring, headers }, nodes);
  }

  const ts = requestTimestamp(ctx, req);
  if (!(ts instanceof Timestamp)) return ts;
  const bad = req.method === 'DELETE' ? undefined : req.method === 'PUT' ? checkCreation(ctx, req, t) : checkMetadata(req.headers, 'object', c);
  if (bad) return bad;
  if (req.method !== 'DELETE') {
    const badDelete = configObjectExpiration(req.headers, ts.seconds);
    if (badDelete) return badDelete;
  }
  const extra: Headers = { ...policyHeader, 'x-timestamp': ts.internal };
  if (req.method === 'PUT') {
    const cl = req.headers['content-length'];
    if (cl !== undefined) extra['content-length'] = cl;
    else extra['transfer-encoding'] = 'chunked';
    const base = backendHeaders(req, extra);
    const sets = objectUpdateHeaders(ctx, t, base, nodes.length, quorumSize(ring.replicaCount));
    const resp = await putObjectBody(
      ctx,
      req,
      { ring, partition, path, headerSets: sets, contentLength: cl === undefined ? undefined : Number(cl), maxFileSize: c.max_file_size, footers: req.updateFooters },
      req.body,
    );
    if (resp.status === 201) resp.headers['last-modified'] = lastModified(ts);
    return resp;
  }
  const base = withoutBody(backendHeaders(req, extra));
  if (req.method === 'POST' && req.headers['content-type']) base['content-type'] = req.headers['content-type'];
  const targets = req.method === 'DELETE' ? ctx.objectDeleteNodes(ring, partition, nodes) : { nodes: ctx.writeNodes(ring, partition, nodes), count: nodes.length };
  const sets = objectUpdateHeaders(ctx, t, base, targets.count, quorumSize(ring.replicaCount));
  return makeRequests(ctx, targets.nodes, { method: req.method, path, partition }, sets, ctx.quorum(nodes));
}
