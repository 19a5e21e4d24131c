/**
 * Who may do what: every request finds its session from the cookie; a page
 * or API call without one goes to the login page (or gets 401); every
 * state-changing request must come from our own origin (Origin and
 * Sec-Fetch-Site, where the browser sends them) and, once logged in, carry
 * the session's CSRF token (X-CSRF-Token header, or a `csrf` field of a
 * plain form). SameSite=Strict on the cookie is the first wall; these are
 * the second, for browsers or proxies that lose it.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readCookie, SESSION_COOKIE, type Session, type SessionStore } from './session.js';

declare module 'fastify' {
  interface FastifyRequest {
    session: Session | undefined;
  }
  interface FastifyContextConfig {
    /** Served without a session (the login page, static files). */
    public?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether a state-changing request comes from a page of ours (as far as the browser tells). */
function fromOurOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return origin === `${request.protocol}://${request.headers.host ?? ''}`;
}

function refuse(request: FastifyRequest, reply: FastifyReply, status: number, message: string): FastifyReply {
  if (request.url.startsWith('/api/')) return reply.code(status).type('application/json').send({ error: message });
  if (status === 401) return reply.redirect('/login', 303);
  return reply.code(status).type('text/plain; charset=utf-8').send(message);
}

export function installGuard(app: FastifyInstance, sessions: SessionStore): void {
  app.decorateRequest('session', undefined);
  app.addHook('onRequest', async (request, reply) => {
    request.session = sessions.get(readCookie(request.headers.cookie, SESSION_COOKIE));
    if (!SAFE_METHODS.has(request.method) && !fromOurOrigin(request)) return refuse(request, reply, 403, 'cross-origin request refused');
    if (!request.session && !request.routeOptions.config?.public) return refuse(request, reply, 401, 'log in first');
    return undefined;
  });
  // After body parsing, so a plain form's `csrf` field counts; bodies the
  // API streams are not read before this runs.
  app.addHook('preHandler', async (request, reply) => {
    if (SAFE_METHODS.has(request.method) || !request.session) return undefined;
    const header = request.headers['x-csrf-token'];
    const field = (request.body as { csrf?: unknown } | undefined)?.csrf;
    const sent = typeof header === 'string' ? header : typeof field === 'string' ? field : '';
    if (!sameString(sent, request.session.csrf)) return refuse(request, reply, 403, 'missing or wrong CSRF token');
    return undefined;
  });
}
