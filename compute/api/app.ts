/**
 * The compute API's HTTP edge (fastify): Nova v2.1 under `/v2.1` and
 * `/v2.1/{project_id}`, X-Auth-Token checked by a TokenValidator (for the
 * project in the path or `X-Project-Id`, else the token's own),
 * `X-Compute-Request-Id` on every response, errors in Nova's fault shape.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { SwiftlyError, type Logger } from '../../common/index.js';
import type { ComputeDb } from '../db/index.js';
import type { ImageService } from '../image/index.js';
import type { NetworkService } from '../network/index.js';
import type { NetworkApiService } from './network-api.js';
import type { TokenValidator } from './auth.js';
import type { ApiContext, ComputeApiService } from './compute-api.js';
import { faultBody, type LinkBase } from './views.js';
import { registerServerRoutes } from './server-routes.js';
import { registerFlavorRoutes } from './flavor-routes.js';
import { registerNetworkRoutes } from './network-routes.js';
import { registerKeyPairRoutes } from './keypair-routes.js';
import { registerFloatingIpRoutes } from './floating-ip-routes.js';
import { registerSecurityGroupRoutes } from './security-group-routes.js';
import { registerVolumeRoutes } from './volume-routes.js';
import { registerVolumeAttachmentRoutes } from './volume-attachment-routes.js';
import type { VolumeAttachService } from './volume-attach-api.js';
import { registerSnapshotRoutes } from './snapshot-routes.js';
import { registerBackupRoutes } from './backup-routes.js';
import { registerServiceRoutes } from './service-routes.js';
import type { BackupApiService, SnapshotApiService, VolumeApiService } from '../volume/index.js';

export interface ComputeApiAppOptions {
  service: ComputeApiService;
  db: ComputeDb;
  images: ImageService;
  network: NetworkService;
  networkApi: NetworkApiService;
  /** Cinder's volumes (the /v3 API) and their attachments to servers. */
  volumeApi: VolumeApiService;
  volumeAttach: VolumeAttachService;
  /** Cinder's snapshots and backups (the /v3 API). */
  snapshotApi: SnapshotApiService;
  backupApi: BackupApiService;
  validator: TokenValidator;
  logger: Logger;
  /** Nova: service_down_time (60 s): a service whose last heartbeat is older is `down` in os-services. */
  serviceDownTimeMs?: number;
}

/** Per-request state the routes read. */
export interface RouteDeps extends ComputeApiAppOptions {
  ctx(req: FastifyRequest): ApiContext;
  base(req: FastifyRequest): LinkBase;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiContext?: ApiContext;
  }
}

/** An HTTP error with Nova's fault body. */
export class HttpFault extends SwiftlyError {
  constructor(status: number, message: string) {
    super(status === 404 ? 'ERR_NOT_FOUND' : status === 409 ? 'ERR_CONFLICT' : 'ERR_INVALID_ARGUMENT', message, { status });
    this.name = 'HttpFault';
  }
}

const VERSION_DOC = (origin: string) => ({
  id: 'v2.1', status: 'CURRENT', version: '2.1', min_version: '2.1', updated: '2013-07-23T11:33:21Z',
  links: [{ rel: 'self', href: `${origin}/v2.1/` }],
  'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
});

export function createComputeApiApp(options: ComputeApiAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    genReqId: () => `req-${randomUUID()}`,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1 << 20,
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-compute-request-id', req.id);
    reply.header('x-openstack-request-id', req.id);
    reply.header('openstack-api-version', 'compute 2.1');
    reply.header('x-openstack-nova-api-version', '2.1');
    reply.header('vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
  });

  app.setErrorHandler((err: Error & { statusCode?: number; status?: number; code?: string }, req, reply) => {
    let status = err instanceof SwiftlyError ? err.status : err.statusCode ?? 500;
    let message = err.message;
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err as { type?: string }).type === 'entity.parse.failed' || err instanceof SyntaxError) {
      status = 400;
      message = 'Malformed request body';
    } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      message = `Unsupported Content-Type`;
    }
    if (status >= 500) {
      req.log.error({ err: err.message, name: err.name }, 'compute API error');
      // Nova hides internals of unexpected errors; a bus or timeout failure is named.
      if (status !== 503) message = 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.';
    }
    void reply.code(status).send(faultBody(status, message));
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(faultBody(404, 'The resource could not be found.'));
  });

  const origin = (req: FastifyRequest) => `${req.protocol}://${req.headers.host ?? 'localhost'}`;

  app.get('/', async (req, reply) => reply.code(300).send({ versions: [VERSION_DOC(origin(req))] }));
  app.get('/v2.1', async (req) => ({ version: VERSION_DOC(origin(req)) }));
  app.get('/v2.1/', async (req) => ({ version: VERSION_DOC(origin(req)) }));

  const deps: RouteDeps = {
    ...options,
    ctx: (req) => req.apiContext!,
    base: (req) => ({ origin: origin(req), projectId: req.apiContext!.principal.projectId }),
  };

  const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
    const token = req.headers['x-auth-token'];
    const params = req.params as { project_id?: string };
    // No project named: the token's own (its tempauth account), when the auth service can tell.
    const project = params.project_id || (req.headers['x-project-id'] as string | undefined) || undefined;
    if (typeof token !== 'string' || token === '') throw new HttpFault(401, 'The request you have made requires authentication.');
    let principal;
    try {
      principal = await options.validator.validate(token, project);
    } catch (err) {
      req.log.error({ err: (err as Error).message }, 'auth service unreachable');
      throw new HttpFault(503, 'The authentication service is unavailable.');
    }
    if (!principal) {
      throw new HttpFault(401, project ? 'The request you have made requires authentication.' : 'The request names no project (/v2.1/{project_id}/... or X-Project-Id) and the token\'s own could not be found.');
    }
    // Images as this user may see them: asked with the user's own token.
    const images = options.images.forUser({ token, projectId: principal.projectId, isAdmin: principal.isAdmin });
    req.apiContext = { requestId: req.id, projectId: principal.projectId, userId: principal.userId, isAdmin: principal.isAdmin, principal, images };
    void reply;
  };

  for (const prefix of ['/v2.1', '/v2.1/:project_id']) {
    void app.register(async (scoped) => {
      scoped.addHook('preHandler', authenticate);
      registerServerRoutes(scoped, deps);
      registerFlavorRoutes(scoped, deps);
      registerNetworkRoutes(scoped, deps);
      registerKeyPairRoutes(scoped, deps);
      registerFloatingIpRoutes(scoped, deps);
      registerSecurityGroupRoutes(scoped, deps);
      registerVolumeAttachmentRoutes(scoped, deps);
      registerServiceRoutes(scoped, deps);
    }, { prefix });
  }
  // Cinder's block storage API v3 (its own service in OpenStack, port 8776; here beside compute's).
  for (const prefix of ['/v3', '/v3/:project_id']) {
    void app.register(async (scoped) => {
      scoped.addHook('onRequest', async (_req, reply) => {
        reply.header('openstack-api-version', 'volume 3.0');
      });
      scoped.addHook('preHandler', authenticate);
      registerVolumeRoutes(scoped, deps);
      registerSnapshotRoutes(scoped, deps);
      registerBackupRoutes(scoped, deps);
    }, { prefix });
  }
  return app;
}
