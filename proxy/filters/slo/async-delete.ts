/**
 * `DELETE ?multipart-manifest=delete&async=yes` with `allow_async_delete`,
 * as Swift 2.30's slo `handle_async_delete`: when every segment is in one
 * container and none is itself a large object, the segments are queued for
 * the object-expirer (one row each, due now, content type
 * `application/async-deleted`, in the `.expiring_objects` container Swift
 * would pick) with a private `UPDATE`, and then only the manifest is
 * deleted, at the same X-Timestamp. The segments stay listed (and counted
 * by quotas) until the expirer has run.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ASYNC_DELETE_TYPE, expirerContainer, quotePath, Timestamp } from '../../../common/index.js';
import type { App, PipelineContext, SwiftRequest, SwiftResponse } from '../../types.js';
import { makeResponse, reasonFor } from '../../response.js';
import { containerInfo, drain, isSuccess, subrequest } from '../subrequest.js';
import { loadSegments, ManifestLoadError } from './manifest-delete.js';
import type { SloConf } from './slo-conf.js';

const EMPTY_MD5 = createHash('md5').digest('hex');

export interface AsyncTarget {
  version: string;
  account: string;
  container: string;
  object: string;
}

/** Python's `'"%s"' % quote(c)` for the 400's list of containers. */
const quoted = (c: string) => `"${quotePath(c)}"`;

/** The write ACL of `container` checked as Swift does before queueing (undefined: allowed). */
async function denied(ctx: PipelineContext, req: SwiftRequest, account: string, container: string): Promise<SwiftResponse | undefined> {
  if (!req.env.authorize) return undefined;
  const info = await containerInfo(ctx, req, account, container);
  req.acl = info.writeAcl;
  const answer = await req.env.authorize(req);
  req.acl = undefined;
  return answer;
}

export async function asyncDeleteManifest(next: App, req: SwiftRequest, t: AsyncTarget, conf: SloConf, ctx: PipelineContext): Promise<SwiftResponse> {
  let segments;
  try {
    segments = (await loadSegments(next, req, t.version, t.account, `/${t.container}/${t.object}`)).filter((s) => s.data === undefined);
  } catch (err) {
    if (!(err instanceof ManifestLoadError)) throw err;
    return makeResponse(err.code, err.message);
  }
  if (!segments.length) return next(req);
  const containers = new Set<string>();
  const objects: string[] = [];
  for (const seg of segments) {
    const m = /^\/([^/]+)\/(.+)$/s.exec(seg.name ?? '');
    if (!m) return makeResponse(400, `Invalid segment name ${seg.name ?? ''}`);
    containers.add(m[1]);
    objects.push(m[2]);
  }
  if (containers.size > 1) {
    return makeResponse(400, `All segments must be in one container. Found segments in ${[...containers].map(quoted).join(', ')}`);
  }
  if (segments.some((s) => s.sub_slo)) return makeResponse(400, 'No segments may be large objects.');
  const [segContainer] = containers;
  const refused = (await denied(ctx, req, t.account, t.container)) ?? (segContainer !== t.container ? await denied(ctx, req, t.account, segContainer) : undefined);
  if (refused) return refused;

  // Swift's ensure_x_timestamp: the queue rows and the manifest's DELETE share one time.
  const given = Timestamp.tryParse(req.headers['x-timestamp']);
  const ts = given ?? Timestamp.now(ctx.now);
  req.headers['x-timestamp'] = ts.internal;
  if (!ctx.swiftConf) throw new Error('slo async delete needs the proxy app at the end of the pipeline');
  const queue = expirerContainer(Math.floor(ts.seconds), conf.expiringObjectsContainerDivisor, ctx.swiftConf.hashPath, t.account, t.container, t.object);
  const rows = objects.map((obj) => ({
    name: `${ts.normal}-${t.account}/${segContainer}/${obj}`,
    deleted: 0,
    created_at: ts.internal,
    etag: EMPTY_MD5,
    size: 0,
    storage_policy_index: 0,
    content_type: ASYNC_DELETE_TYPE,
  }));
  const body = Buffer.from(JSON.stringify(rows));
  const resp = await next(subrequest(req, {
    method: 'UPDATE',
    path: `/v1/${conf.expiringObjectsAccount}/${queue}`,
    headers: {
      'content-type': 'application/json', 'content-length': String(body.length),
      'x-backend-storage-policy-index': '0', 'x-backend-allow-private-methods': 'True',
    },
    body: Readable.from([body]),
    preAuthed: true,
    agent: 'SLO',
  }));
  drain(resp);
  if (!isSuccess(resp.status)) {
    ctx.logger.error({ status: `${resp.status} ${reasonFor(resp.status)}` }, 'Failed to enqueue expiration entries');
    return makeResponse(503);
  }
  return next(req);
}
