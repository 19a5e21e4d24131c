/**
 * container_sync (Swift's `egg:swift#container_sync`): the proxy's side of
 * container sync with container-sync-realms.conf (in `swift_dir`).
 *
 * - A request signed by another cluster's container-sync daemon
 *   (`X-Container-Sync-Auth: <realm> <nonce> <sig>`) is checked against the
 *   realm's key (or key2) and the target container's X-Container-Sync-Key;
 *   a good one goes on authorized (Swift's `swift.authorize_override`), with
 *   the sender's X-Timestamp put back (gatekeeper moved it aside) so the
 *   copy keeps the original's time, and past SLO's manifest checks (a
 *   manifest arrives in its stored form, maybe before its segments). A bad
 *   one is a 401 whatever the auth filter would say.
 * - `allow_full_urls = false` refuses an X-Container-Sync-To that is not of
 *   the `//realm/cluster/account/container` form.
 * - `/info` shows `container_sync: {realms: {REALM: {clusters: {CLUSTER: {}}}}}`,
 *   the `current` cluster (`//realm/cluster`) marked `current: true`; it is
 *   refreshed on each `/info`, so an edited realms file shows.
 *
 * Goes before the auth filter, as in Swift's sample pipeline.
 */
import { join } from 'node:path';
import {
  CONTAINER_SYNC_REALMS_FILE, ContainerSyncRealms, containerSyncSignature, getBool, getString, quotePath, sameContainerSyncSignature,
} from '../../common/index.js';
import type { FilterFactory, PipelineContext, SwiftRequest, SwiftResponse } from '../types.js';
import { makeResponse } from '../response.js';
import { parseSwiftPath, unquoteBytes } from '../request-path.js';

const FULL_URL_REFUSED = 'Full URLs are not allowed for X-Container-Sync-To values. Only realm values of the format //realm/cluster/account/container are allowed.\n';
const AUTH_INVALID = 'X-Container-Sync-Auth header not valid; contact cluster operator for support.';

/** `//REALM/CLUSTER` of the `current` option, upper-cased; undefined (logged) when not of that form. */
function currentCluster(ctx: PipelineContext, current: string | undefined): [string, string] | undefined {
  if (!current) return undefined;
  const parts = current.replace(/^\/+|\/+$/g, '').split('/');
  if (parts.length !== 2) {
    ctx.logger.error(`Invalid current //REALM/CLUSTER (${current})`);
    return undefined;
  }
  return [parts[0].toUpperCase(), parts[1].toUpperCase()];
}

function registerRealms(ctx: PipelineContext, realms: ContainerSyncRealms, current: [string, string] | undefined): void {
  const out: Record<string, { clusters: Record<string, { current?: boolean }> }> = {};
  for (const realm of realms.realms()) {
    const clusters = realms.clusters(realm);
    if (clusters.length) out[realm] = { clusters: Object.fromEntries(clusters.map((c) => [c, {}])) };
  }
  if (current) {
    const cluster = out[current[0]]?.clusters[current[1]];
    if (cluster) cluster.current = true;
    else ctx.logger.error(`Unknown current //REALM/CLUSTER (//${current[0]}/${current[1]})`);
  }
  ctx.registerInfo('container_sync', { realms: out });
}

/** swob's `www_authenticate` realm: the path's account, or `unknown`. */
function accountRealm(req: SwiftRequest): string {
  const segs = unquoteBytes(req.path).toString('utf8').split('/');
  return segs[0] === '' && segs[1] && segs[2] && !['v1.0', 'auth'].includes(segs[2]) ? quotePath(segs[2]) : 'unknown';
}

function unauthorized(req: SwiftRequest): SwiftResponse {
  return makeResponse(401, AUTH_INVALID, { 'content-type': 'text/plain', 'www-authenticate': `SwiftContainerSync realm="${accountRealm(req)}"` });
}

export const containerSync: FilterFactory = (conf, ctx) => {
  const realms = new ContainerSyncRealms(join(getString(conf, 'swift_dir', '/etc/swift'), CONTAINER_SYNC_REALMS_FILE), ctx.logger);
  const allowFullUrls = getBool(conf, 'allow_full_urls', true);
  const current = currentCluster(ctx, conf.current?.trim());
  registerRealms(ctx, realms, current);

  /** Why a signed request is refused (Swift's `cs:` log notes), or undefined when it is good. */
  const checkAuth = async (req: SwiftRequest, auth: string): Promise<string | undefined> => {
    const parts = auth.trim().split(/\s+/);
    if (parts.length !== 3) return 'cs:not-3-args';
    const [realm, nonce, sig] = parts;
    const realmKey = realms.key(realm);
    if (!realmKey) return 'cs:no-local-realm-key';
    const parsed = parseSwiftPath(req.path);
    if (!ctx.infoSource) throw new Error('container_sync needs the proxy app at the end of the pipeline');
    const info = parsed.ok && parsed.path.container !== undefined
      ? await ctx.infoSource.container(req, parsed.path.account, parsed.path.container) : undefined;
    const userKey = info?.syncKey;
    if (!userKey) return 'cs:no-local-user-key';
    // Gatekeeper shunts a client's X-Timestamp; a synced copy keeps its original's.
    const inbound = req.headers['x-backend-inbound-x-timestamp'];
    if (inbound !== undefined) {
      req.headers['x-timestamp'] = inbound;
      delete req.headers['x-backend-inbound-x-timestamp'];
    }
    const signed = quotePath(unquoteBytes(req.path).toString('utf8'));
    const ts = req.headers['x-timestamp'] ?? '0';
    const keys = [realmKey, realms.key2(realm)].filter((k): k is string => Boolean(k));
    const good = keys.some((key) => sameContainerSyncSignature(sig, containerSyncSignature(req.method, signed, ts, nonce, key, userKey)));
    return good ? undefined : 'cs:invalid-sig';
  };

  return (next) => async (req) => {
    if (!allowFullUrls) {
      const syncTo = req.headers['x-container-sync-to'];
      if (syncTo && !syncTo.startsWith('//')) return makeResponse(400, FULL_URL_REFUSED);
    }
    const auth = req.headers['x-container-sync-auth'];
    if (auth) {
      const refused = await checkAuth(req, auth);
      if (refused) {
        ctx.logger.info({ transId: req.env.transId, reason: refused }, 'container_sync: request refused');
        return unauthorized(req);
      }
      req.env.authorizeOverride = true;
      req.env.sloOverride = true;
    }
    if (req.path === '/info') registerRealms(ctx, realms, current);
    return next(req);
  };
};
