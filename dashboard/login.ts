/**
 * Log in with tempauth credentials (asked of the proxy's /auth/v1.0, never
 * stored: only the token it gives is kept, server-side) and log out. The
 * credentials come in a POST body, so they never reach a URL or a log line.
 */
import type { FastifyInstance } from 'fastify';
import type { DashboardConfig } from './config.js';
import { renderLogin } from './html.js';
import { sessionCookie, type SessionStore } from './session.js';
import type { SwiftClient } from './swift-client.js';

interface LoginBody {
  user?: string;
  key?: string;
}

export async function loginRoutes(app: FastifyInstance, deps: { sessions: SessionStore; swift: SwiftClient; config: DashboardConfig; home: string }): Promise<void> {
  const { sessions, swift, config } = deps;
  const secure = (protocol: string): boolean => protocol === 'https';

  app.get('/login', { config: { public: true } }, async (request, reply) => {
    if (request.session) return reply.redirect(deps.home, 303);
    return reply.type('text/html; charset=utf-8').send(renderLogin());
  });

  app.post<{ Body: LoginBody }>('/login', { config: { public: true } }, async (request, reply) => {
    const user = typeof request.body?.user === 'string' ? request.body.user.trim() : '';
    const key = typeof request.body?.key === 'string' ? request.body.key : '';
    if (!user || !key) return reply.code(400).type('text/html; charset=utf-8').send(renderLogin('Give a user (account:user) and its key.'));
    let auth;
    try {
      auth = await swift.authenticate(user, key);
    } catch (err) {
      request.log.error({ err }, 'the proxy could not be reached for a login');
      return reply.code(502).type('text/html; charset=utf-8').send(renderLogin('The object store could not be reached; try again.'));
    }
    if (!auth) {
      request.log.info({ user }, 'login refused');
      return reply.code(401).type('text/html; charset=utf-8').send(renderLogin('Wrong user or key.'));
    }
    const life = Math.min(config.sessionLife, auth.expiresIn ?? Infinity);
    const session = sessions.create({ user, token: auth.token, storagePath: auth.storagePath, expires: Date.now() + life * 1000 });
    request.log.info({ user }, 'logged in');
    return reply.header('set-cookie', sessionCookie(session.id, life, secure(request.protocol))).redirect(deps.home, 303);
  });

  app.post('/logout', async (request, reply) => {
    if (request.session) sessions.delete(request.session.id);
    return reply.header('set-cookie', sessionCookie('', 0, secure(request.protocol))).redirect('/login', 303);
  });
}
