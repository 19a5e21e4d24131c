/**
 * The pipeline's shapes: paste.deploy's app/filter idea in TypeScript.
 * Bodies are streams end to end; nothing here buffers an object.
 */
import type { Readable } from 'node:stream';
import type { Section } from '../common/index.js';

/** Header names are lower-case; values are strings. */
export type Headers = Record<string, string>;

/**
 * What a WSGI environ carries between filters in Swift: the transaction id,
 * the cache, the authorize hook, the authenticated identity.
 */
export interface RequestEnv {
  transId: string;
  /** Set by the cache filter (Swift's `swift.cache`). */
  cache?: Cache;
  /**
   * Set by an auth filter; controllers call it (and await it: tempauth may
   * read the account's ACLs first) once they know the container's ACLs.
   * Undefined allows the request; a response denies it.
   */
  authorize?: (req: SwiftRequest) => SwiftResponse | undefined | Promise<SwiftResponse | undefined>;
  /**
   * Set by a filter that authorized the request itself (tempurl, a
   * pre-authed subrequest): auth filters below leave `authorize` as it is
   * (Swift's `swift.authorize_override`).
   */
  authorizeOverride?: boolean;
  /**
   * Set by container_sync on a realm-signed request: SLO lets the request
   * through untouched, as a synced manifest comes in its stored form (Swift's
   * `swift.slo_override`).
   */
  sloOverride?: boolean;
  /**
   * Set by the object controller on a PUT or DELETE: the container's
   * X-Container-Sync-Key, which the auth filter accepts in place of a token
   * from a container sync sender with a full-URL target (Swift's `swift_sync_key`).
   */
  swiftSyncKey?: string;
  /** Set by tempauth after authorizing (used to skip re-checks, as `swift_owner`). */
  swiftOwner?: boolean;
  remoteUser?: string;
  /** Set by an auth filter: normalises an ACL header or throws (Swift's `swift.clean_acl`). */
  cleanAcl?: (name: string, value: string) => string;
  /** A subrequest made by a filter (copy): skips auth re-entry where Swift does. */
  source?: string;
  /** Set by s3api on the Swift requests it makes (Swift's `s3api.auth_details`); the auth filter checks it. */
  s3Auth?: S3AuthDetails;
  /**
   * Set by the edge: the request's headers whose names are no RFC 9110
   * tokens (`x-amz-meta-"`), kept out of `headers` so nothing sends them on;
   * s3api signs them and keeps the metadata names AWS keeps.
   */
  nonTokenHeaders?: Headers;
  /**
   * Set by s3api: the path of the last Swift request it made for this S3
   * request (Swift's `swift.backend_path`), which proxy_logging's statsd
   * names go by.
   */
  backendPath?: string;
  /** Free-form extras a filter wants to pass down (Swift's environ keys). */
  [key: string]: unknown;
}

/**
 * An S3 request's credentials as s3api hands them to the auth filter: the
 * access key, a check of the signature given the secret, and the account
 * placeholder s3api put in the Swift paths it makes. The auth filter fills
 * in who it is (or why not) once, then rewrites each path's account.
 */
export interface S3AuthDetails {
  accessKey: string;
  verify(secret: string): boolean;
  /** `/v1/<access key, quoted>`: the prefix of every Swift path s3api makes. */
  pathPrefix: string;
  /**
   * s3api decides access itself from its ACLs (`s3_acl`): once the signature
   * holds, the auth filter lets the request through with the account
   * owner's rights (Swift's s3api sets `swift.authorize_override`).
   */
  aclAuthorized?: boolean;
  /** Set by the auth filter: whether the user owns the account in Swift's terms (what creating a bucket needs with `s3_acl`). */
  swiftOwner?: boolean;
  /** Set by the auth filter: the account (`AUTH_test`) the key belongs to. */
  account?: string;
  /** Set by the auth filter: the user's groups (REMOTE_USER). */
  groups?: string;
  /** Set by the auth filter when the key is unknown or the signature wrong. */
  failure?: 'InvalidAccessKeyId' | 'SignatureDoesNotMatch';
}

export interface SwiftRequest {
  method: string;
  /** The path exactly as received: percent-encoded. */
  path: string;
  /** The raw query string without '?'. */
  query: string;
  headers: Headers;
  /** The request body, or undefined for none. */
  body?: Readable;
  remoteAddr: string;
  env: RequestEnv;
  /** Set by the controller before calling `env.authorize`: the container ACLs. */
  acl?: string;
  /**
   * Set by a filter with object metadata known only once the whole body has
   * passed (Swift's `swift.callback.update_footers`; encryption's etags): the
   * object PUT then sends its body to the object servers as multipart MIME
   * and calls this after the last byte, with the footers to add to. Returning
   * a response answers that instead and stores nothing. A filter installing
   * one calls the one it found first. On the request, not the env: a
   * filter's subrequests share the env.
   */
  updateFooters?: (footers: Headers) => SwiftResponse | undefined;
  /**
   * Set by a keymaster (Swift's `swift.callback.fetch_crypto_keys`): the
   * keys for this request's path, or for the key id stored with what is
   * being decrypted. Throws when it has none.
   */
  fetchCryptoKeys?: (keyId?: Record<string, unknown>) => CryptoKeys;
}

/** What a keymaster hands the encryption filter (Swift's keys dict). */
export interface CryptoKeys {
  /** HMAC-derived from `/<account>/<container>`. */
  container?: Buffer;
  /** HMAC-derived from `/<account>/<container>/<object>`. */
  object?: Buffer;
  /** Stored with what these keys encrypt, handed back to decrypt it. */
  id?: Record<string, unknown>;
  /** The ids of the same path under every root secret (rotation). */
  all_ids?: Record<string, unknown>[];
}

export type ResponseBody = Readable | Buffer | string | undefined;

export interface SwiftResponse {
  status: number;
  headers: Headers;
  body?: ResponseBody;
  /** Write header names lower-case as they are (S3's `x-amz-meta-*`), not title-cased as swob does. */
  lowerCaseHeaders?: boolean;
}

export type App = (req: SwiftRequest) => Promise<SwiftResponse>;
export type Filter = (next: App) => App;
/** A filter factory: what `egg:swift#<name>` names. */
export type FilterFactory = (conf: Section, ctx: PipelineContext) => Filter | Promise<Filter>;

/** A TTL cache with memcache's shape (Swift's `swift.cache`). */
export interface Cache {
  get(key: string): Promise<unknown | undefined>;
  set(key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Adds `delta` (negative: subtracts, never below 0) to the integer at
   * `key`, creating it as `max(delta, 0)` when absent, atomically for every
   * client of the same cache; resolves to the new value. Rejects when the
   * cache can't be reached (unlike get/set, a guess would be wrong here).
   */
  incr(key: string, delta: number, ttlSeconds?: number): Promise<number>;
}

/** What the pipeline builder hands each factory besides its own section. */
export interface PipelineContext {
  logger: import('../common/index.js').Logger;
  /** The clock (ms since epoch), injectable for tests. */
  now: () => number;
  /** Registers information published by GET /info (Swift's register_swift_info). */
  registerInfo: (name: string, info: Record<string, unknown>) => void;
  info: Record<string, Record<string, unknown>>;
  /**
   * Set by the proxy app when it is built: account and container info as the
   * controllers see it, from the same caches (what Swift's middlewares get
   * from `get_account_info` / `get_container_info`).
   */
  infoSource?: InfoSource;
  /**
   * First path segments a filter answers outside the Swift API at a
   * configured path (tempauth's auth_prefix, list_endpoints_path): s3api
   * never takes an unsigned request under one for a path-style bucket.
   */
  ownPaths?: Set<string>;
  /** Set by the proxy app when it is built: its rings (what list_endpoints reads). */
  rings?: import('./controllers/context.js').Rings;
  /**
   * Set by the proxy app when it is built: the cluster's swift.conf (what a
   * Swift middleware reads through utils: hash path secrets for the
   * expirer queue's container names, policies).
   */
  swiftConf?: import('../common/index.js').SwiftConf;
}

export interface InfoSource {
  container(req: SwiftRequest, account: string, container: string): Promise<import('./controllers/info.js').ContainerInfo>;
  account(req: SwiftRequest, account: string): Promise<import('./controllers/info.js').AccountInfo>;
  /** A storage policy by index (undefined when unknown). */
  policy(index: number): { name: string; deprecated: boolean } | undefined;
}
