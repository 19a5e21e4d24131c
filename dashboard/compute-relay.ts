/**
 * The browser's way to the compute API (Nova v2.1) and the image API
 * (Glance v2), relayed as the session's user: its token goes on from here
 * (the browser never holds it), the project is the token's own account.
 * Bodies stream both ways, so an image upload is never held here, and a
 * browser that cancels it aborts the image API's PUT.
 */
import type { FastifyInstance } from 'fastify';
import { request, type Dispatcher } from 'undici';

const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'] as const;
const REQUEST_HEADERS = new Set(['accept', 'content-type', 'content-length', 'openstack-api-version', 'x-openstack-nova-api-version']);
const RESPONSE_DROP = new Set(['set-cookie', 'x-auth-token', 'x-subject-token', 'connection', 'keep-alive', 'transfer-encoding']);

export interface RelayTarget {
  /** e.g. `/nova`: the part of the browser's URL after the page's API prefix. */
  prefix: string;
  /** Where it goes, e.g. `http://127.0.0.1:8774/v2.1`. */
  base: string;
}

/** The path and query after `prefix`, undefined for a dot segment or a path that does not decode. */
export function relayedRest(url: string, prefix: string): string | undefined {
  const at = url.indexOf(prefix);
  if (at < 0) return undefined;
  const rest = url.slice(at + prefix.length);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  if (!path.startsWith('/')) return undefined;
  try {
    if (path.split('/').some((s) => ['.', '..'].includes(decodeURIComponent(s)))) return undefined;
  } catch {
    return undefined;
  }
  return rest;
}

/** Registers `<prefix>/*` for each target; `app` must be the page's own (encapsulated) plugin. */
export function computeRelayRoutes(app: FastifyInstance, targets: readonly RelayTarget[], dispatcher: Dispatcher): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  for (const target of targets) {
    app.route({
      method: [...METHODS],
      url: `${target.prefix}/*`,
      handler: async (req, reply) => {
        const rest = relayedRest(req.url, target.prefix);
        if (rest === undefined) return reply.code(400).send({ error: 'bad path' });
        const headers: Record<string, string> = { 'x-auth-token': req.session!.token };
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && REQUEST_HEADERS.has(name)) headers[name] = value;
        const aborted = new AbortController();
        req.raw.once('close', () => {
          if (!req.raw.complete) aborted.abort();
        });
        const hasBody = ['PUT', 'POST', 'PATCH'].includes(req.method) && (req.headers['content-length'] !== '0' || req.headers['transfer-encoding'] !== undefined);
        let res: Dispatcher.ResponseData;
        try {
          res = await request(`${target.base}${rest}`, {
            dispatcher, method: req.method as Dispatcher.HttpMethod, headers, body: hasBody ? req.raw : undefined, signal: aborted.signal,
          });
        } catch (err) {
          if (aborted.signal.aborted) return reply.code(499).send();
          req.log.error({ err, method: req.method }, 'the compute or image API could not be reached');
          return reply.code(502).send({ error: 'the compute or image API could not be reached' });
        }
        if (res.statusCode === 401) {
          await res.body.dump();
          return reply.code(401).send({ error: 'the API refused the session (token expired?): log in again' });
        }
        reply.code(res.statusCode);
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined && !RESPONSE_DROP.has(name)) reply.header(name, value);
        if (req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304) {
          await res.body.dump();
          return reply.send();
        }
        return reply.send(res.body);
      },
    });
  }
}
