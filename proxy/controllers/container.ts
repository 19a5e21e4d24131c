/**
 * The container controller: GET/HEAD (listings) from the first replica that
 * has it; PUT creates it on every replica (telling each which account
 * replica to update); POST and DELETE to all, answered by quorum.
 */
import type { Headers, SwiftRequest, SwiftResponse } from '../types.js';
import { makeResponse, readSmallBody } from '../response.js';
import { configTrueValue, quotePath, Timestamp } from '../../common/index.js';
import type { ProxyContext } from './context.js';
import type { RingNode } from '../../ring/index.js';
import { firstGood, makeRequests, newestGood, noGoodAnswer, passThrough, wantsNewest } from './fan-out.js';
import { backendHeaders, removalHeaders, withoutBody } from './backend-headers.js';
import { checkMetadata } from './check-metadata.js';
import { cacheContainerInfo, clearInfo, getAccountInfo, getContainerInfo } from './info.js';
import { autocreateAccount } from './account.js';
import { preflight, withCors } from './cors.js';

export interface ContainerTarget {
  account: string;
  container: string;
}

/** Swift's `swift_owner_headers` that a container carries: only its owner sees or sets them (tempurl keys included). */
const OWNER_HEADERS = [
  'x-container-read', 'x-container-write', 'x-container-sync-key', 'x-container-sync-to',
  'x-container-meta-temp-url-key', 'x-container-meta-temp-url-key-2',
];

/** Cleans ACL headers (400 on a bad one) and drops owner-only headers for non-owners. */
function prepareAcls(req: SwiftRequest): SwiftResponse | undefined {
  const clean = req.env.cleanAcl;
  for (const h of ['x-container-read', 'x-container-write']) {
    const v = req.headers[h];
    if (v === undefined || !clean) continue;
    try {
      req.headers[h] = clean(h, v);
    } catch (err) {
      return makeResponse(400, (err as Error).message, { 'content-type': 'text/plain' });
    }
  }
  if (req.env.authorize && !req.env.swiftOwner) for (const h of OWNER_HEADERS) delete req.headers[h];
  return undefined;
}

function policyIndexFor(ctx: ProxyContext, name: string | undefined): number | SwiftResponse {
  // Swift's _convert_policy_to_index: an empty X-Storage-Policy names no policy (the default).
  if (!name) return ctx.swiftConf.defaultPolicy.index;
  const lower = name.toLowerCase();
  const p = ctx.swiftConf.policies.find((x) => x.name.toLowerCase() === lower || x.aliases.some((a) => a.toLowerCase() === lower));
  if (!p) return makeResponse(400, `Invalid X-Storage-Policy '${name}'`);
  if (p.isDeprecated) return makeResponse(400, `Storage Policy '${name}' is deprecated`);
  return p.index;
}

/** X-Account-Host/-Partition/-Device per container replica, as Swift spreads them. */
function accountUpdateHeaders(ctx: ProxyContext, account: string, base: Headers, replicas: number): Headers[] {
  const { partition, nodes } = ctx.rings.account.getNodes(account);
  const sets: Headers[] = Array.from({ length: replicas }, () => ({ ...base }));
  nodes.forEach((n, i) => {
    const h = sets[i % sets.length];
    h['x-account-partition'] = String(partition);
    h['x-account-host'] = h['x-account-host'] ? `${h['x-account-host']},${n.ip}:${n.port}` : `${n.ip}:${n.port}`;
    h['x-account-device'] = h['x-account-device'] ? `${h['x-account-device']},${n.device}` : n.device;
  });
  return sets;
}

export async function handleContainer(ctx: ProxyContext, req: SwiftRequest, t: ContainerTarget): Promise<SwiftResponse> {
  const c = ctx.swiftConf.constraints;
  if (Buffer.byteLength(t.container) > c.max_container_name_length) {
    return makeResponse(400, `Container name length of ${Buffer.byteLength(t.container)} longer than ${c.max_container_name_length}`);
  }
  if (req.method === 'OPTIONS') return preflight(ctx.conf, req, CONTAINER_METHODS, await getContainerInfo(ctx, req, t.account, t.container));
  if (req.headers.origin === undefined || !CONTAINER_METHODS.includes(req.method)) return containerRequest(ctx, req, t);
  // Swift's cors_validation: the container's CORS settings as they were before the request.
  const info = await getContainerInfo(ctx, req, t.account, t.container);
  return withCors(ctx.conf, req, await containerRequest(ctx, req, t), info);
}

const CONTAINER_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'];

async function containerRequest(ctx: ProxyContext, req: SwiftRequest, t: ContainerTarget): Promise<SwiftResponse> {
  const ring = ctx.rings.container;
  const { partition, nodes } = ring.getNodes(t.account, t.container);
  const plan = { method: req.method, path: quotePath(`/${t.account}/${t.container}`), partition };
  const c = ctx.swiftConf.constraints;
  switch (req.method) {
    case 'GET':
    case 'HEAD': {
      if (req.env.authorize) {
        const info = await getContainerInfo(ctx, req, t.account, t.container);
        req.acl = info.readAcl;
        const denied = await req.env.authorize(req);
        if (denied) return denied;
      }
      const listPlan = { ...plan, path: plan.path + (req.query ? `?${req.query}` : '') };
      const isGood = (s: number) => s >= 200 && s < 300;
      const read = ctx.readNodes(ring, partition, nodes);
      const got = wantsNewest(req.headers)
        ? await newestGood(ctx, read, listPlan, withoutBody(backendHeaders(req)), ring.replicaCount, isGood)
        : await firstGood(ctx, read, listPlan, withoutBody(backendHeaders(req)), isGood);
      if (!got.response) return noGoodAnswer(got.answers);
      const resp = passThrough(got.response, req.method);
      await cacheContainerInfo(ctx, req, t.account, t.container, resp.status, resp.headers);
      const policyIndex = resp.headers['x-backend-storage-policy-index'];
      const policy = ctx.swiftConf.policies.find((p) => String(p.index) === policyIndex);
      if (policy) resp.headers['x-storage-policy'] = policy.name;
      resp.headers['accept-ranges'] = 'bytes';
      delete resp.headers['x-put-timestamp'];
      if (req.env.authorize && !req.env.swiftOwner) for (const h of OWNER_HEADERS) delete resp.headers[h];
      return resp;
    }
    case 'PUT':
    case 'POST': {
      const denied = await req.env.authorize?.(req);
      if (denied) return denied;
      const bad = prepareAcls(req) ?? checkMetadata(req.headers, 'container', c);
      if (bad) return bad;
      const extra: Headers = { 'x-timestamp': Timestamp.now(ctx.now).internal };
      if (req.method === 'PUT') {
        const policy = policyIndexFor(ctx, req.headers['x-storage-policy']);
        if (typeof policy !== 'number') return policy;
        extra['x-backend-storage-policy-index'] = String(policy);
        if (!req.headers['x-storage-policy']) extra['x-backend-storage-policy-default'] = String(policy);
        const account = await getAccountInfo(ctx, req, t.account);
        if (account.status === 404) {
          if (!ctx.conf.accountAutocreate || !(await autocreateAccount(ctx, req, t.account))) return makeResponse(404);
        } else if (account.status < 200 || account.status >= 300) {
          return makeResponse(503);
        }
      } else if (req.headers['x-storage-policy'] !== undefined) {
        delete req.headers['x-storage-policy'];
      }
      const base = withoutBody(backendHeaders(req, { ...removalHeaders(req, 'container'), ...extra }));
      const sets = req.method === 'PUT' ? accountUpdateHeaders(ctx, t.account, base, nodes.length) : Array.from({ length: nodes.length }, () => base);
      const resp = await makeRequests(ctx, ctx.writeNodes(ring, partition, nodes), plan, sets, ctx.quorum(nodes));
      await clearInfo(ctx, req, t.account, t.container);
      await clearInfo(ctx, req, t.account);
      return resp;
    }
    case 'DELETE': {
      const denied = await req.env.authorize?.(req);
      if (denied) return denied;
      const base = withoutBody(backendHeaders(req, { 'x-timestamp': Timestamp.now(ctx.now).internal }));
      const sets = accountUpdateHeaders(ctx, t.account, base, nodes.length);
      const resp = await makeRequests(ctx, ctx.writeNodes(ring, partition, nodes), plan, sets, ctx.quorum(nodes));
      await clearInfo(ctx, req, t.account, t.container);
      await clearInfo(ctx, req, t.account);
      return resp;
    }
    case 'UPDATE':
      // Not for clients (gatekeeper strips X-Backend-*): a filter's batch of rows merged into every replica.
      if (configTrueValue(req.headers['x-backend-allow-private-methods'])) return updateRows(ctx, req, plan, nodes);
      return makeResponse(405, undefined, { allow: CONTAINER_METHODS.join(', ') });
    default:
      return makeResponse(405, undefined, { allow: CONTAINER_METHODS.join(', ') });
  }
}

/** The largest row batch an UPDATE carries (the container server's own limit on a DB RPC body is larger). */
const MAX_UPDATE_BODY = 8 * 1024 * 1024;

/**
 * Swift's private container `UPDATE` (X-Backend-Allow-Private-Methods):
 * the JSON rows of the body merged into each replica's DB, as REPLICATE's
 * merge_items, in the policy the caller names; slo's async delete queues
 * the expirer's rows this way.
 */
async function updateRows(ctx: ProxyContext, req: SwiftRequest, plan: { method: string; path: string; partition: number }, nodes: RingNode[]): Promise<SwiftResponse> {
  const denied = await req.env.authorize?.(req);
  if (denied) return denied;
  let body: string;
  try {
    body = (await readSmallBody(req.body, MAX_UPDATE_BODY)).toString('utf8');
  } catch {
    return makeResponse(413);
  }
  const headers = backendHeaders(req, {
    'x-timestamp': Timestamp.now(ctx.now).internal,
    'x-backend-storage-policy-index': req.headers['x-backend-storage-policy-index'] ?? String(ctx.swiftConf.defaultPolicy.index),
    'content-length': String(Buffer.byteLength(body)),
  });
  delete headers['transfer-encoding'];
  return makeRequests(ctx, ctx.writeNodes(ctx.rings.container, plan.partition, nodes), plan, nodes.map(() => headers), ctx.quorum(nodes), body);
}
