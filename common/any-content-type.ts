/**
 * Swift takes any Content-Type on any request (an object's type is only
 * stored), while fastify answers 415 to one that is not `type/subtype`
 * before any handler runs. This hides the header while fastify picks a body
 * parser (the only one left is a catch-all that reads nothing, so bodies
 * stay streams) and puts it back before the handler sees the request.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export function acceptAnyContentType(app: FastifyInstance): void {
  const hidden = new WeakMap<IncomingMessage, string | string[]>();
  app.addHook('onRequest', (request, _reply, done) => {
    const ct = request.raw.headers['content-type'];
    if (ct !== undefined) {
      hidden.set(request.raw, ct);
      delete request.raw.headers['content-type'];
    }
    done();
  });
  app.addHook('preValidation', (request, _reply, done) => {
    const ct = hidden.get(request.raw);
    if (ct !== undefined) request.raw.headers['content-type'] = ct as string;
    done();
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
}
