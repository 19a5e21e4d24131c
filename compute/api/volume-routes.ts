/**
 * Cinder's v3 volumes API (`/v3/{project_id}/volumes…`): create (empty,
 * from an image, from a snapshot), list, detail, show, update, delete and
 * the `os-extend` and `os-set_bootable` actions. A project sees only its own volumes; an admin
 * lists every project's with `all_tenants`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpFault, type RouteDeps } from './app.js';
import { requireObject } from './server-routes.js';
import { volumeDetail, volumeSummary } from './volume-views.js';
import type { Volume } from '../volume/index.js';
import { flagOf } from './volume-params.js';

type Query = Record<string, string | undefined>;

function optionalText(v: unknown, field: string): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'string' || v.length > 255) throw new HttpFault(400, `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}.`);
  return v;
}

function metadataOf(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  const m = requireObject(v, 'metadata');
  for (const [k, val] of Object.entries(m)) {
    if (typeof val !== 'string' || k.length === 0 || k.length > 255 || val.length > 255) throw new HttpFault(400, `Invalid input for field/attribute metadata. Value: ${JSON.stringify(m)}.`);
  }
  return m as Record<string, string>;
}

function sizeOf(v: unknown, field = 'size'): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new HttpFault(400, `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not a valid integer greater than 0`);
  return n;
}

export function registerVolumeRoutes(app: FastifyInstance, d: RouteDeps): void {
  const volumes = d.volumeApi;
  const detail = async (req: FastifyRequest, v: Volume) =>
    volumeDetail(v, await volumes.store.attachments({ volumeId: v.id }), d.base(req), d.ctx(req).principal.isAdmin);
  const list = (req: FastifyRequest) => {
    const q = req.query as Query;
    const allTenants = q.all_tenants !== undefined && q.all_tenants !== '0' && q.all_tenants.toLowerCase() !== 'false';
    return volumes.list(d.ctx(req), { allTenants, status: q.status, name: q.name });
  };

  app.post('/volumes', async (req, reply) => {
    const b = requireObject((req.body as Record<string, unknown> | null)?.volume, 'volume');
    if (b.source_volid !== undefined && b.source_volid !== null) throw new HttpFault(400, 'source_volid is not supported: clone a volume through a snapshot');
    const v = await volumes.create(d.ctx(req), {
      size: sizeOf(b.size),
      name: optionalText(b.name ?? b.display_name, 'name'),
      description: optionalText(b.description ?? b.display_description, 'description'),
      imageRef: (optionalText(b.imageRef ?? b.image_id, 'imageRef') ?? undefined),
      snapshotId: (optionalText(b.snapshot_id, 'snapshot_id') ?? undefined),
      metadata: metadataOf(b.metadata),
    });
    return reply.code(202).send({ volume: await detail(req, v) });
  });

  app.get('/volumes', async (req) => ({ volumes: (await list(req)).map((v) => volumeSummary(v, d.base(req))) }));

  app.get('/volumes/detail', async (req) => ({ volumes: await Promise.all((await list(req)).map((v) => detail(req, v))) }));

  app.get('/volumes/:id', async (req) => ({ volume: await detail(req, await volumes.get(d.ctx(req), (req.params as { id: string }).id)) }));

  app.put('/volumes/:id', async (req) => {
    const b = requireObject((req.body as Record<string, unknown> | null)?.volume, 'volume');
    const v = await volumes.update(d.ctx(req), (req.params as { id: string }).id, {
      name: optionalText(b.name ?? b.display_name, 'name'), description: optionalText(b.description ?? b.display_description, 'description'), metadata: metadataOf(b.metadata),
    });
    return { volume: await detail(req, v) };
  });

  app.delete('/volumes/:id', async (req, reply) => {
    await volumes.delete(d.ctx(req), (req.params as { id: string }).id);
    return reply.code(202).send();
  });

  app.post('/volumes/:id/action', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const body = req.body as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || Object.keys(body).length !== 1) throw new HttpFault(400, 'There is no such action: ' + (body ? Object.keys(body).join(',') : 'None'));
    const [action, arg] = Object.entries(body)[0];
    if (action === 'os-extend') {
      await volumes.extend(d.ctx(req), id, sizeOf(requireObject(arg, 'os-extend').new_size, 'new_size') ?? 0);
      return reply.code(202).send();
    }
    if (action === 'os-set_bootable') {
      // Cinder: 200, no body; `bootable` required.
      const a = requireObject(arg, 'os-set_bootable');
      if (a.bootable === undefined) throw new HttpFault(400, 'Must specify bootable in request.');
      await volumes.update(d.ctx(req), id, { bootable: flagOf(a.bootable, 'bootable') });
      return reply.code(200).send();
    }
    throw new HttpFault(400, `There is no such action: ${action}`);
  });
}
