/**
 * The image service's HTTP edge (fastify): Glance v2 under `/v2`.
 * X-Auth-Token is checked with the compute API's TokenValidator for the
 * project named by `X-Project-Id` (what keystonemiddleware passes on), or
 * without one for the token's own project (its tempauth account). Image data is streamed: the
 * octet-stream parser leaves the body unread for the upload route.
 */
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { SwiftlyError, type Logger } from '../../common/index.js';
import type { TokenValidator } from '../api/auth.js';
import { applyPatch, createFields, imageView } from './glance-views.js';
import { httpError, VISIBILITIES, type Caller, type GlanceService } from './glance-service.js';
import { registerMemberRoutes } from './glance-members.js';
import { MEMBER_STATUSES, type ImageDb, type MemberStatus } from './image-db.js';

export interface GlanceAppOptions {
  service: GlanceService;
  db: ImageDb;
  validator: TokenValidator;
  logger: Logger;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 410: 'Gone', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 499: 'Client Disconnect', 500: 'Internal Server Error', 503: 'Service Unavailable' };
const PATCH_TYPES = ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'];
const MAX_LIMIT = 1000;

export function createGlanceApp(options: GlanceAppOptions): FastifyInstance {
  const { service, db } = options;
  const app = Fastify({
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    genReqId: () => `req-${randomUUID()}`,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1 << 20,
  });

  app.addContentTypeParser('application/octet-stream', (_req, _payload, done) => done(null));
  app.addContentTypeParser(PATCH_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(httpError(400, 'Malformed JSON in request body.'));
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-openstack-request-id', req.id);
  });

  // Glance's (webob's) plain-text error bodies: "<status> <reason>\n\n<message>\n\n   ".
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    let status = err instanceof SwiftlyError ? err.status : err.statusCode ?? 500;
    let message = err.message;
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      message = `Unsupported Content-Type`;
    } else if (err.code?.startsWith('FST_ERR_CTP') || err instanceof SyntaxError) {
      status = 400;
      message = 'Malformed request body';
    }
    if (status >= 500) req.log.error({ err: err.message }, 'image API error');
    if (reply.sent || reply.raw.headersSent) return;
    void reply.code(status).type('text/plain; charset=UTF-8').send(`${status} ${REASONS[status] ?? 'Error'}\n\n${message}\n\n   `);
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).type('text/plain; charset=UTF-8').send('404 Not Found\n\nThe resource could not be found.\n\n   ');
  });

  const origin = (req: FastifyRequest) => `${req.protocol}://${req.headers.host ?? 'localhost'}`;
  const versions = (req: FastifyRequest) => ({
    versions: ['2.9', '2.8', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'].map((v, n) => ({
      id: `v${v}`, status: n === 0 ? 'CURRENT' : 'SUPPORTED', links: [{ rel: 'self', href: `${origin(req)}/v2/` }],
    })),
  });
  app.get('/', async (req, reply) => reply.code(300).send(versions(req)));
  app.get('/versions', async (req) => versions(req));

  void app.register(async (v2) => {
    v2.addHook('preHandler', async (req) => {
      const token = req.headers['x-auth-token'];
      const named = req.headers['x-project-id'] ?? req.headers['x-tenant-id'];
      // No project named: the token's own (its tempauth account).
      const project = typeof named === 'string' && named ? named : undefined;
      if (typeof token !== 'string' || !token) {
        throw httpError(401, 'This server could not verify that you are authorized to access the document you requested.');
      }
      let principal;
      try {
        principal = await options.validator.validate(token, project);
      } catch (err) {
        req.log.error({ err: (err as Error).message }, 'auth service unreachable');
        throw httpError(503, 'The authentication service is unavailable.');
      }
      if (!principal) throw httpError(401, 'This server could not verify that you are authorized to access the document you requested.');
      req.caller = { projectId: principal.projectId, isAdmin: principal.isAdmin };
    });

    v2.post('/images', async (req, reply) => {
      const body = req.body as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw httpError(400, 'Request body must be a JSON object.');
      const fields = createFields(body);
      if (fields.id && db.exists(fields.id)) throw httpError(409, `Image with identifier ${fields.id} already exists!`);
      if (fields.visibility === 'public' && !req.caller!.isAdmin) throw httpError(403, 'You are not authorized to complete publicize_image action.');
      if (fields.owner !== undefined && fields.owner !== req.caller!.projectId && !req.caller!.isAdmin) throw httpError(403, 'You are not permitted to create images owned by another project.');
      const image = db.create({ ...fields, owner: fields.owner === undefined ? req.caller!.projectId : fields.owner });
      return reply.code(201).header('location', `${origin(req)}/v2/images/${image.id}`).send(imageView(image));
    });

    v2.get('/images', async (req) => {
      const q = req.query as Record<string, string | undefined>;
      const limit = q.limit === undefined ? 25 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 0) throw httpError(400, 'limit param must be an integer');
      const caller = req.caller!;
      if (q.visibility !== undefined && q.visibility !== 'all' && !VISIBILITIES.includes(q.visibility)) throw httpError(400, `Invalid visibility value: ${q.visibility}`);
      if (q.member_status !== undefined && q.member_status !== 'all' && !MEMBER_STATUSES.includes(q.member_status as MemberStatus)) {
        throw httpError(400, `Invalid status value: ${q.member_status}`);
      }
      let images;
      try {
        images = db.list({
          project: caller.isAdmin ? undefined : caller.projectId,
          name: q.name, status: q.status, visibility: q.visibility, memberStatus: q.member_status, owner: q.owner, limit: Math.min(limit, MAX_LIMIT), marker: q.marker,
        });
      } catch (err) {
        if ((err as { code?: string }).code === 'MARKER') throw httpError(400, `marker ${q.marker} not found`);
        throw err;
      }
      const out: Record<string, unknown> = { images: images.map(imageView), first: '/v2/images', schema: '/v2/schemas/images' };
      if (images.length > 0 && images.length === Math.min(limit, MAX_LIMIT)) {
        const params = new URLSearchParams(Object.entries(q).filter(([k, v]) => k !== 'marker' && v !== undefined) as [string, string][]);
        params.set('marker', images[images.length - 1].id);
        out.next = `/v2/images?${params.toString()}`;
      }
      return out;
    });

    v2.get('/images/:id', async (req) => imageView(service.get(req.caller!, (req.params as { id: string }).id)));

    v2.patch('/images/:id', async (req) => {
      const ctype = (req.headers['content-type'] ?? '').split(';')[0].trim();
      if (!PATCH_TYPES.includes(ctype)) throw httpError(415, `Unsupported Content-Type: use ${PATCH_TYPES[0]}`);
      const id = (req.params as { id: string }).id;
      const image = service.writable(req.caller!, id);
      const fields = applyPatch(image, req.body, req.caller!.isAdmin);
      if (fields.owner !== image.owner && !req.caller!.isAdmin) throw httpError(403, 'You are not permitted to change the owner of an image.');
      if (fields.visibility === 'public' && image.visibility !== 'public' && !req.caller!.isAdmin) throw httpError(403, 'You are not authorized to complete publicize_image action.');
      db.update(id, fields);
      return imageView(db.get(id)!);
    });

    v2.delete('/images/:id', async (req, reply) => {
      await service.delete(req.caller!, (req.params as { id: string }).id);
      return reply.code(204).send();
    });

    registerMemberRoutes(v2, service);

    v2.put('/images/:id/file', async (req, reply) => {
      const ctype = (req.headers['content-type'] ?? '').split(';')[0].trim();
      if (ctype !== 'application/octet-stream') throw httpError(415, 'Unsupported Content-Type: image data is application/octet-stream');
      const len = req.headers['content-length'];
      try {
        await service.upload(req.caller!, (req.params as { id: string }).id, req.raw, len === undefined ? undefined : Number(len));
      } catch (err) {
        // The rest of the body is not wanted: discard it and close, so the client reads our answer instead of stalling.
        if (!req.raw.readableEnded) {
          reply.header('connection', 'close');
          req.raw.unpipe();
          req.raw.resume();
        }
        throw err;
      }
      return reply.code(204).send();
    });

    v2.get('/images/:id/file', async (req, reply) => {
      const found = await service.download(req.caller!, (req.params as { id: string }).id);
      if (!found) return reply.code(204).send();
      const { image, object } = found;
      reply.raw.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(image.size),
        'content-md5': image.checksum ?? '',
        'x-openstack-request-id': req.id,
      });
      reply.hijack();
      // pipeline: a client that goes away tears the store GET down too.
      await pipeline(object.body, reply.raw).catch((err: Error) => {
        req.log.warn({ image: image.id, err: err.message }, 'image download cut short');
        reply.raw.destroy();
      });
    });
  }, { prefix: '/v2' });
  return app;
}
