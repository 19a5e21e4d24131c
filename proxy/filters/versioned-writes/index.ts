/**
 * versioned_writes: both of Swift's versioning middlewares under its one
 * entry point. Legacy versioned writes (`X-Versions-Location` /
 * `X-History-Location`) when `allow_versioned_writes` is on, and, when
 * `allow_object_versioning` is on, object versioning (`X-Versions-Enabled`,
 * `?versions`, `?version-id=`) inside it, which needs `symlink` below it.
 */
import type { App, FilterFactory, PipelineContext, SwiftRequest, SwiftResponse } from '../../types.js';
import { configTrueValue } from '../../../common/index.js';
import { parseRequestPath, unquoteBytes } from '../../request-path.js';
import { containerInfo } from '../subrequest.js';
import { Answer } from './shared.js';
import { legacyContainerRequest, legacyObjectRequest } from './legacy.js';
import { CLIENT_VERSIONS_ENABLED, enableVersioning, handleContainerDelete, handleContainerRequest, listContainers } from './ov-container.js';
import { handleObjectRequest, handleVersionedRequest } from './ov-object.js';

async function answering(run: () => Promise<SwiftResponse>): Promise<SwiftResponse> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof Answer) return err.response;
    throw err;
  }
}

/** Swift's `ObjectVersioningMiddleware`. */
function objectVersioning(ctx: PipelineContext, next: App): App {
  return (req) => answering(async () => {
    const parsed = parseRequestPath(req);
    if (!parsed.ok || parsed.path.version !== 'v1' && parsed.path.version !== 'v1.0') return next(req);
    const { version, account, container, object } = parsed.path;
    if (container === undefined) return req.method === 'GET' ? listContainers(next, req, version, account) : next(req);
    const t = { version, account, container };
    if (object === undefined) {
      if ((req.method === 'PUT' || req.method === 'POST') && req.headers[CLIENT_VERSIONS_ENABLED] !== undefined) return enableVersioning(ctx, next, req, t);
      if (req.method === 'DELETE') return handleContainerDelete(ctx, next, req, t);
      return handleContainerRequest(next, req, t);
    }
    const info = await containerInfo(ctx, req, account, container);
    const versionsCont = unquoteBytes(info.sysmeta['versions-container'] ?? '').toString('utf8').split('/')[0];
    const enabled = configTrueValue(info.sysmeta['versions-enabled']);
    const ot = { ...t, object };
    const versionId = new URLSearchParams(req.query).get('version-id');
    if (versionId) return (await handleVersionedRequest(ctx, next, req, ot, versionsCont, versionId)) ?? next(req);
    if (versionsCont) return handleObjectRequest(ctx, next, req, ot, versionsCont, enabled);
    return next(req);
  });
}

/** Swift's `VersionedWritesMiddleware` (legacy mode). */
function legacyVersioning(ctx: PipelineContext, next: App, allow: string | undefined): App {
  return (req: SwiftRequest) => answering(async () => {
    const parsed = parseRequestPath(req);
    if (!parsed.ok || parsed.path.container === undefined) return next(req);
    const { version, account, container, object } = parsed.path;
    if (allow && object === undefined) return legacyContainerRequest(next, req, configTrueValue(allow));
    if (object !== undefined && (req.method === 'PUT' || req.method === 'DELETE')) {
      return legacyObjectRequest(ctx, next, req, { version, account, container, object }, allow);
    }
    return next(req);
  });
}

export const versionedWrites: FilterFactory = (conf, ctx) => {
  const allow = conf.allow_versioned_writes;
  if (configTrueValue(allow)) ctx.registerInfo('versioned_writes', { allowed_flags: ['x-versions-location', 'x-history-location'] });
  const objectVersioningOn = configTrueValue(conf.allow_object_versioning);
  if (objectVersioningOn) ctx.registerInfo('object_versioning', {});
  return (next) => {
    if (objectVersioningOn) {
      if (!ctx.info.symlink) throw new Error('object versioning requires symlinks');
      next = objectVersioning(ctx, next);
    }
    return legacyVersioning(ctx, next, allow);
  };
};
