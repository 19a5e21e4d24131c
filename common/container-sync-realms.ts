/**
 * `container-sync-realms.conf` (Swift's `ContainerSyncRealms`): each section
 * is a realm (`[US]`) with its `key`, an optional `key2` (for key rotation)
 * and its clusters (`cluster_dfw1 = https://dfw1.host/v1/`); realm and
 * cluster names are case-insensitive (kept upper-cased). `[DEFAULT]`
 * `mtime_check_interval` (300 s) is how often the file's mtime is looked at
 * to reload it, so servers pick up a rotated key without a restart.
 *
 * Also the realm-signed request's signature: a hex HMAC-SHA1, keyed by the
 * realm key, of `<method>\n<path>\n<x-timestamp>\n<nonce>\n<container sync key>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parseIni } from './config.js';
import type { Logger } from './logger.js';

export const CONTAINER_SYNC_REALMS_FILE = 'container-sync-realms.conf';

interface Realm {
  key?: string;
  key2?: string;
  /** Upper-cased cluster name → endpoint URL. */
  clusters: Map<string, string>;
}

const DEFAULT_MTIME_CHECK_INTERVAL = 300;

export class ContainerSyncRealms {
  private data = new Map<string, Realm>();
  private nextMtimeCheck = 0;
  private mtimeCheckInterval = DEFAULT_MTIME_CHECK_INTERVAL;
  private confMtime = 0;

  /** `now` in seconds, injectable for tests. */
  constructor(
    readonly confPath: string,
    private readonly logger?: Logger,
    private readonly now: () => number = () => Date.now() / 1000,
  ) {
    this.reload();
  }

  /** Reads the file again now, whatever its mtime. */
  reload(): void {
    this.nextMtimeCheck = 0;
    this.confMtime = 0;
    this.maybeReload();
  }

  private maybeReload(): void {
    const now = this.now();
    if (now < this.nextMtimeCheck) return;
    this.nextMtimeCheck = now + this.mtimeCheckInterval;
    let mtime: number;
    try {
      mtime = statSync(this.confPath).mtimeMs;
    } catch (err) {
      // No file is the usual "no realms"; only other errors are worth an error line.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.logger?.debug({ conf: this.confPath }, 'Could not load container sync realms: no such file');
      else this.logger?.error({ err, conf: this.confPath }, 'Could not load container sync realms');
      return;
    }
    if (mtime === this.confMtime) return;
    this.confMtime = mtime;
    let ini;
    try {
      ini = parseIni(readFileSync(this.confPath, 'utf8'), this.confPath);
    } catch (err) {
      this.logger?.error({ err, conf: this.confPath }, 'Could not load container sync realms');
      return;
    }
    const interval = ini.defaults.mtime_check_interval;
    if (interval === undefined) {
      this.mtimeCheckInterval = DEFAULT_MTIME_CHECK_INTERVAL;
    } else if (/^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(interval)) {
      this.mtimeCheckInterval = Number(interval);
    } else {
      this.logger?.error({ conf: this.confPath, value: interval }, 'Error in container sync realms with mtime_check_interval');
    }
    this.nextMtimeCheck = now + this.mtimeCheckInterval;
    const realms = new Map<string, Realm>();
    for (const [name, options] of ini.sections) {
      const realm: Realm = { clusters: new Map() };
      for (const [option, value] of Object.entries(options)) {
        if (option === 'key') realm.key = value;
        else if (option === 'key2') realm.key2 = value;
        else if (option.startsWith('cluster_')) realm.clusters.set(option.slice(8).toUpperCase(), value);
      }
      realms.set(name.toUpperCase(), realm);
    }
    this.data = realms;
  }

  private realm(name: string): Realm | undefined {
    this.maybeReload();
    return this.data.get(name.toUpperCase());
  }

  /** The realms' names, upper-cased. */
  realms(): string[] {
    this.maybeReload();
    return [...this.data.keys()];
  }

  key(realm: string): string | undefined {
    return this.realm(realm)?.key || undefined;
  }

  key2(realm: string): string | undefined {
    return this.realm(realm)?.key2 || undefined;
  }

  /** The realm's cluster names, upper-cased (none for an unknown realm). */
  clusters(realm: string): string[] {
    return [...(this.realm(realm)?.clusters.keys() ?? [])];
  }

  endpoint(realm: string, cluster: string): string | undefined {
    return this.realm(realm)?.clusters.get(cluster.toUpperCase()) || undefined;
  }
}

/**
 * The signature of a realm-signed request. `path` is the request's path
 * as sent (percent-encoded); the other parts are taken as UTF-8.
 */
export function containerSyncSignature(
  method: string, path: string, xTimestamp: string, nonce: string, realmKey: string, userKey: string,
): string {
  return createHmac('sha1', realmKey).update(`${method}\n${path}\n${xTimestamp}\n${nonce}\n${userKey}`).digest('hex');
}

/** Compares two signatures without leaking where they differ. */
export function sameContainerSyncSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What `X-Container-Sync-To` names once validated: the URL to send to, and the realm signing it (if realm form). */
export interface SyncTarget {
  endpoint: string;
  realm?: string;
  realmKey?: string;
}

/** Python's repr() of a str, enough for the error messages Swift builds with %r. */
function pyRepr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const URL_RE = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$/;

/**
 * Swift's `validate_sync_to`: an empty value is no target; the
 * `//realm/cluster/account/container` form needs the realm's key and the
 * cluster's endpoint in `realms`; a full URL must be http(s) with a path
 * and no params/query/fragment, to a host of `allowedSyncHosts`. Returns
 * Swift's error text, or the target.
 */
export function validateSyncTo(
  value: string, allowedSyncHosts: readonly string[], realms: ContainerSyncRealms | undefined,
): { error: string } | { target?: SyncTarget } {
  const trimmed = value.replace(/\/+$/, '');
  if (!trimmed) return {};
  if (trimmed.startsWith('//')) {
    if (!realms) return {};
    const data = trimmed.slice(2).split('/');
    if (data.length !== 4) return { error: `Invalid X-Container-Sync-To format ${pyRepr(value)}` };
    const [realm, cluster, account, container] = data;
    const realmKey = realms.key(realm);
    if (!realmKey) return { error: `No realm key for ${pyRepr(realm)}` };
    const endpoint = realms.endpoint(realm, cluster);
    if (!endpoint) return { error: `No cluster endpoint for ${pyRepr(realm)} ${pyRepr(cluster)}` };
    return { target: { endpoint: `${endpoint.replace(/\/+$/, '')}/${account}/${container}`, realm: realm.toUpperCase(), realmKey } };
  }
  const m = URL_RE.exec(trimmed);
  const scheme = (m?.[1] ?? '').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    return { error: `Invalid scheme ${pyRepr(scheme)} in X-Container-Sync-To, must be "//", "http", or "https".` };
  }
  const path = m![3] ?? '';
  if (!path) return { error: 'Path required in X-Container-Sync-To' };
  if (m![4] || m![5] || path.slice(path.lastIndexOf('/')).includes(';')) {
    return { error: 'Params, queries, and fragments not allowed in X-Container-Sync-To' };
  }
  const netloc = (m![2] ?? '').replace(/^.*@/, '');
  const host = (netloc.startsWith('[') ? netloc.slice(1, netloc.indexOf(']')) : netloc.replace(/:[^:]*$/, '')).toLowerCase();
  if (!allowedSyncHosts.includes(host)) return { error: `Invalid host ${host ? pyRepr(host) : 'None'} in X-Container-Sync-To` };
  return { target: { endpoint: trimmed } };
}
