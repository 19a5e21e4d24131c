/**
 * The account controller: GET/HEAD from the first replica that has it
 * (a fake empty account when `account_autocreate` and none has), POST to
 * all, PUT/DELETE only with `allow_account_management`.
 */
import type { SwiftRequest, SwiftResponse } from '../types.js';
import { makeResponse } from '../response.js';
import { preflight } from './cors.js';
import { quotePath, Timestamp } from '../../common/index.js';
import type { ProxyContext } from './context.js';
import { firstGood, makeRequests, noGoodAnswer, passThrough } from './fan-out.js';
import { backendHeaders, removalHeaders, withoutBody } from './backend-headers.js';
import { checkMetadata } from './check-metadata.js';
import { clearInfo } from './info.js';
import { exposeAccountAcl } from '../account-acl.js';

export interface AccountTarget {
  account: string;
}

async function authorize(req: SwiftRequest): Promise<SwiftResponse | undefined> {
  return req.env.authorize?.(req);
}

/**
 * The account's ACLs shown to its owners as `X-Account-Access-Control`;
 * what only they may see stripped for everyone else.
 */
function ownerOnly(req: SwiftRequest, resp: SwiftResponse): SwiftResponse {
  if (req.env.swiftOwner) exposeAccountAcl(resp.headers);
  else if (req.env.authorize) {
    for (const k of Object.keys(resp.headers)) {
      if (k.startsWith('x-account-meta-temp-url-key') || k === 'x-account-access-control') delete resp.headers[k];
    }
  }
  return resp;
}

function fakeAccount(req: SwiftRequest, account: string): SwiftResponse {
  const headers: Record<string, string> = {
    'x-account-container-count': '0',
    'x-account-object-count': '0',
    'x-account-bytes-used': '0',
    'x-timestamp': Timestamp.now().normal,
    'x-put-timestamp': Timestamp.now().normal,
    'content-type': 'application/json; charset=utf-8',
  };
  void account;
  if (req.method === 'HEAD') return makeResponse(204, undefined, headers);
  return makeResponse(200, '[]', headers);
}

/** Creates an account on its replicas (account_autocreate). */
export async function autocreateAccount(ctx: ProxyContext, req: SwiftRequest, account: string): Promise<boolean> {
  const ring = ctx.rings.account;
  const { partition, nodes } = ring.getNodes(account);
  const headers = withoutBody(
    backendHeaders({ ...req, headers: {} }, { 'x-timestamp': Timestamp.now().internal }),
  );
  const sets = Array.from({ length: nodes.length }, () => headers);
  const resp = await makeRequests(ctx, ctx.writeNodes(ring, partition, nodes), { method: 'PUT', path: quotePath(`/${account}`), partition }, sets, ctx.quorum(nodes));
  await clearInfo(ctx, req, account);
  return resp.status >= 200 && resp.status < 300;
}

/** The methods an account answers (PUT and DELETE only with allow_account_management). */
const ACCOUNT_METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS'];
const ACCOUNT_MANAGEMENT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'];

export async function handleAccount(ctx: ProxyContext, req: SwiftRequest, t: AccountTarget): Promise<SwiftResponse> {
  // As Swift's proxy: a method the account doesn't serve is a 405 before any
  // authorization (and before the ring: s3api's TEST ends here on every S3 PUT).
  const allowed = ctx.conf.allowAccountManagement ? ACCOUNT_MANAGEMENT_METHODS : ACCOUNT_METHODS;
  if (!allowed.includes(req.method)) return makeResponse(405, undefined, { allow: allowed.join(', ') });
  const denied = await authorize(req);
  if (denied) return denied;
  const ring = ctx.rings.account;
  const { partition, nodes } = ring.getNodes(t.account);
  const path = quotePath(`/${t.account}`);
  const plan = { method: req.method, path, partition };
  switch (req.method) {
    case 'OPTIONS':
      return preflight(ctx.conf, req, allowed, undefined);
    case 'GET':
    case 'HEAD': {
      const listPlan = { ...plan, path: plan.path + (req.query ? `?${req.query}` : '') };
      const got = await firstGood(ctx, ctx.readNodes(ring, partition, nodes), listPlan, withoutBody(backendHeaders(req)), (s) => s >= 200 && s < 300);
      if (got.response) return ownerOnly(req, passThrough(got.response, req.method));
      const resp = noGoodAnswer(got.answers);
      if (resp.status === 404 && ctx.conf.accountAutocreate) return fakeAccount(req, t.account);
      return resp;
    }
    case 'POST': {
      const bad = checkMetadata(req.headers, 'account', ctx.swiftConf.constraints);
      if (bad) return bad;
      const headers = withoutBody(backendHeaders(req, { ...removalHeaders(req, 'account'), 'x-timestamp': Timestamp.now().internal }));
      const sets = Array.from({ length: nodes.length }, () => headers);
      let resp = await makeRequests(ctx, ctx.writeNodes(ring, partition, nodes), plan, sets, ctx.quorum(nodes));
      if (resp.status === 404 && ctx.conf.accountAutocreate) {
        await autocreateAccount(ctx, req, t.account);
        resp = await makeRequests(ctx, ctx.writeNodes(ring, partition, nodes), plan, sets, ctx.quorum(nodes));
      }
      await clearInfo(ctx, req, t.account);
      return resp;
    }
    case 'PUT':
    case 'DELETE': {
      if (req.method === 'DELETE' && req.query.includes('=')) {
        return makeResponse(400, 'Non-empty query string not allowed for account DELETE');
      }
      const bad = checkMetadata(req.headers, 'account', ctx.swiftConf.constraints);
      if (bad) return bad;
      const headers = withoutBody(backendHeaders(req, { ...removalHeaders(req, 'account'), 'x-timestamp': Timestamp.now().internal }));
      const sets = Array.from({ length: nodes.length }, () => headers);
      const resp = await makeRequests(ctx, ctx.writeNodes(ring, partition, nodes), plan, sets, ctx.quorum(nodes));
      await clearInfo(ctx, req, t.account);
      return resp;
    }
    default:
      return makeResponse(405, undefined, { allow: allowed.join(', ') });
  }
}
