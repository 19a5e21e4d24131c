/**
 * Who is asking: the compute API accepts the object store's tempauth
 * tokens (X-Auth-Token). A token is valid for project P when a `HEAD` of
 * the account `AUTH_<P>` on the object store's proxy with that token answers
 * 2xx (401/403: not valid). The project comes from the request
 * (`/v2.1/{project_id}/…`, the form Nova's catalog entry uses, or
 * `X-Project-Id`), or, when it names none, from the token itself.
 *
 * Whose a token is: swiftly's tempauth answers a `GET <auth_url>` carrying
 * only `X-Auth-Token` with that token's user (`X-Auth-User: account:user`)
 * and storage URL — the user id, and the token's own account (its project).
 * Swift's own tempauth has no such call (it answers 401): there the user id
 * is the project's name and the project must be named. Answers are cached
 * for a few seconds so a burst of API calls costs one lookup.
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
  /**
   * The principal, or undefined when the token is not valid for the project
   * (or names none, when `projectId` is not given). Without `projectId`, the
   * token's own project. Throws when the auth service cannot answer.
   */
  validate(token: string, projectId?: string): Promise<Principal | undefined>;
}

export interface HttpTokenValidatorOptions {
  /** The proxy's base URL, e.g. `http://127.0.0.1:8080`. */
  proxyUrl: string;
  /** tempauth's token URL, asked whose a token is; `<proxyUrl>/auth/v1.0` by default. */
  authUrl?: string;
  /** Swift's reseller_prefix (AUTH). */
  resellerPrefix?: string;
  adminProjects?: readonly string[];
  cacheTtlMs?: number;
  timeoutMs?: number;
}

/** A token's owner as tempauth tells it. */
interface TokenIdentity {
  /** `account:user`. */
  user: string;
  /** The token's own project (its storage URL's account without the reseller prefix), if that is one of ours. */
  project?: string;
}

export class HttpTokenValidator implements TokenValidator {
  private readonly cache = new Map<string, { ok: boolean; until: number }>();
  private readonly identities = new Map<string, { identity: TokenIdentity | undefined; until: number }>();
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

  /** Whose the token is (undefined: tempauth doesn't say, or the token is not valid). */
  private async identify(token: string): Promise<TokenIdentity | undefined> {
    const hit = this.identities.get(token);
    if (hit && hit.until > Date.now()) return hit.identity;
    const url = this.options.authUrl ?? `${this.options.proxyUrl.replace(/\/$/, '')}/auth/v1.0`;
    const res = await request(url, {
      headers: { 'x-auth-token': token },
      headersTimeout: this.options.timeoutMs ?? 5000, bodyTimeout: this.options.timeoutMs ?? 5000,
    });
    await res.body.dump();
    let identity: TokenIdentity | undefined;
    const user = res.headers['x-auth-user'];
    const storageUrl = res.headers['x-storage-url'];
    if (res.statusCode === 200 && typeof user === 'string' && user.includes(':')) {
      identity = { user };
      const account = typeof storageUrl === 'string' ? decodeURIComponent(new URL(storageUrl, url).pathname.split('/')[2] ?? '') : '';
      if (account.startsWith(`${this.prefix}_`) && account.length > this.prefix.length + 1) identity.project = account.slice(this.prefix.length + 1);
    } else if (res.statusCode !== 200 && res.statusCode !== 401 && res.statusCode !== 403 && res.statusCode !== 400) {
      throw new Error(`token lookup answered ${res.statusCode}`);
    }
    this.identities.set(token, { identity, until: Date.now() + this.ttl });
    if (this.identities.size > 10_000) this.identities.clear();
    return identity;
  }

  async validate(token: string, named?: string): Promise<Principal | undefined> {
    const identity = await this.identify(token);
    const projectId = named ?? identity?.project;
    if (projectId === undefined || !(await this.validFor(token, projectId))) return undefined;
    let isAdmin = false;
    for (const admin of this.options.adminProjects ?? ['admin']) {
      if (admin === projectId || (await this.validFor(token, admin))) {
        isAdmin = true;
        break;
      }
    }
    // Swift's own tempauth can't say whose a token is: the project stands in for its user.
    return { userId: identity?.user ?? projectId, projectId, isAdmin };
  }
}

/**
 * Nova's `noauth2` strategy, for tests and clouds without the object store:
 * the token is `user:project`; user `admin` is an admin.
 */
export class NoAuthValidator implements TokenValidator {
  async validate(token: string, projectId?: string): Promise<Principal | undefined> {
    const [user, project] = token.split(':');
    if (!user || !project || (projectId !== undefined && project !== projectId)) return undefined;
    return { userId: user, projectId: project, isAdmin: user === 'admin' };
  }
}
