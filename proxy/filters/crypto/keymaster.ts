/**
 * keymaster: the keys encryption uses, derived per path from a root secret
 * so none is stored (Swift 2.30's `keymaster`):
 *
 *     key(path) = HMAC-SHA256(root secret, "/<account>/<container>[/<object>]")
 *
 * Root secrets are `encryption_root_secret` (base64 of at least 32 bytes)
 * and `encryption_root_secret_<id>`, in the filter's section or in the
 * `[keymaster]` section of the file `keymaster_config_path` names (then not
 * both). `active_root_secret_id` picks the one new data is written with;
 * the others stay to read what they wrote (rotation). The key id stored
 * with encrypted data names the secret and the path, so it decrypts even
 * after the active secret changed.
 */
import { createHmac } from 'node:crypto';
import { ConfigError, readIniFile, getSection, type Section } from '../../../common/index.js';
import type { CryptoKeys, FilterFactory, SwiftRequest } from '../../types.js';
import { splitPath, unquoteBytes } from '../../request-path.js';
import { UnknownSecretIdError } from './cipher.js';

const SECRET_OPT = 'encryption_root_secret';
const KEYMASTER_OPTS = (opt: string) => opt.startsWith(SECRET_OPT) || opt === 'active_root_secret_id';

/** Swift's `strict_b64decode(value, allow_line_breaks=True)`; undefined when not base64. */
function strictB64Decode(value: string): Buffer | undefined {
  const v = value.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) return undefined;
  return Buffer.from(v, 'base64');
}

export interface KeymasterConf {
  /** Root secrets by id ('' for the one without an id). */
  secrets: Map<string, Buffer>;
  activeId: string;
  metaVersion: '1' | '2' | '3';
}

/** The keymaster's options, checked as Swift's `BaseKeyMaster.__init__` does. */
export function loadKeymasterConf(filterConf: Section): KeymasterConf {
  const path = filterConf.keymaster_config_path;
  let conf = filterConf;
  if (path) {
    const bad = Object.keys(filterConf).filter(KEYMASTER_OPTS);
    if (bad.length) throw new ConfigError(`keymaster_config_path is set, but there are other config options specified: ${bad.join(', ')}`);
    const section = getSection(readIniFile(path), 'keymaster');
    if (!section) throw new ConfigError(`Unable to find keymaster config section in ${path}`);
    conf = section;
  }
  const where = path || 'proxy-server.conf';
  const secrets = new Map<string, Buffer>();
  for (const opt of Object.keys(conf).filter((k) => k.startsWith(SECRET_OPT)).sort()) {
    const suffix = opt.slice(SECRET_OPT.length);
    if (suffix && (suffix[0] !== '_' || suffix.length < 2)) throw new ConfigError(`Malformed root secret option name ${opt}`);
    const secret = strictB64Decode(conf[opt]);
    if (!secret || secret.length < 32) throw new ConfigError(`${opt} option in ${where} must be a base64 encoding of at least 32 raw bytes`);
    secrets.set(suffix.slice(1), secret);
  }
  const activeId = conf.active_root_secret_id || '';
  if (!secrets.has(activeId)) throw new ConfigError(`No secret loaded for active_root_secret_id ${activeId || 'None'}`);
  const metaVersion = conf.meta_version_to_write || '2';
  if (metaVersion !== '1' && metaVersion !== '2' && metaVersion !== '3') {
    throw new ConfigError(`Unknown/unsupported metadata version: '${metaVersion}'`);
  }
  return { secrets, activeId, metaVersion };
}

/** Decoded path parts as raw bytes' strings (UTF-8). */
interface PathParts {
  account: string;
  container?: string;
  object?: string;
}

/**
 * A path as a key id writes it: v1 and v2 hold Swift's "WSGI string" (the
 * UTF-8 bytes as latin1 code units), v3 the text itself.
 */
function idPath(path: string, version: string): string {
  return version === '3' ? path : Buffer.from(path, 'utf8').toString('latin1');
}

/** The path in a stored key id, back as text, split as `split_path(path, 1, 3, True)`. */
function keyIdParts(id: Record<string, unknown>, version: string): PathParts {
  const raw = typeof id.path === 'string' ? id.path : '';
  const text = version !== '3' && /^[\0-\xff]*$/.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
  const [, account = '', container, ...rest] = text.split('/');
  return { account, container, object: rest.length ? rest.join('/') : undefined };
}

/** Fetchers made here: a request passing a keymaster again does not chain to its own. */
const ours = new WeakSet<object>();

/** The keys for one request: its path's, or those a stored key id names (Swift's KeyMasterContext). */
export function keyFetcher(km: KeymasterConf, req: PathParts, found?: SwiftRequest['fetchCryptoKeys']): (keyId?: Record<string, unknown>) => CryptoKeys {
  const previous = found && !ours.has(found) ? found : undefined;
  const cache = new Map<string, CryptoKeys>();
  const derive = (secretId: string, path: string): Buffer => {
    const secret = km.secrets.get(secretId);
    if (!secret) throw new UnknownSecretIdError(secretId || undefined);
    return createHmac('sha256', secret).update(Buffer.from(path, 'utf8')).digest();
  };
  const makeId = (path: string, secretId: string, version: string): Record<string, unknown> => {
    const id: Record<string, unknown> = { v: version, path: idPath(path, version) };
    if (secretId) id.secret_id = secretId;
    return id;
  };
  const fetch = (keyId?: Record<string, unknown>): CryptoKeys => {
    let secretId = km.activeId;
    let version: string = km.metaVersion;
    let parts: PathParts = req;
    if (keyId) {
      secretId = typeof keyId.secret_id === 'string' ? keyId.secret_id : '';
      version = String(keyId.v);
      if (version !== '1' && version !== '2' && version !== '3') throw new Error(`Unknown key_id version: ${version}`);
      parts = keyIdParts(keyId, version);
      // A v1 id of an object whose name began with '/' held just the object name.
      if (version === '1' && typeof keyId.path === 'string' && !keyId.path.startsWith(`/${req.account}/`)) {
        parts = { account: req.account, container: req.container, object: keyId.path };
      }
    }
    const cacheKey = `${secretId}\0${version}\0${parts.account}\0${parts.container}\0${parts.object}`;
    const have = cache.get(cacheKey);
    if (have) return have;
    const keys: CryptoKeys = {};
    if (req.container) {
      try {
        let path = `/${parts.account}/${parts.container ?? req.container}`;
        keys.container = derive(secretId, path);
        if (req.object) {
          const obj = parts.object ?? req.object;
          path = version === '1' && obj.startsWith('/') ? obj : `${path}/${obj}`;
          keys.object = derive(secretId, path);
        }
        keys.id = makeId(path, secretId, version);
        keys.all_ids = [...km.secrets.keys()].sort().map((id) => makeId(path, id, version));
        if (previous) keys.all_ids.push(...(previous().all_ids ?? []));
      } catch (err) {
        // A keymaster left of this one may know the secret (Swift's alternate_fetch_keys).
        if (err instanceof UnknownSecretIdError && previous) return previous(keyId);
        throw err;
      }
      cache.set(cacheKey, keys);
    }
    return keys;
  };
  ours.add(fetch);
  return fetch;
}

/** The request's path as `split_path(path, 2, 4, True)` gives it, decoded; undefined when it has no account. */
function requestParts(req: SwiftRequest): PathParts | undefined {
  const segs = splitPath(unquoteBytes(req.path).toString('utf8'));
  if (!segs || !segs.account) return undefined;
  return { account: segs.account, container: segs.container || undefined, object: segs.object || undefined };
}

const KEYED_METHODS = new Set(['PUT', 'POST', 'GET', 'HEAD']);

export const keymaster: FilterFactory = (conf) => {
  const km = loadKeymasterConf(conf);
  return (next) => async (req) => {
    if (!KEYED_METHODS.has(req.method)) return next(req);
    const parts = requestParts(req);
    if (!parts) return next(req);
    req.fetchCryptoKeys = keyFetcher(km, parts, req.fetchCryptoKeys);
    return next(req);
  };
};
