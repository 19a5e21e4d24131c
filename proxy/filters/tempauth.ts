/**
 * tempauth: Swift's test auth system. Users come from the config
 * (`user_<account>_<user> = <key> [.admin] [.reseller_admin] [group…] [storage_url]`),
 * tokens from `GET /auth/v1.0` live in the cache for `token_life` seconds,
 * and `authorize` decides per request from the token's groups and the
 * container's ACLs (set on `req.acl` by the controllers).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { ConfigError, quotePath } from '../../common/index.js';
import type { Cache, FilterFactory, SwiftRequest, SwiftResponse } from '../types.js';
import { makeResponse } from '../response.js';
import { parseRequestPath, parseSwiftPath } from '../request-path.js';
import { MemoryCache } from '../cache/memory-cache.js';
import { cleanAcl, parseAcl, referrerAllowed, AclError } from './acl.js';

export interface TempAuthUser {
  key: string;
  groups: string[];
  /** Storage URL with `$HOST` for the request's scheme://host. */
  url: string;
}

export interface TempAuthConf {
  resellerPrefix: string;
  authPrefix: string;
  tokenLife: number;
  storageUrlScheme: string;
  /** `account:user` → user. */
  users: Map<string, TempAuthUser>;
}

/** Parses tempauth's options, including the `user_<account>_<user>` lines. */
export function tempAuthConf(conf: Record<string, string>): TempAuthConf {
  let resellerPrefix = (conf.reseller_prefix ?? 'AUTH').trim().split(',')[0].trim();
  if (resellerPrefix === "''" || resellerPrefix === '""') resellerPrefix = '';
  if (resellerPrefix && !resellerPrefix.endsWith('_')) resellerPrefix += '_';
  let authPrefix = conf.auth_prefix ?? '/auth/';
  if (!authPrefix.startsWith('/')) authPrefix = '/' + authPrefix;
  if (!authPrefix.endsWith('/')) authPrefix += '/';
  const users = new Map<string, TempAuthUser>();
  for (const [k, v] of Object.entries(conf)) {
    if (!k.startsWith('user_')) continue;
    // user_<account>_<user>: the account may not hold '_', the user may.
    const rest = k.slice(5);
    const sep = rest.indexOf('_');
    if (sep <= 0 || sep === rest.length - 1) throw new ConfigError(`tempauth: bad user option name ${k}`);
    const account = rest.slice(0, sep);
    const user = rest.slice(sep + 1);
    const values = v.trim().split(/\s+/);
    const key = values.shift() ?? '';
    let url = `$HOST/v1/${resellerPrefix}${account}`;
    if (values.length && !values[values.length - 1].startsWith('.') && /^https?:/.test(values[values.length - 1])) {
      url = values.pop()!;
    }
    users.set(`${account}:${user}`, { key, groups: values, url });
  }
  return {
    resellerPrefix,
    authPrefix,
    tokenLife: Number(conf.token_life ?? 86400),
    storageUrlScheme: conf.storage_url_scheme ?? 'default',
    users,
  };
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Swift's group list for a user: account, account:user, its groups; `.admin` becomes the account id. */
export function userGroups(conf: TempAuthConf, accountUser: string): string[] {
  const [account] = accountUser.split(':');
  const groups = [account, accountUser, ...conf.users.get(accountUser)!.groups];
  const i = groups.indexOf('.admin');
  if (i !== -1) {
    groups.splice(i, 1);
    groups.push(conf.resellerPrefix + account);
  }
  return groups;
}

export class TempAuth {
  private readonly fallbackCache: Cache;

  constructor(
    readonly conf: TempAuthConf,
    private readonly now: () => number,
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
        if (!user || user.split(':')[0] !== account) return makeResponse(401);
      }
    } else {
      return makeResponse(400);
    }
    if (!user || key === undefined) return makeResponse(401);
    const entry = this.conf.users.get(user);
    if (!entry || !safeEqual(entry.key, key)) return makeResponse(401);
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
    const scheme = this.conf.storageUrlScheme === 'default' ? 'http' : this.conf.storageUrlScheme;
    const host = req.headers.host ?? 'localhost';
    let url = entry.url.replace('$HOST', `${scheme}://${host}`);
    if (this.conf.storageUrlScheme !== 'default') url = `${this.conf.storageUrlScheme}:${url.split(':').slice(1).join(':')}`;
    return makeResponse(200, undefined, {
      'x-auth-token': token,
      'x-storage-token': token,
      'x-auth-token-expires': String(Math.floor(expires - nowS)),
      'x-storage-url': url,
      'content-type': 'text/html; charset=UTF-8',
    });
  }

  denied(req: SwiftRequest): SwiftResponse {
    return makeResponse(req.env.remoteUser ? 403 : 401);
  }

  /** Swift's `TempAuth.authorize`: undefined to allow, or the denial. */
  authorize(req: SwiftRequest): SwiftResponse | undefined {
    const parsed = parseRequestPath(req);
    if (!parsed.ok) return makeResponse(404);
    const { account, container, object } = parsed.path;
    if (!account.startsWith(this.conf.resellerPrefix)) return this.denied(req);
    const groups = (req.env.remoteUser ?? '').split(',');
    if (groups.includes('.reseller_admin') && account !== this.conf.resellerPrefix && !account.startsWith('.')) {
      req.env.swiftOwner = true;
      return undefined;
    }
    if (groups.includes(account) && (!['DELETE', 'PUT'].includes(req.method) || container !== undefined)) {
      req.env.swiftOwner = true;
      return undefined;
    }
    if (req.method === 'OPTIONS') return undefined;
    const acl = parseAcl(req.acl);
    if (referrerAllowed(req.headers.referer, acl.referrers)) {
      if (object !== undefined || acl.groups.includes('.rlistings')) return undefined;
    }
    if (req.env.remoteUser && groups.some((g) => g && acl.groups.includes(g))) return undefined;
    return this.denied(req);
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
        s3.account = this.conf.resellerPrefix + s3.accessKey.split(':')[0];
        s3.groups = userGroups(this.conf, s3.accessKey).join(',');
      }
    }
    if (s3.failure !== undefined) return makeResponse(401, undefined, { 'x-s3-failure': s3.failure });
    if (req.path.startsWith(s3.pathPrefix)) req.path = `/v1/${s3.account}${req.path.slice(s3.pathPrefix.length)}`;
    req.env.remoteUser = s3.groups;
    return undefined;
  }

  isOurs(path: string): boolean {
    const parsed = parseSwiftPath(path);
    return parsed.ok && parsed.path.account.startsWith(this.conf.resellerPrefix);
  }
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
  const auth = new TempAuth(tempAuthConf(conf), ctx.now);
  ctx.registerInfo('tempauth', { account_acls: true });
  const authorize = (req: SwiftRequest) => auth.authorize(req);
  const clean = (name: string, value: string) => cleanAcl(name, value);
  const allowOverrides = !/^(false|0|no|off|f|n)$/i.test((conf.allow_overrides ?? 'true').trim());
  return (next) => async (req) => {
    // A filter before us (tempurl, formpost's pre-authed PUTs) has authorized the request itself.
    if (allowOverrides && req.env.authorizeOverride) return next(req);
    if (req.path.startsWith(auth.conf.authPrefix) || req.path === auth.conf.authPrefix.slice(0, -1)) {
      return auth.handleGetToken(req);
    }
    const token = req.headers['x-auth-token'] ?? req.headers['x-storage-token'];
    if (req.env.s3Auth) {
      const denied = auth.s3Authenticate(req);
      if (denied) return denied;
      req.env.authorize = authorize;
      req.env.cleanAcl = clean;
    } else if (token && token.startsWith(auth.conf.resellerPrefix)) {
      const groups = await auth.getGroups(req, token);
      if (!groups) {
        return makeResponse(401, undefined, { 'www-authenticate': swiftRealm(req.path) });
      }
      req.env.remoteUser = groups;
      // Swift's reseller_request: what account_quotas lets set a quota.
      if (groups.split(',').includes('.reseller_admin')) req.env.resellerRequest = true;
      req.env.authorize = authorize;
      req.env.cleanAcl = clean;
    } else if (auth.isOurs(req.path)) {
      // Anonymous access to our accounts: only what ACLs allow.
      req.env.authorize = authorize;
      req.env.cleanAcl = clean;
    }
    const resp = await next(req);
    if (resp.status === 401 && !resp.headers['www-authenticate']) resp.headers['www-authenticate'] = swiftRealm(req.path);
    return resp;
  };
};

export { AclError };
