/**
 * Who is asking: the compute API accepts the object store's tempauth
 * tokens (X-Auth-Token). A token is valid for project P when a `HEAD` of
 * the account `AUTH_<P>` on the object store's proxy with that token answers
 * 2xx (401/403: not valid). tempauth has no token-introspection call, so
 * the project comes from the request (`/v2.1/{project_id}/…`, the form
 * Nova's catalog entry uses, or `X-Project-Id`). Answers are cached for a
 * few seconds so a burst of API calls costs one HEAD.
 *
 * A token valid for one of `adminProjects` is a Nova admin (tempauth's
 * `.admin` of that account, or a `.reseller_admin`).
 */
import { request } from 'undici';

export interface Principal {
  userId: string;
  projectId: string;
  isAdmin: boolean;
}

export interface TokenValidator {
  /** The principal, or undefined when the token is not valid for the project. Throws when the auth service cannot answer. */
  validate(token: string, projectId: string): Promise<Principal | undefined>;
}

export interface HttpTokenValidatorOptions {
  /** The proxy's base URL, e.g. `http://127.0.0.1:8080`. */
  proxyUrl: string;
  /** Swift's reseller_prefix (AUTH). */
  resellerPrefix?: string;
  adminProjects?: readonly string[];
  cacheTtlMs?: number;
  timeoutMs?: number;
}

export class HttpTokenValidator implements TokenValidator {
  private readonly cache = new Map<string, { ok: boolean; until: number }>();
  private readonly prefix: string;
  private readonly ttl: number;

  constructor(private readonly options: HttpTokenValidatorOptions) {
    this.prefix = options.resellerPrefix ?? 'AUTH';
    this.ttl = options.cacheTtlMs ?? 10_000;
  }

  private async validFor(token: string, projectId: string): Promise<boolean> {
    const key = `${token}\u0000${projectId}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.ok;
    const url = `${this.options.proxyUrl.replace(/\/$/, '')}/v1/${this.prefix}_${encodeURIComponent(projectId)}`;
    const res = await request(url, {
      method: 'HEAD', headers: { 'x-auth-token': token },
      headersTimeout: this.options.timeoutMs ?? 5000, bodyTimeout: this.options.timeoutMs ?? 5000,
    });
    await res.body.dump();
    let ok: boolean;
    if (res.statusCode >= 200 && res.statusCode < 300) ok = true;
    else if (res.statusCode === 401 || res.statusCode === 403) ok = false;
    else throw new Error(`auth check answered ${res.statusCode}`);
    // Refusals are cached too: a tempauth token's groups are fixed when it is issued.
    this.cache.set(key, { ok, until: Date.now() + this.ttl });
    if (this.cache.size > 10_000) this.cache.clear();
    return ok;
  }

  async validate(token: string, projectId: string): Promise<Principal | undefined> {
    if (!(await this.validFor(token, projectId))) return undefined;
    let isAdmin = false;
    for (const admin of this.options.adminProjects ?? ['admin']) {
      if (admin === projectId || (await this.validFor(token, admin))) {
        isAdmin = true;
        break;
      }
    }
    // tempauth tokens don't name their user; the token's digest stands in for a user id.
    return { userId: `tempauth:${token.slice(0, 12)}`, projectId, isAdmin };
  }
}

/**
 * Nova's `noauth2` strategy, for tests and clouds without the object store:
 * the token is `user:project`; user `admin` is an admin.
 */
export class NoAuthValidator implements TokenValidator {
  async validate(token: string, projectId: string): Promise<Principal | undefined> {
    const [user, project] = token.split(':');
    if (!user || !project || project !== projectId) return undefined;
    return { userId: user, projectId: project, isAdmin: user === 'admin' };
  }
}
