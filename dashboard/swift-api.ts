/**
 * `/api/swift/<container>/<object>?…`: the browser's Swift API, relayed to
 * the proxy as the session's user. Request and response bodies stream
 * through (an upload is never held here; a browser that cancels its upload
 * aborts the proxy's PUT, so no partial object appears). Only the headers
 * a console needs pass, never the browser's cookies nor the proxy's token.
 */
import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { SwiftClient } from './swift-client.js';

export const SWIFT_API_PREFIX = '/api/swift';

const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'] as const;

const REQUEST_HEADERS = new Set([
  'accept', 'content-type', 'content-length', 'content-disposition', 'content-encoding', 'etag', 'range',
  'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since',
  'x-container-read', 'x-remove-container-read', 'x-versions-enabled',
  'x-delete-at', 'x-delete-after',
]);
const REQUEST_PREFIXES = ['x-object-meta-', 'x-remove-object-meta-', 'x-container-meta-', 'x-remove-container-meta-'];

const RESPONSE_DROP = new Set(['set-cookie', 'x-auth-token', 'x-storage-token', 'connection', 'keep-alive', 'transfer-encoding']);

/** The headers of a browser request that go on to the proxy. */
export function relayedRequestHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    if (REQUEST_HEADERS.has(name) || REQUEST_PREFIXES.some((p) => name.startsWith(p))) out[name] = value;
  }
  return out;
}

function relayedResponseHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !RESPONSE_DROP.has(name)) out[name] = value;
  return out;
}

/**
 * The account-relative path and query of a relayed URL, as the browser
 * quoted it; undefined for a dot segment (the account is the session's,
 * never another's).
 */
export function relayedPath(url: string): { path: string; query: URLSearchParams } | undefined {
  const rest = url.slice(SWIFT_API_PREFIX.length);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  if (path !== '' && !path.startsWith('/')) return undefined;
  let decoded: string[];
  try {
    decoded = path.split('/').map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  if (decoded.some((s) => s === '.' || s === '..')) return undefined;
  return { path: path === '/' ? '' : path, query };
}

export async function swiftApiRoutes(app: FastifyInstance, swift: SwiftClient): Promise<void> {
  // Bodies stay unread: they stream to the proxy.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.route({
    method: [...METHODS],
    url: '/*',
    handler: async (request, reply) => {
      const session = request.session!;
      const target = relayedPath(request.url);
      if (!target) return reply.code(400).send({ error: 'bad path' });
      // ?download asks for an attachment: the browser saves instead of showing.
      const download = target.query.has('download');
      target.query.delete('download');
      const qs = target.query.toString();
      const hasBody = request.method === 'PUT' || request.method === 'POST';
      const aborted = new AbortController();
      request.raw.once('close', () => {
        if (!request.raw.complete) aborted.abort();
      });
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) aborted.abort();
      });
      let res: Dispatcher.ResponseData;
      try {
        res = await swift.request(session, {
          method: request.method as Dispatcher.HttpMethod,
          path: `${target.path}${qs ? `?${qs}` : ''}`,
          headers: relayedRequestHeaders(request.headers),
          body: hasBody ? request.raw : undefined,
          signal: aborted.signal,
        });
      } catch (err) {
        if (aborted.signal.aborted) {
          request.log.info({ method: request.method }, 'browser went away; relayed request aborted');
          return reply.code(499).send();
        }
        request.log.error({ err, method: request.method }, 'the proxy could not be reached');
        return reply.code(502).send({ error: 'the object store could not be reached' });
      }
      if (res.statusCode === 401) {
        await res.body.dump();
        return reply.code(401).send({ error: 'the proxy refused the session (token expired?): log in again' });
      }
      reply.code(res.statusCode).headers(relayedResponseHeaders(res.headers));
      if (download) {
        const name = decodeURIComponent(target.path.split('/').pop() ?? 'download');
        reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
      }
      if (request.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304) {
        await res.body.dump();
        return reply.send();
      }
      return reply.send(res.body);
    },
  });
}
