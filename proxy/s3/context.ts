/**
 * One S3 request in flight: what it names, who signed it, and how it
 * reaches Swift. Every Swift request s3api makes goes through `swift()`,
 * down the rest of the pipeline (the auth filter first), with the account
 * placeholder the auth filter replaces.
 */
import type { Readable } from 'node:stream';
import { quotePath } from '../../common/index.js';
import type { App, Headers, PipelineContext, S3AuthDetails, SwiftResponse } from '../types.js';
import { subrequest } from '../subrequest.js';
import { dropBody } from '../response.js';
import type { S3Conf } from './conf.js';
import type { S3Request } from './request.js';
import type { S3Signature } from './auth/index.js';
import { swiftError } from './swift-errors.js';

export interface SwiftCall {
  query?: string;
  headers?: Headers;
  body?: Readable;
  /**
   * Object metadata known only once the body has passed (a trailer's
   * checksum): sent as PUT footers, stored with the object atomically
   * (`SwiftRequest.updateFooters`).
   */
  footers?: (footers: Headers) => SwiftResponse | undefined;
}

export class S3Context {
  readonly auth: S3AuthDetails;

  constructor(
    readonly req: S3Request,
    readonly conf: S3Conf,
    readonly next: App,
    readonly signature: S3Signature,
    readonly now: () => number,
    /** The pipeline's context: /info (which filters run below) and the cached container info. */
    readonly pipeline?: PipelineContext,
    /** An unsigned request's: the account holding its bucket (its ACL decides, acl-check.ts). */
    readonly anonymousAccount?: string,
  ) {
    if (anonymousAccount !== undefined) {
      this.auth = { accessKey: '', verify: () => false, pathPrefix: quotePath(`/v1/${anonymousAccount}`), account: anonymousAccount };
      return;
    }
    this.auth = {
      accessKey: signature.accessKey,
      verify: (secret) => signature.verify(secret),
      pathPrefix: `/v1/${encodeURIComponent(signature.accessKey)}`,
      // With s3_acl the ACLs decide (acl-check.ts); the auth filter checks the signature only.
      aclAuthorized: conf.s3Acl,
    };
    req.swift.env.s3Auth = this.auth;
  }

  /** An unsigned request's stand-in signature: nothing to verify, an unsigned body. */
  static readonly ANONYMOUS: S3Signature = { accessKey: '', verify: () => false, payload: { kind: 'unsigned' } };

  /** The requester's S3 id (and display name): the tempauth user, `account:user`. */
  get userId(): string {
    return this.auth.accessKey;
  }

  /** Who asks, for the ACLs: the user's id. */
  get requester(): string | undefined {
    return this.anonymousAccount === undefined ? this.userId : undefined;
  }

  get bucket(): string {
    return this.req.bucket!;
  }

  get key(): string {
    return this.req.key!;
  }

  /** Whether a filter registered `name` in /info (object_versioning, …). */
  hasFeature(name: string): boolean {
    return this.pipeline?.info[name] !== undefined;
  }

  /** The Swift path of a container (and object) in the requester's account. */
  swiftPath(container?: string, object?: string): string {
    let path = this.auth.pathPrefix;
    if (container !== undefined) path += quotePath(`/${container}`);
    if (object !== undefined) path += quotePath(`/${object}`);
    return path;
  }

  /**
   * The account the requester's Swift paths resolve to, once the auth filter
   * below has checked the signature (undefined when no auth filter there
   * takes S3 credentials). Until one of our Swift requests has passed it,
   * a `TEST` request does (Swift's s3api sends the same before
   * `get_container_info`): the proxy answers that method 405 without
   * reaching a storage node. A failed check is the S3 error it names.
   */
  async authenticatedAccount(): Promise<string | undefined> {
    if (this.auth.account === undefined) {
      const resp = await this.swift('TEST');
      dropBody(resp.body);
      if (resp.status === 401) throw await swiftError(this, resp, 'service');
    }
    return this.auth.account;
  }

  /**
   * A Swift request through the rest of the pipeline. Its path becomes the
   * request's `backendPath` (Swift's `s3api.backend_path`, then
   * `swift.backend_path`): the last one made names the S3 request's type in
   * proxy_logging's statsd names (`object.PUT.200`). The auth check's `TEST`
   * does not count, as in Swift.
   */
  async swift(method: string, container?: string, object?: string, call: SwiftCall = {}): Promise<SwiftResponse> {
    const sub = subrequest(this.req.swift, {
      method,
      path: this.swiftPath(container, object),
      query: call.query,
      headers: call.headers,
      agent: 'S3Api',
    });
    if (call.body) sub.body = call.body;
    if (this.anonymousAccount !== undefined) {
      // The ACL let an unsigned request in: what it asks runs without the auth filter's say (pre-authed).
      sub.env = { ...sub.env };
      delete sub.env.authorize;
      sub.env.authorizeOverride = true;
    }
    if (call.footers) sub.updateFooters = call.footers;
    const resp = await this.next(sub);
    if (method !== 'TEST') this.req.swift.env.backendPath = sub.path;
    return resp;
  }
}
