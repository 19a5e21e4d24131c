/** Servers (create, list, detail, show, delete) and `POST /servers/{id}/action`. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { InstanceFilters } from '../db/index.js';
import type { Instance } from '../model.js';
import type { RequestedNetworks } from '../network/index.js';
import { HttpFault, type RouteDeps } from './app.js';
import { vmStatesForStatus } from './state-machine.js';
import { bootVolumeOf } from './block-device-params.js';
import { serverDetail, serverRef } from './views.js';

type Query = Record<string, string | undefined>;

function listFilters(d: RouteDeps, req: FastifyRequest): InstanceFilters {
  const q = req.query as Query;
  const { principal } = d.ctx(req);
  const f: InstanceFilters = {};
  const allTenants = q.all_tenants !== undefined && q.all_tenants !== '0' && q.all_tenants.toLowerCase() !== 'false';
  if (!(principal.isAdmin && allTenants)) f.projectId = principal.projectId;
  if (principal.isAdmin && q.tenant_id) f.projectId = q.tenant_id;
  if (q.name) f.name = q.name;
  if (q.status) {
    f.vmState = vmStatesForStatus(q.status);
    if (f.vmState.length === 0) return { ...f, limit: 0 };
  }
  if (q.image) f.imageRef = q.image.replace(/^.*\/images\//, '');
  if (q.flavor) f.flavorId = q.flavor.replace(/^.*\/flavors\//, '');
  if (q.host && principal.isAdmin) f.host = q.host;
  if (q['changes-since']) {
    if (Number.isNaN(Date.parse(q['changes-since']))) throw new HttpFault(400, `Invalid input for query parameters changes-since. Value: ${q['changes-since']}.`);
    f.changesSince = new Date(q['changes-since']).toISOString().slice(0, 19) + 'Z';
    f.includeDeleted = true;
  }
  if (q.limit !== undefined) {
    const n = Number(q.limit);
    if (!Number.isInteger(n) || n < 0) throw new HttpFault(400, `Invalid input for query parameters limit. Value: ${q.limit}.`);
    f.limit = n;
  }
  if (q.marker) f.marker = q.marker;
  return f;
}

function nextLink(d: RouteDeps, req: FastifyRequest, list: Instance[], limit: number | undefined, detail: boolean) {
  if (limit === undefined || limit === 0 || list.length < limit) return {};
  const base = d.base(req);
  const q = new URLSearchParams({ ...(req.query as Record<string, string>), marker: list[list.length - 1].uuid });
  return { servers_links: [{ rel: 'next', href: `${base.origin}/v2.1/${base.projectId}/servers${detail ? '/detail' : ''}?${q}` }] };
}

export function requireObject(v: unknown, field: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpFault(400, `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v ?? null)}. '${field}' is a required property`);
  return v as Record<string, unknown>;
}

export function requireString(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.trim() === '' || v.length > 255) {
    throw new HttpFault(400, `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v ?? null)}.`);
  }
  return v;
}

function metadataOf(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const m = requireObject(v, 'metadata');
  for (const [k, val] of Object.entries(m)) {
    if (typeof val !== 'string' || k.length === 0 || k.length > 255 || val.length > 255) throw new HttpFault(400, `Invalid input for field/attribute metadata. Value: ${JSON.stringify(m)}.`);
  }
  return m as Record<string, string>;
}

/** Nova's parameter_types.boolean: true/false and their string spellings. */
function booleanOf(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  const t = typeof v === 'string' ? v.toLowerCase() : undefined;
  if (t !== undefined && ['true', '1', 'on', 'y', 'yes', 't'].includes(t)) return true;
  if (t !== undefined && ['false', '0', 'off', 'n', 'no', 'f', ''].includes(t)) return false;
  throw new HttpFault(400, `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'boolean', 'string'`);
}

/** Nova's user_data: base64 text of at most 65535 characters. */
function userDataOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > 65535) throw new HttpFault(400, `Invalid input for field/attribute user_data. Value: ${JSON.stringify(v).slice(0, 64)}.`);
  const compact = v.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) throw new HttpFault(400, 'User data needs to be valid base 64.');
  return compact;
}

/** `networks` of a create body: "auto", "none", or [{uuid}] (Nova 2.1 also takes `port` and `fixed_ip`; nova-network has no ports). */
function networksOf(v: unknown): RequestedNetworks | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 'auto' || v === 'none') return v;
  if (!Array.isArray(v)) throw new HttpFault(400, `Invalid input for field/attribute networks. Value: ${JSON.stringify(v)}.`);
  return v.map((n) => {
    const o = requireObject(n, 'networks');
    if (o.port !== undefined && o.port !== null) throw new HttpFault(400, 'Unknown argument: port (nova-network has no ports)');
    if (o.fixed_ip !== undefined && o.fixed_ip !== null) throw new HttpFault(400, 'fixed_ip is not supported: addresses are allocated from the network');
    return { uuid: requireString(o.uuid, 'uuid') };
  });
}

function securityGroupsOf(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length === 0) throw new HttpFault(400, `Invalid input for field/attribute security_groups. Value: ${JSON.stringify(v)}.`);
  return v.map((g) => requireString(requireObject(g, 'security_groups').name, 'name'));
}

export function registerServerRoutes(app: FastifyInstance, d: RouteDeps): void {
  const show = async (req: FastifyRequest, inst: Instance) =>
    serverDetail(inst, d.base(req), {
      isAdmin: d.ctx(req).principal.isAdmin, fault: await d.db.latestFault(inst.uuid),
      addresses: await d.network.addresses(inst.uuid), securityGroups: (await d.network.groups.forInstance(inst.uuid)).map((g) => g.name),
      volumes: (await d.volumeAttach.list(inst)).map((a) => a.volume_id),
    });

  app.post('/servers', async (req, reply) => {
    const body = requireObject((req.body as Record<string, unknown> | null)?.server, 'server');
    // The legacy v1 mapping is refused rather than ignored: a server meant to boot from a volume must not boot from an image.
    if (body.block_device_mapping !== undefined) throw new HttpFault(400, 'block_device_mapping (v1) is not supported: use block_device_mapping_v2');
    const bootVolume = bootVolumeOf(body.block_device_mapping_v2);
    if (!bootVolume && (body.imageRef === undefined || body.imageRef === null || body.imageRef === '')) throw new HttpFault(400, 'Missing imageRef attribute');
    const { instance, adminPass } = await d.service.createServer(d.ctx(req), {
      name: requireString(body.name, 'name'),
      // Booting from a volume, imageRef is '' or absent (Nova); any image named is not booted.
      imageRef: bootVolume ? undefined : requireString(body.imageRef, 'imageRef'),
      bootVolume,
      flavorRef: requireString(typeof body.flavorRef === 'number' ? String(body.flavorRef) : body.flavorRef, 'flavorRef'),
      metadata: metadataOf(body.metadata),
      availability_zone: body.availability_zone === undefined ? undefined : requireString(body.availability_zone, 'availability_zone'),
      key_name: body.key_name === undefined || body.key_name === null ? undefined : requireString(body.key_name, 'key_name'),
      config_drive: booleanOf(body.config_drive, 'config_drive'),
      user_data: userDataOf(body.user_data),
      networks: networksOf(body.networks),
      security_groups: securityGroupsOf(body.security_groups),
    });
    const ref = serverRef(instance, d.base(req));
    const groups = (await d.network.groups.forInstance(instance.uuid)).map((g) => ({ name: g.name }));
    return reply.code(202).header('location', ref.links[0].href).send({
      server: { id: ref.id, links: ref.links, 'OS-DCF:diskConfig': 'MANUAL', security_groups: groups, adminPass },
    });
  });

  app.get('/servers', async (req) => {
    const f = listFilters(d, req);
    const list = f.limit === 0 ? [] : await d.db.listInstances(f);
    return { servers: list.map((i) => serverRef(i, d.base(req))), ...nextLink(d, req, list, f.limit, false) };
  });

  app.get('/servers/detail', async (req) => {
    const f = listFilters(d, req);
    const list = f.limit === 0 ? [] : await d.db.listInstances(f);
    return { servers: await Promise.all(list.map((i) => show(req, i))), ...nextLink(d, req, list, f.limit, true) };
  });

  app.get('/servers/:id', async (req) => {
    const inst = await d.service.getInstance(d.ctx(req), (req.params as { id: string }).id);
    return { server: await show(req, inst) };
  });

  app.delete('/servers/:id', async (req, reply) => {
    await d.service.deleteServer(d.ctx(req), (req.params as { id: string }).id);
    return reply.code(204).send();
  });

  app.get('/servers/:id/os-instance-actions', async (req) => {
    const inst = await d.service.getInstance(d.ctx(req), (req.params as { id: string }).id);
    return { instanceActions: (await d.db.listActions(inst.uuid)).reverse() };
  });

  app.post('/servers/:id/action', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const ctx = d.ctx(req);
    const body = req.body as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || Object.keys(body).length !== 1) throw new HttpFault(400, 'There is no such action: ' + (body ? Object.keys(body).join(',') : 'None'));
    const [action, arg] = Object.entries(body)[0];
    switch (action) {
      case 'reboot': {
        const type = requireObject(arg, 'reboot').type;
        if (type !== 'SOFT' && type !== 'HARD') throw new HttpFault(400, `Invalid input for field/attribute type. Value: ${JSON.stringify(type ?? null)}. '${type}' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']`);
        await d.service.reboot(ctx, id, type);
        return reply.code(202).send();
      }
      case 'rebuild': {
        const a = requireObject(arg, 'rebuild');
        const inst = await d.service.rebuild(ctx, id, requireString(a.imageRef, 'imageRef'), a.name === undefined ? undefined : requireString(a.name, 'name'));
        return reply.code(202).send({ server: await show(req, inst) });
      }
      case 'resize': {
        const a = requireObject(arg, 'resize');
        await d.service.resize(ctx, id, requireString(typeof a.flavorRef === 'number' ? String(a.flavorRef) : a.flavorRef, 'flavorRef'));
        return reply.code(202).send();
      }
      case 'confirmResize':
        await d.service.confirmResize(ctx, id);
        return reply.code(204).send();
      case 'revertResize':
        await d.service.revertResize(ctx, id);
        return reply.code(202).send();
      case 'createImage': {
        const a = requireObject(arg, 'createImage');
        const image = await d.service.createImage(ctx, id, requireString(a.name, 'name'), metadataOf(a.metadata));
        const base = d.base(req);
        return reply.code(202).header('location', `${base.origin}/v2.1/${base.projectId}/images/${image.id}`).send({ image_id: image.id });
      }
      case 'os-start':
      case 'os-stop':
      case 'pause':
      case 'unpause':
      case 'suspend':
      case 'resume':
        await d.service.simpleAction(ctx, id, action === 'os-start' ? 'start' : action === 'os-stop' ? 'stop' : action);
        return reply.code(202).send();
      case 'os-getConsoleOutput': {
        const a = arg === null || arg === undefined ? {} : requireObject(arg, 'os-getConsoleOutput');
        let length: number | undefined;
        if (a.length !== undefined && a.length !== null) {
          length = typeof a.length === 'string' ? Number(a.length) : (a.length as number);
          if (!Number.isInteger(length) || length < -1) throw new HttpFault(400, `Invalid input for field/attribute length. Value: ${JSON.stringify(a.length)}.`);
          if (length === -1) length = undefined;
        }
        return { output: await d.service.consoleOutput(ctx, id, length) };
      }
      case 'addFloatingIp': {
        const a = requireObject(arg, 'addFloatingIp');
        const fixed = a.fixed_address === undefined ? undefined : requireString(a.fixed_address, 'fixed_address');
        await d.networkApi.addFloatingIp(ctx, await d.service.getInstance(ctx, id), requireString(a.address, 'address'), fixed);
        return reply.code(202).send();
      }
      case 'removeFloatingIp': {
        const a = requireObject(arg, 'removeFloatingIp');
        await d.networkApi.removeFloatingIp(ctx, await d.service.getInstance(ctx, id), requireString(a.address, 'address'));
        return reply.code(202).send();
      }
      case 'addSecurityGroup':
      case 'removeSecurityGroup': {
        const name = requireString(requireObject(arg, action).name, 'name');
        const inst = await d.service.getInstance(ctx, id);
        await (action === 'addSecurityGroup' ? d.networkApi.addSecurityGroup(ctx, inst, name) : d.networkApi.removeSecurityGroup(ctx, inst, name));
        return reply.code(202).send();
      }
      default:
        throw new HttpFault(400, `There is no such action: ${action}`);
    }
  });
}
