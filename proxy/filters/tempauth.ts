/**
 * tempauth: Swift's test auth system. Users come from the config (see
 * tempauth-conf.ts), tokens from `GET /auth/v1.0` live in the cache for
 * `token_life` seconds, and `authorize` decides per request from the
 * token's groups (plus an `X-Service-Token`'s), the container's ACLs (set on
 * `req.acl` by the controllers) and the account's ACLs
 * (`X-Account-Access-Control`, read from the account's sysmeta).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { NO_STATSD, quotePath, type Statsd } from '../../common/index.js';
import type { Cache, FilterFactory, SwiftRequest, SwiftResponse } from '../types.js';
import type { AccountInfo } from '../controllers/info.js';
import { makeResponse } from '../response.js';
import { parseRequestPath, parseSwiftPath } from '../request-path.js';
import { MemoryCache } from '../cache/memory-cache.js';
import { ACCOUNT_ACL_HEADER, ACCOUNT_ACL_SYSMETA, accountAclError, accountAclsFromSysmeta, type AccountAcls } from '../account-acl.js';
import { cleanAcl, parseAcl, referrerAllowed, AclError } from './acl.js';
import { accountPrefix, tempAuthConf, userAccountId, userGroups, type TempAuthConf } from './tempauth-conf.js';
import { filterStatsd } from './filter-statsd.js';

/** How tempauth reads an account's info (Swift's `get_account_info`); undefined with no proxy app behind it. */
export type AccountInfoReader = (req: SwiftRequest, account: string) => Promise<AccountInfo | undefined>;

const READS = ['GET', 'HEAD'];

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

interface S3User {
  account: string;
  groups: string;
  swiftOwner: boolean;
}

export class TempAuth {
  private readonly fallbackCache: Cache;
  private readonly s3Users = new Map<string, S3User>();

  constructor(
    readonly conf: TempAuthConf,
    private readonly now: () => number,
    private readonly accountInfo?: AccountInfoReader,
    /**
     * Swift's `tempauth.<reseller_prefix>.` statsd names: `unauthorized`
     * and `forbidden` (a request denied 401 or 403), `token_denied` (a token
     * request refused), `errors` (a path it cannot read).
     */
    readonly statsd: Statsd = NO_STATSD,
  ) {
    this.fallbackCache = new MemoryCache(now);
  }

  private cache(req: SwiftRequest): Cache {
    return req.env.cache ?? this.fallbackCache;
  }

  /** The groups a token stands for, or undefined when unknown or expired. */
  async getGroups(req: SwiftRequest, token: string): Promise<string | undefined> {
    const cache = this.cache(req);
    const key = `${this.conf.resellerPrefix}/token/${token}`;
    const data = (await cache.get(key)) as [number, string] | undefined;
    if (!data) return undefined;
    const [expires, groups] = data;
    if (expires < this.now() / 1000) {
      await cache.delete(key);
      return undefined;
    }
    return groups;
  }

  /** GET /auth/v1.0 (and v1, and /auth/v1/<account>/auth). */
  async handleGetToken(req: SwiftRequest): Promise<SwiftResponse> {
    if (req.method !== 'GET') return makeResponse(400);
    const parts = req.path.slice(this.conf.authPrefix.length).split('/');
    const version = parts[0];
    let user: string | undefined;
    let key: string | undefined;
    if (version === 'v1' || version === 'v1.0' || version === 'auth') {
      user = req.headers['x-auth-user'] ?? req.headers['x-storage-user'];
      key = req.headers['x-auth-key'] ?? req.headers['x-storage-pass'];
      if (parts.length >= 3 && version === 'v1' && parts[1]) {
        // /auth/v1/<account>/auth with X-Storage-User: <user>
        const account = parts[1];
        if (user && !user.includes(':')) user = `${account}:${user}`;
        if (!user || user.split(':')[0] !== account) return this.tokenDenied();
      }
    } else {
      // Swift's handle_request: no handler for the version.
      this.statsd.increment('errors');
      return makeResponse(400);
    }
    const held = req.headers['x-auth-token'] ?? req.headers['x-storage-token'];
    if (!user && key === undefined && held !== undefined && version !== 'v1') return this.describeToken(req, held);
    if (!user || key === undefined) return this.tokenDenied();
    const entry = this.conf.users.get(user);
    if (!entry || !safeEqual(entry.key, key)) return this.tokenDenied();
    const cache = this.cache(req);
    const nowS = this.now() / 1000;
    const groups = userGroups(this.conf, user).join(',');
    const userKey = `${this.conf.resellerPrefix}/user/${user}`;
    let token: string | undefined;
    let expires = 0;
    const candidate = (await cache.get(userKey)) as string | undefined;
    if (candidate) {
      const data = (await cache.get(`${this.conf.resellerPrefix}/token/${candidate}`)) as [number, string] | undefined;
      if (data && data[0] > nowS && data[1] === groups) {
        token = candidate;
        expires = data[0];
      }
    }
    if (!token) {
      token = `${this.conf.resellerPrefix}tk${randomUUID().replace(/-/g, '')}`;
      expires = nowS + this.conf.tokenLife;
      await cache.set(`${this.conf.resellerPrefix}/token/${token}`, [expires, groups], this.conf.tokenLife);
      await cache.set(userKey, token, this.conf.tokenLife);
    }
    return makeResponse(200, undefined, {
      'x-auth-token': token,
      'x-storage-token': token,
      'x-auth-token-expires': String(Math.floor(expires - nowS)),
      'x-storage-url': this.storageUrl(req, entry.url),
      'content-type': 'text/html; charset=UTF-8',
    });
  }

  /** A token request refused (Swift's `token_denied`). */
  private tokenDenied(): SwiftResponse {
    this.statsd.increment('token_denied');
    return makeResponse(401);
  }

  /** A user's storage URL as this request should see it. */
  private storageUrl(req: SwiftRequest, template: string): string {
    const scheme = this.conf.storageUrlScheme === 'default' ? 'http' : this.conf.storageUrlScheme;
    const host = req.headers.host ?? 'localhost';
    let url = template.replace('$HOST', `${scheme}://${host}`);
    if (this.conf.storageUrlScheme !== 'default') url = `${this.conf.storageUrlScheme}:${url.split(':').slice(1).join(':')}`;
    return url;
  }

  /**
   * A swiftly extension (Swift's tempauth answers 401): `GET /auth/v1.0`
   * with only `X-Auth-Token` tells the token's holder whose token it is —
   * `X-Auth-User` (account:user), the user's storage URL and the token's
   * remaining life — so a service given the token (compute, the image API)
   * can name its user and find its account. Nothing a holder didn't know.
   */
  private async describeToken(req: SwiftRequest, token: string): Promise<SwiftResponse> {
    const data = (await this.cache(req).get(`${this.conf.resellerPrefix}/token/${token}`)) as [number, string] | undefined;
    const nowS = this.now() / 1000;
    // Swift's _get_user_groups puts account:user second.
    const user = data && data[0] >= nowS ? data[1].split(',')[1] : undefined;
    const entry = user === undefined ? undefined : this.conf.users.get(user);
    if (!data || !user || !entry) {
      // Swift answers any token request without a user so.
      this.statsd.increment('token_denied');
      return makeResponse(401, undefined, { 'www-authenticate': 'Swift realm="unknown"' });
    }
    return makeResponse(200, undefined, {
      'x-auth-user': user,
      'x-storage-url': this.storageUrl(req, entry.url),
      'x-auth-token-expires': String(Math.floor(data[0] - nowS)),
      'content-type': 'text/html; charset=UTF-8',
    });
  }

  /** Swift's `denied_response`: 403 to a known user, 401 to anyone else. */
  denied(req: SwiftRequest): SwiftResponse {
    const status = req.env.remoteUser ? 403 : 401;
    this.statsd.increment(status === 403 ? 'forbidden' : 'unauthorized');
    return makeResponse(status);
  }

  /**
   * Swift's `TempAuth.authorize`: undefined to allow, or the denial. An
   * `X-Account-Access-Control` the request carries is checked first (400
   * when tempauth cannot read it) and becomes the account's sysmeta.
   */
  async authorize(req: SwiftRequest): Promise<SwiftResponse | undefined> {
    const parsed = parseRequestPath(req);
    if (!parsed.ok) {
      this.statsd.increment('errors');
      return makeResponse(404);
    }
    const { account, container, object } = parsed.path;
    const prefix = accountPrefix(this.conf, account);
    if (prefix === undefined) return this.denied(req);
    const badAcl = takeAccountAcl(req);
    if (badAcl) return badAcl;
    const groups = (req.env.remoteUser ?? '').split(',');
    const resellable = !this.conf.resellerPrefixes.includes(account) && account[prefix.length] !== '.';
    if (groups.includes('.reseller_admin') && resellable) return this.owner(req);
    if (groups.includes('.reseller_reader') && resellable && READS.includes(req.method)) return undefined;
    if (groups.includes(account) && (!['DELETE', 'PUT'].includes(req.method) || container !== undefined)) {
      // An account admin owns it, if it also has the group its prefix requires (a service account).
      const required = this.conf.requireGroup.get(prefix);
      if (!required || groups.includes(required)) return this.owner(req);
    }
    // A container sync sender with a full-URL target: the container's sync key and the original's X-Timestamp.
    const syncKey = req.env.swiftSyncKey;
    if (syncKey && syncKey === req.headers['x-container-sync-key'] && req.headers['x-timestamp'] !== undefined) return undefined;
    if (req.method === 'OPTIONS') return undefined;
    const acl = parseAcl(req.acl);
    if (referrerAllowed(req.headers.referer, acl.referrers) && (object !== undefined || acl.groups.includes('.rlistings'))) {
      return undefined;
    }
    if (req.env.remoteUser && groups.some((g) => g && acl.groups.includes(g))) return undefined;
    const acls = await this.accountAcls(req, account);
    if (acls) {
      const granted = (level: keyof AccountAcls) => acls[level].some((g) => groups.includes(g));
      if (granted('admin')) return this.owner(req);
      // read-write: anything on containers and objects, only reads of the account itself.
      if (granted('read-write') && (container !== undefined || READS.includes(req.method))) return undefined;
      if (granted('read-only') && READS.includes(req.method)) return undefined;
    }
    return this.denied(req);
  }

  private owner(req: SwiftRequest): undefined {
    req.env.swiftOwner = true;
    return undefined;
  }

  /** Swift's `account_acls`: the account's ACLs, or undefined when it has none. */
  private async accountAcls(req: SwiftRequest, account: string): Promise<AccountAcls | undefined> {
    const info = await this.accountInfo?.(req, account);
    return info && accountAclsFromSysmeta(info.sysmeta);
  }

  /**
   * s3api's credentials (Swift's tempauth with `s3api.auth_details`): the
   * access key is `account:user`, the secret that user's key. Checked once
   * per S3 request; every Swift path s3api makes then gets its account.
   */
  s3Authenticate(req: SwiftRequest): SwiftResponse | undefined {
    const s3 = req.env.s3Auth!;
    if (s3.account === undefined && s3.failure === undefined) {
      const user = this.conf.users.get(s3.accessKey);
      if (!user) s3.failure = 'InvalidAccessKeyId';
      else if (!s3.verify(user.key)) s3.failure = 'SignatureDoesNotMatch';
      else {
        const who = this.s3User(s3.accessKey);
        s3.account = who.account;
        s3.groups = who.groups;
        s3.swiftOwner = who.swiftOwner;
      }
    }
    if (s3.failure !== undefined) {
      // Swift leaves such a request to denied_response, which counts it.
      this.statsd.increment('unauthorized');
      return makeResponse(401, undefined, { 'x-s3-failure': s3.failure });
    }
    if (req.path.startsWith(s3.pathPrefix)) req.path = `/v1/${s3.account}${req.path.slice(s3.pathPrefix.length)}`;
    req.env.remoteUser = s3.groups;
    return undefined;
  }

  /** What an S3 user's requests run as, worked out once per user (the users are the config's). */
  private s3User(accessKey: string): S3User {
    let who = this.s3Users.get(accessKey);
    if (!who) {
      const account = userAccountId(this.conf.users.get(accessKey)!);
      const groups = userGroups(this.conf, accessKey);
      // What `authorize` would make of the account's own path: its owner (swift_owner) or not.
      who = { account, groups: groups.join(','), swiftOwner: groups.includes('.reseller_admin') || groups.includes(account) };
      this.s3Users.set(accessKey, who);
    }
    return who;
  }

  /** Swift's `_is_definitive_auth`: the path's account has one of our non-empty prefixes. */
  isDefinitive(path: string): boolean {
    const parsed = parseSwiftPath(path);
    return parsed.ok && Boolean(accountPrefix(this.conf, parsed.path.account));
  }
}

/**
 * Swift's `extract_acl_and_report_errors`: a readable
 * `X-Account-Access-Control` moves to the account sysmeta it is stored as;
 * one tempauth cannot read is a 400 saying why.
 */
function takeAccountAcl(req: SwiftRequest): SwiftResponse | undefined {
  const value = req.headers[ACCOUNT_ACL_HEADER];
  if (value === undefined) return undefined;
  const error = accountAclError(value);
  if (error) {
    return makeResponse(400, `X-Account-Access-Control invalid: ${error}\n\nInput: ${value}\n`, { 'content-type': 'text/plain; charset=UTF-8' });
  }
  delete req.headers[ACCOUNT_ACL_HEADER];
  req.headers[ACCOUNT_ACL_SYSMETA] = value;
  return undefined;
}

/**
 * The WWW-Authenticate of a 401, as swob's `www_authenticate`: the path's
 * account, percent-quoted (a decoded account may hold quotes, newlines or
 * non-ASCII, which would break the header), or `unknown`.
 */
function swiftRealm(path: string): string {
  const parsed = parseSwiftPath(path);
  return `Swift realm="${parsed.ok ? quotePath(parsed.path.account) : 'unknown'}"`;
}

export const tempauth: FilterFactory = (conf, ctx) => {
  // No proxy app behind us (a unit test's fake): no account ACLs.
  const readAccount: AccountInfoReader = async (req, account) => ctx.infoSource?.account(req, account);
  const authConf = tempAuthConf(conf);
  // Swift's statsd tail prefix: tempauth.<first reseller prefix, with its '_'> (NONE for the empty one).
  const statsd = filterStatsd(conf, ctx, `tempauth.${authConf.resellerPrefix || 'NONE'}`);
  const auth = new TempAuth(authConf, ctx.now, readAccount, statsd);
  ctx.ownPaths?.add(auth.conf.authPrefix.split('/')[1]);
  ctx.registerInfo('tempauth', { account_acls: true });
  const authorize = (req: SwiftRequest) => auth.authorize(req);
  const denied = (req: SwiftRequest) => auth.denied(req);
  const clean = (name: string, value: string) => cleanAcl(name, value);
  const allowOverrides = !/^(false|0|no|off|f|n)$/i.test((conf.allow_overrides ?? 'true').trim());
  const hook = (req: SwiftRequest) => {
    req.env.authorize = authorize;
    req.env.cleanAcl = clean;
  };
  return (next) => async (req) => {
    // A filter before us (tempurl, formpost's pre-authed PUTs) has authorized the request itself.
    if (allowOverrides && req.env.authorizeOverride) return next(req);
    if (req.path.startsWith(auth.conf.authPrefix) || req.path === auth.conf.authPrefix.slice(0, -1)) {
      try {
        return await auth.handleGetToken(req);
      } catch (err) {
        // Swift's handle(): a token request that broke (the cache failed) is one of its errors; catch_errors answers it.
        auth.statsd.increment('errors');
        throw err;
      }
    }
    const token = req.headers['x-auth-token'] ?? req.headers['x-storage-token'];
    if (req.env.s3Auth) {
      const failed = auth.s3Authenticate(req);
      if (failed) return failed;
      if (req.env.s3Auth.aclAuthorized) {
        // s3api decides from its ACLs (s3_acl): the request runs with the account owner's rights.
        req.env.swiftOwner = true;
        req.env.authorize = () => undefined;
        req.env.cleanAcl = clean;
      } else hook(req);
    } else if (token && token.startsWith(auth.conf.resellerPrefix)) {
      let groups = await auth.getGroups(req, token);
      // A service token adds its user's groups to a valid user token's (what a SERVICE_ account's require_group wants).
      const serviceToken = req.headers['x-service-token'];
      if (groups && serviceToken) {
        const serviceGroups = await auth.getGroups(req, serviceToken);
        if (serviceGroups) groups += ',' + serviceGroups;
      }
      if (groups) {
        req.env.remoteUser = groups;
        // Swift's reseller_request: what account_quotas lets set a quota.
        if (groups.split(',').includes('.reseller_admin')) req.env.resellerRequest = true;
        hook(req);
      } else if (auth.conf.resellerPrefix) {
        // Ours, and unknown or expired: denied outright.
        auth.statsd.increment('unauthorized');
        return makeResponse(401, undefined, { 'www-authenticate': swiftRealm(req.path) });
      } else if (!req.env.authorize) {
        // With an empty prefix the token may be another auth's: deny unless it says otherwise.
        req.env.authorize = denied;
      }
    } else if (auth.isDefinitive(req.path)) {
      // Anonymous access (or another auth's token) to our accounts: only what ACLs allow.
      hook(req);
    } else if (auth.conf.resellerPrefix === '') {
      if (!req.env.authorize) hook(req);
    } else if (!req.env.authorize) {
      // Not our token, not our account: deny unless another auth filter decides.
      req.env.authorize = denied;
    }
    const resp = await next(req);
    if (resp.status === 401 && !resp.headers['www-authenticate']) resp.headers['www-authenticate'] = swiftRealm(req.path);
    return resp;
  };
};

export { AclError };
