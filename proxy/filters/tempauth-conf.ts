/**
 * tempauth's options: reseller prefixes (Swift's
 * `config_read_reseller_options`: `reseller_prefix = AUTH, SERVICE` and
 * per-prefix `<PREFIX>_require_group`), users from
 * `user_<account>_<user> = <key> [.admin] [.reseller_admin] [group…] [storage_url]`,
 * and the groups a user's token stands for.
 */
import { ConfigError } from '../../common/index.js';

export interface TempAuthUser {
  key: string;
  groups: string[];
  /** Storage URL with `$HOST` for the request's scheme://host. */
  url: string;
}

export interface TempAuthConf {
  /** Every prefix, `_`-terminated ('' for the empty one), the first one's tokens and URLs ours. */
  resellerPrefixes: string[];
  /** The first prefix: tokens are `<it>tk…`, users' default storage URLs `/v1/<it><account>`. */
  resellerPrefix: string;
  /** Per prefix: the group a user needs besides the account's `.admin` to own such an account. */
  requireGroup: Map<string, string>;
  authPrefix: string;
  tokenLife: number;
  storageUrlScheme: string;
  /** `account:user` → user. */
  users: Map<string, TempAuthUser>;
}

/** Swift's `config_read_reseller_options(conf, {require_group: ''})`. */
function resellerOptions(conf: Record<string, string>): { prefixes: string[]; requireGroup: Map<string, string> } {
  const prefixes: string[] = [];
  for (let p of (conf.reseller_prefix ?? 'AUTH').split(',').map((x) => x.trim()).filter(Boolean)) {
    if (p === "''") p = '';
    if (p && !p.endsWith('_')) p += '_';
    if (!prefixes.includes(p)) prefixes.push(p);
  }
  if (prefixes.length === 0) prefixes.push('');
  const requireGroup = new Map<string, string>();
  for (const p of prefixes) {
    const own = conf[`${p === '' ? "''" : p}require_group`]?.trim();
    const all = conf.require_group?.trim();
    requireGroup.set(p, own || all || '');
  }
  return { prefixes, requireGroup };
}

/** Parses tempauth's options, including the `user_<account>_<user>` lines. */
export function tempAuthConf(conf: Record<string, string>): TempAuthConf {
  const { prefixes, requireGroup } = resellerOptions(conf);
  const resellerPrefix = prefixes[0];
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
    const last = values[values.length - 1];
    if (values.length && (last.includes('://') || last.includes('$HOST'))) url = values.pop()!;
    users.set(`${account}:${user}`, { key, groups: values, url });
  }
  return {
    resellerPrefixes: prefixes,
    resellerPrefix,
    requireGroup,
    authPrefix,
    tokenLife: Number(conf.token_life ?? 86400),
    storageUrlScheme: conf.storage_url_scheme ?? 'default',
    users,
  };
}

/** The account a user's storage URL names (Swift's `account_id`: its last segment). */
export function userAccountId(user: TempAuthUser): string {
  return user.url.slice(user.url.lastIndexOf('/') + 1);
}

/**
 * Swift's `_get_user_groups`: account, account:user, the user's groups;
 * `.admin` becomes the account under every non-empty prefix (and the
 * storage URL's account), which is what makes the user its owner.
 */
export function userGroups(conf: TempAuthConf, accountUser: string): string[] {
  const [account] = accountUser.split(':');
  const user = conf.users.get(accountUser)!;
  const groups = [account, accountUser, ...user.groups];
  const i = groups.indexOf('.admin');
  if (i !== -1) {
    groups.splice(i, 1);
    for (const p of conf.resellerPrefixes) if (p !== '') groups.push(p + account);
    const id = userAccountId(user);
    if (!groups.includes(id)) groups.push(id);
  }
  return groups;
}

/** Swift's `_get_account_prefix`: the first non-empty prefix of ours the account starts with, else '' if one of ours is empty, else undefined. */
export function accountPrefix(conf: TempAuthConf, account: string): string | undefined {
  for (const p of conf.resellerPrefixes) if (p !== '' && account.startsWith(p)) return p;
  return conf.resellerPrefixes.includes('') ? '' : undefined;
}
