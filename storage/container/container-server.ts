/**
 * The container server (Swift's `ContainerController`): one SQLite DB per
 * container at `<devices>/<device>/containers/<part>/<suffix>/<hash>/<hash>.db`,
 * answering Swift's backend protocol.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StorageApp, StorageAppContext } from '../server-runner.js';
import { readDbServerConf } from '../db/db-server-conf.js';
import { handleDbRequest } from '../db/dispatch.js';
import { handleReplicate } from '../db/replicator-rpc.js';
import { parseDbPath, validateInternalName, validateInternalObj } from '../db/request.js';
import { ContainerContext } from './container-context.js';
import { getContainer, headContainer } from './container-read.js';
import { deleteContainerOrObject, postContainer, putContainerOrObject, updateContainer } from './container-write.js';

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'REPLICATE', 'UPDATE'];
const UTF8_BODY = 'Invalid UTF8 or contains NULL';

/** `/<dev>/<part>/<a>/<c>[/<o>]`, validated as Swift's `get_obj_name_and_placement`. */
function objectPath(url: string) {
  const { parts, query } = parseDbPath(url, 4, 5, true, UTF8_BODY);
  validateInternalObj(parts.account, parts.container!, parts.object);
  return { parts, query };
}

/** `/<dev>/<part>/<a>/<c>` exactly (Swift's `get_container_name_and_placement`). */
function containerPath(url: string) {
  const { parts, query } = parseDbPath(url, 4, 4, false, UTF8_BODY);
  validateInternalName(parts.account, 'account');
  validateInternalName(parts.container, 'container');
  return { parts, query };
}

async function route(ctx: ContainerContext, req: FastifyRequest, reply: FastifyReply, method: string): Promise<FastifyReply> {
  switch (method) {
    case 'PUT': {
      const { parts } = objectPath(req.url);
      return putContainerOrObject(ctx, req, reply, parts);
    }
    case 'DELETE': {
      const { parts } = objectPath(req.url);
      return deleteContainerOrObject(ctx, req, reply, parts);
    }
    case 'HEAD': {
      const { parts, query } = objectPath(req.url);
      return headContainer(ctx, req, reply, parts, query);
    }
    case 'GET': {
      const { parts, query } = objectPath(req.url);
      return getContainer(ctx, req, reply, parts, query);
    }
    case 'POST':
      return postContainer(ctx, req, reply, containerPath(req.url).parts);
    case 'UPDATE':
      return updateContainer(ctx, req, reply, containerPath(req.url).parts);
    case 'REPLICATE': {
      const { parts } = parseDbPath(req.url, 3, 3, false, UTF8_BODY);
      ctx.checkDrive(parts.device);
      return handleReplicate({
        devices: ctx.conf.devices, datadir: 'containers',
        broker: (path) => ctx.brokerAt(path), evict: (path) => ctx.brokers.evict(path),
      }, req, reply, parts.device, parts.partition, parts.account);
    }
    default:
      throw new Error(`unrouted method ${method}`);
  }
}

/** The `container` entry of the storage server registry. */
export function createContainerServer(app: StorageAppContext): StorageApp {
  const ctx = new ContainerContext(readDbServerConf(app.conf), app.swiftConf, app.logger);
  return {
    handler: (req, reply) => handleDbRequest(req, reply, {
      serverType: 'container-server', methods: METHODS, utf8Body: UTF8_BODY,
      replicationServer: ctx.conf.replicationServer, logRequests: ctx.conf.logRequests, logger: app.logger,
      route: (method) => route(ctx, req, reply, method),
    }),
    close: async () => {
      ctx.brokers.closeAll();
      await ctx.client.close();
    },
  };
}

