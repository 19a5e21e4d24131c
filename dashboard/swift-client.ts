/**
 * The dashboard server's way to the proxy: tempauth's /auth/v1.0 for a
 * login, then Swift API requests as the session's user. Bodies are streams
 * both ways (undici), never read whole here.
 */
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import type { Session } from './session.js';

export interface SwiftAuth {
  token: string;
  /** The account's path, e.g. `/v1/AUTH_test` (the host is the proxy URL's). */
  storagePath: string;
  /** Seconds the token lives, when the proxy says. */
  expiresIn?: number;
}

export interface SwiftRequestOptions {
  method?: Dispatcher.HttpMethod;
  /** Already quoted, starting with `/` (or empty for the account), query string included. */
  path: string;
  headers?: Record<string, string>;
  body?: Readable | string | Buffer;
  signal?: AbortSignal;
}

export class SwiftClient {
  readonly dispatcher: Agent;

  constructor(readonly proxyUrl: string) {
    this.dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  }

  /** tempauth login; undefined when the proxy refuses the credentials. */
  async authenticate(user: string, key: string): Promise<SwiftAuth | undefined> {
    const res = await request(`${this.proxyUrl}/auth/v1.0`, {
      dispatcher: this.dispatcher, headers: { 'x-auth-user': user, 'x-auth-key': key },
    });
    await res.body.dump();
    const token = res.headers['x-auth-token'];
    const storageUrl = res.headers['x-storage-url'];
    if (res.statusCode !== 200 && res.statusCode !== 204) return undefined;
    if (typeof token !== 'string' || typeof storageUrl !== 'string') return undefined;
    const expires = Number(res.headers['x-auth-token-expires']);
    return { token, storagePath: new URL(storageUrl).pathname.replace(/\/+$/, ''), expiresIn: Number.isFinite(expires) && expires > 0 ? expires : undefined };
  }

  /** A request to the session's account (path relative to it); the caller consumes or dumps the body. */
  request(session: Session, options: SwiftRequestOptions): Promise<Dispatcher.ResponseData> {
    return request(`${this.proxyUrl}${session.storagePath}${options.path}`, {
      dispatcher: this.dispatcher,
      method: options.method ?? 'GET',
      headers: { ...options.headers, 'x-auth-token': session.token },
      body: options.body,
      signal: options.signal,
    });
  }

  /** A JSON answer of the account (e.g. `?format=json`), or an error naming the status. */
  async json<T>(session: Session, path: string): Promise<T> {
    const res = await this.request(session, { path });
    if (res.statusCode === 204) {
      await res.body.dump();
      return [] as T;
    }
    if (res.statusCode >= 300) {
      await res.body.dump();
      throw new SwiftStatusError(res.statusCode, `GET ${path}`);
    }
    return (await res.body.json()) as T;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

/** A Swift answer the dashboard can't use; its status goes back to the browser. */
export class SwiftStatusError extends Error {
  readonly code = 'DASHBOARD_SWIFT_STATUS';
  constructor(readonly status: number, what: string) {
    super(`${what}: the proxy answered ${status}`);
  }
}
