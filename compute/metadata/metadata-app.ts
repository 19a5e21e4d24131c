/**
 * The metadata service (Nova's nova/api/metadata/handler.py, the
 * nova-api-metadata of nova-network): plain HTTP, no auth; the instance is
 * the one whose fixed IP made the request — the socket's address, or with
 * `useForwardedFor` (Nova's [api] use_forwarded_for) the first address of
 * X-Forwarded-For, set by the forwarder that carries 169.254.169.254:80
 * traffic from a guest network to this service.
 *
 * OpenStack paths: /openstack[/latest|/<version>] → meta_data.json,
 * user_data, network_data.json, vendor_data.json, vendor_data2.json.
 * EC2 paths: /latest/meta-data/… (a tree: a directory lists its entries,
 * subdirectories with a trailing '/'), /latest/user-data.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../../common/index.js';
import { ec2MetaData, networkData, openstackMetaData, userDataOf, vendorData, type MetadataSource } from './instance-metadata.js';

/** Finds the instance behind a guest address (its fixed IP on a compute network). */
export interface MetadataLookup {
  byFixedIp(address: string): Promise<MetadataSource | undefined> | MetadataSource | undefined;
}

export interface MetadataAppOptions {
  lookup: MetadataLookup;
  /** Take the guest's address from X-Forwarded-For (Nova: [api] use_forwarded_for, default false). */
  useForwardedFor?: boolean;
  logger: Logger;
}

/** The OpenStack metadata versions Nova lists (openstack/<version>/ all serve the same documents here). */
const OPENSTACK_VERSIONS = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', '2020-10-14', 'latest'];
const EC2_VERSIONS = ['1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01', '2009-04-04', 'latest'];

function text(reply: FastifyReply, body: string | Buffer, status = 200): FastifyReply {
  return reply.code(status).type('text/plain; charset=UTF-8').send(body);
}

/** The requester's address: the socket's, or X-Forwarded-For's first when trusted. IPv4-mapped IPv6 unwrapped. */
export function remoteAddress(req: FastifyRequest, useForwardedFor: boolean): string {
  const fwd = req.headers['x-forwarded-for'];
  const raw = useForwardedFor && typeof fwd === 'string' && fwd.trim() ? fwd.split(',')[0].trim() : (req.socket.remoteAddress ?? '');
  return raw.replace(/^::ffff:/, '');
}

/** An EC2 tree node as text: a directory's entries (dirs with '/', public keys as `0=name`), or a leaf's value. */
function ec2Node(node: unknown): string {
  if (Array.isArray(node)) return node.map(String).join('\n');
  if (node !== null && typeof node === 'object') {
    return Object.entries(node as Record<string, unknown>).filter(([k]) => k !== '_name').map(([k, v]) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return (v as Record<string, unknown>)._name as string | undefined ?? `${k}/`;
      return k;
    }).join('\n');
  }
  return String(node);
}

export function createMetadataApp(o: MetadataAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: o.logger as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });

  const source = async (req: FastifyRequest, reply: FastifyReply): Promise<MetadataSource | undefined> => {
    const address = remoteAddress(req, o.useForwardedFor ?? false);
    const src = await o.lookup.byFixedIp(address);
    if (!src) {
      req.log.info({ address }, 'metadata request from an address no instance has');
      text(reply, `No instance has the address ${address}`, 404);
    }
    return src;
  };

  app.get('/', async (_req, reply) => text(reply, EC2_VERSIONS.join('\n') + '\nopenstack'));
  app.get('/openstack', async (_req, reply) => text(reply, OPENSTACK_VERSIONS.join('\n')));
  app.get('/openstack/', async (_req, reply) => text(reply, OPENSTACK_VERSIONS.join('\n')));

  app.get('/openstack/:version', async (req, reply) => {
    const { version } = req.params as { version: string };
    if (!OPENSTACK_VERSIONS.includes(version)) return text(reply, 'Not Found', 404);
    const src = await source(req, reply);
    if (!src) return reply;
    const names = ['meta_data.json', ...(userDataOf(src) ? ['user_data'] : []), 'password', 'vendor_data.json', 'network_data.json', 'vendor_data2.json'];
    return text(reply, names.join('\n'));
  });

  app.get('/openstack/:version/:doc', async (req, reply) => {
    const { version, doc } = req.params as { version: string; doc: string };
    if (!OPENSTACK_VERSIONS.includes(version)) return text(reply, 'Not Found', 404);
    const src = await source(req, reply);
    if (!src) return reply;
    const json = (v: unknown) => reply.code(200).type('application/json').send(JSON.stringify(v));
    switch (doc) {
      case 'meta_data.json': return json(openstackMetaData(src));
      case 'network_data.json': return json(networkData(src));
      case 'vendor_data.json': return json(vendorData(src));
      case 'vendor_data2.json': return json({});
      case 'password': return text(reply, '');
      case 'user_data': {
        const ud = userDataOf(src);
        return ud ? reply.code(200).type('application/octet-stream').send(ud) : text(reply, 'Not Found', 404);
      }
      default: return text(reply, 'Not Found', 404);
    }
  });

  const ec2 = async (req: FastifyRequest, reply: FastifyReply, version: string, rest: string) => {
    if (!EC2_VERSIONS.includes(version)) return text(reply, 'Not Found', 404);
    const src = await source(req, reply);
    if (!src) return reply;
    const parts = rest.split('/').filter(Boolean);
    if (parts.length === 0) return text(reply, ['meta-data/', ...(userDataOf(src) ? ['user-data'] : [])].join('\n'));
    if (parts[0] === 'user-data' && parts.length === 1) {
      const ud = userDataOf(src);
      return ud ? reply.code(200).type('application/octet-stream').send(ud) : text(reply, 'Not Found', 404);
    }
    if (parts[0] !== 'meta-data') return text(reply, 'Not Found', 404);
    let node: unknown = ec2MetaData(src);
    for (const p of parts.slice(1)) {
      if (node === null || typeof node !== 'object' || Array.isArray(node) || !(p in (node as object)) || p === '_name') return text(reply, 'Not Found', 404);
      node = (node as Record<string, unknown>)[p];
    }
    return text(reply, ec2Node(node));
  };
  app.get('/:version', async (req, reply) => ec2(req, reply, (req.params as { version: string }).version, ''));
  app.get('/:version/*', async (req, reply) => {
    const p = req.params as { version: string; '*': string };
    return ec2(req, reply, p.version, p['*'] ?? '');
  });

  return app;
}
