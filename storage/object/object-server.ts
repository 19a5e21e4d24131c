/**
 * The object server app (Swift's `obj/server.py` ObjectController): checks
 * the path, policy and verb, then hands the request to one handler per
 * verb. Answers are written to the raw response (the route is hijacked) so
 * status, headers and streamed bodies are exactly Swift's.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidArgumentError, type Logger } from '../../common/index.js';
import { backendMethod } from '../http/backend-server.js';
import { decodeRequestPath, parseBackendPath, rawPathIsUtf8, splitPath, validateDevicePartition } from '../http/backend-path.js';
import type { StorageApp, StorageAppContext } from '../server-runner.js';
import { objectServerConf } from './object-conf.js';
import { FsDiskFileManager } from './fs-disk-file.js';
import { ContainerUpdater } from './container-update.js';
import { HttpError, badRequest, send, sendError } from './responses.js';
import type { ObjectRequest, ObjectServer } from './handlers/context.js';
import { handlePut } from './handlers/put.js';
import { handleGetHead } from './handlers/get-head.js';
import { handlePost } from './handlers/post.js';
import { handleDelete } from './handlers/delete.js';
import { handleReplicate } from './handlers/replicate.js';
import { handleSsync } from './sync-receiver.js';
import { DiskWriteError } from './errors.js';
import { insufficientStorage } from './handlers/shared.js';
import type { DiskIo } from './fs-io.js';

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'REPLICATE', 'SSYNC'];
const REPLICATION_METHODS = new Set(['REPLICATE', 'SSYNC']);

/**
 * Swift's `allowed_methods` for `replication_server`: unset serves every
 * verb; true only the replication verbs, false everything else (so a
 * replication network's port never answers clients, and the public one
 * never takes REPLICATE or SSYNC).
 */
function allowedMethods(replicationServer: boolean | undefined): Set<string> {
  if (replicationServer === undefined) return new Set(METHODS);
  return new Set(METHODS.filter((m) => REPLICATION_METHODS.has(m) === replicationServer));
}

function policyIndexOf(s: ObjectServer, raw: string | string[] | undefined): number {
  const value = Array.isArray(raw) ? raw[0] : raw;
  const index = value === undefined || value === '' ? 0 : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!s.swiftConf.policies.some((p) => p.index === index)) {
    throw new HttpError(503, `No policy with index ${value ?? 'None'}`, { 'Content-Type': 'text/plain' });
  }
  return index;
}

async function route(s: ObjectServer, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const req = request.raw;
  const res = reply.raw;
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  // Swift's check_utf8(internal=True): NUL is the reserved namespace's
  // marker, allowed here and judged by validateInternalObj below.
  if (!rawPathIsUtf8((q === -1 ? rawUrl : rawUrl.slice(0, q)).replace(/%00/g, ''))) {
    throw new HttpError(412, 'Invalid UTF8 or contains NULL');
  }
  const method = backendMethod(request);
  const allowed = allowedMethods(s.conf.replicationServer);
  if (!allowed.has(method)) throw new HttpError(405);
  if (method === 'OPTIONS') {
    return send(res, 200, { Allow: [...allowed].join(', '), Server: 'object-server/swiftly' }, '');
  }
  const policyIndex = policyIndexOf(s, req.headers['x-backend-storage-policy-index']);
  let path: string;
  try {
    path = decodeRequestPath(rawUrl).path;
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  try {
    if (method === 'REPLICATE') {
      const [device, partition, suffixes] = splitPath(path, 2, 3, true);
      validateDevicePartition(device, partition);
      return await handleReplicate(s, res, device!, partition!, suffixes, policyIndex);
    }
    if (method === 'SSYNC') {
      const [device, partition] = splitPath(path, 2, 2, false);
      validateDevicePartition(device, partition);
      return await handleSsync(s, req, res, device!, partition!, policyIndex);
    }
    const p = parseBackendPath(path, 5, 5, true);
    validateInternalObj(p.account, p.container!, p.object!);
    const r: ObjectRequest = {
      req, res, method, headers: req.headers, policyIndex,
      device: p.device, partition: p.partition, account: p.account, container: p.container!, obj: p.object!,
    };
    try {
      switch (method) {
        case 'PUT': return await handlePut(s, r);
        case 'GET':
        case 'HEAD': return await handleGetHead(s, r);
        case 'POST': return await handlePost(s, r);
        case 'DELETE': return await handleDelete(s, r);
      }
    } catch (err) {
      // A write that did not reach the disk durably is never acknowledged.
      if (err instanceof DiskWriteError) {
        s.logger.error({ err, method, device: r.device, path }, 'ERROR object write failed');
        throw err.noSpace ? insufficientStorage(r.device) : new HttpError(503);
      }
      throw err;
    }
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw badRequest(err.message);
    throw err;
  }
}

const RESERVED = '\x00';

/** Swift's `validate_internal_obj`: NUL only as the first character of a reserved-namespace name. */
function validateInternalObj(account: string, container: string, obj: string): void {
  const check = (name: string, type: string): void => {
    if (name.includes(RESERVED) && !name.startsWith(RESERVED)) throw new HttpError(400, `Invalid reserved-namespace ${type}`);
  };
  check(account, 'account');
  check(container, 'container');
  if (account.startsWith('.')) return;
  check(obj, 'object');
  if (container.startsWith(RESERVED) && !obj.startsWith(RESERVED)) {
    throw new HttpError(400, 'Invalid user-namespace object in reserved-namespace container');
  }
  if (obj.startsWith(RESERVED) && !container.startsWith(RESERVED)) {
    throw new HttpError(400, 'Invalid reserved-namespace object in user-namespace container');
  }
}

/**
 * Builds the object server's request handler over the configured devices.
 * `diskIo`: the fs calls its writes make (tests pass their own to fail one).
 */
export function createObjectApp(ctx: StorageAppContext, options: { diskIo?: DiskIo } = {}): StorageApp {
  const conf = objectServerConf(ctx.conf);
  const logger: Logger = ctx.logger;
  const manager = new FsDiskFileManager({
    devices: conf.devices,
    mountCheck: conf.mountCheck,
    reclaimAge: conf.reclaimAge,
    diskChunkSize: conf.diskChunkSize,
    keepCacheSize: conf.keepCacheSize,
    hashSecrets: ctx.swiftConf.hashPath,
    logger,
    io: options.diskIo,
  });
  const updater = new ContainerUpdater(conf, ctx.swiftConf.hashPath, logger, ctx.statsd);
  const server: ObjectServer = { conf, swiftConf: ctx.swiftConf, manager, updater, logger, statsd: ctx.statsd };
  return {
    manualContinue: true,
    handler: async (request, reply) => {
      reply.hijack();
      const req = request.raw;
      const res = reply.raw;
      const started = Date.now();
      try {
        await route(server, request, reply);
      } catch (err) {
        if (res.headersSent) {
          logger.warn({ err, method: req.method, url: req.url }, 'object response cut short');
          res.destroy();
        } else if (err instanceof HttpError) {
          sendError(req, res, err);
        } else {
          logger.error({ err, method: backendMethod(request), url: req.url }, 'ERROR __call__ error');
          send(res, 500, { Connection: 'close' });
        }
      } finally {
        logger.info({ method: backendMethod(request), url: req.url, status: res.statusCode, ms: Date.now() - started, txn: req.headers['x-trans-id'] }, 'object request');
      }
    },
    close: () => updater.close(),
  };
}
