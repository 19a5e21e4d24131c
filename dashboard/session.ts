/**
 * Sessions kept server-side: the browser holds only a random id in an
 * HttpOnly, SameSite=Strict cookie; the proxy's token, the storage URL and
 * the session's CSRF token stay here. In memory: a restarted dashboard
 * asks everyone to log in again, which is what a token-holding console
 * should do anyway.
 */
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'swiftly_dashboard';

export interface Session {
  id: string;
  /** tempauth's `account:user`. */
  user: string;
  /** The proxy's token (X-Auth-Token); never sent to the browser. */
  token: string;
  /** The account's path on the proxy, e.g. `/v1/AUTH_test`. */
  storagePath: string;
  /** Sent with every state-changing request (X-CSRF-Token header or `csrf` form field). */
  csrf: string;
  /** Epoch ms. */
  expires: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(fields: Omit<Session, 'id' | 'csrf'>): Session {
    this.sweep();
    const session: Session = { ...fields, id: randomBytes(32).toString('base64url'), csrf: randomBytes(24).toString('base64url') };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (session && session.expires <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expires <= now) this.sessions.delete(id);
  }
}

/** One cookie's value from a Cookie header (RFC 6265 pairs; we only ever read our own). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value for a session id (`maxAge` 0 clears it). */
export function sessionCookie(id: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${secure ? '; Secure' : ''}`;
}
