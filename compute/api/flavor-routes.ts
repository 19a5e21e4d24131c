/** Flavors (list, detail, show, admin create and delete) and Nova's image proxy (list, detail, show, delete). */
import type { FastifyInstance } from 'fastify';
import { HttpFault, type RouteDeps } from './app.js';
import { flavorDetail, flavorRef, imageDetail } from './views.js';

function flavorFilters(q: Record<string, string | undefined>) {
  const num = (v?: string) => (v === undefined ? undefined : Number(v));
  const minRam = num(q.minRam);
  const minDisk = num(q.minDisk);
  if ((minRam !== undefined && !Number.isFinite(minRam)) || (minDisk !== undefined && !Number.isFinite(minDisk))) {
    throw new HttpFault(400, 'Invalid input for query parameters minRam/minDisk.');
  }
  return { minRam, minDisk };
}

function requireAdmin(d: RouteDeps, req: Parameters<RouteDeps['ctx']>[0], rule: string): void {
  if (!d.ctx(req).principal.isAdmin) throw new HttpFault(403, `Policy doesn't allow ${rule} to be performed.`);
}

function asNumber(v: unknown, field: string, min: number): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw new HttpFault(400, `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}.`);
  }
  return n;
}

export function registerFlavorRoutes(app: FastifyInstance, d: RouteDeps): void {
  app.get('/flavors', async (req) => {
    const flavors = await d.db.listFlavors(flavorFilters(req.query as Record<string, string>));
    return { flavors: flavors.map((f) => flavorRef(f, d.base(req))) };
  });

  app.get('/flavors/detail', async (req) => {
    const flavors = await d.db.listFlavors(flavorFilters(req.query as Record<string, string>));
    return { flavors: flavors.map((f) => flavorDetail(f, d.base(req))) };
  });

  app.get('/flavors/:id', async (req) => {
    const { id } = req.params as { id: string };
    const f = await d.db.getFlavor(id);
    if (!f) throw new HttpFault(404, `Flavor ${id} could not be found.`);
    return { flavor: flavorDetail(f, d.base(req)) };
  });

  app.post('/flavors', async (req) => {
    requireAdmin(d, req, 'os_compute_api:os-flavor-manage:create');
    const body = (req.body as { flavor?: Record<string, unknown> } | null)?.flavor;
    if (!body || typeof body !== 'object') throw new HttpFault(400, "Invalid input for field/attribute flavor. Value: None. 'flavor' is a required property");
    const name = body.name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > 255) {
      throw new HttpFault(400, `Invalid input for field/attribute name. Value: ${JSON.stringify(name)}.`);
    }
    const id = body.id;
    if (id !== undefined && id !== null && (typeof id !== 'string' || !/^[\w.\- ]{1,255}$/.test(id))) {
      throw new HttpFault(400, `Invalid input for field/attribute id. Value: ${JSON.stringify(id)}.`);
    }
    const f = await d.db.createFlavor({
      flavorid: typeof id === 'string' ? id : undefined,
      name: name.trim(),
      memory_mb: asNumber(body.ram, 'ram', 1),
      vcpus: asNumber(body.vcpus, 'vcpus', 1),
      root_gb: asNumber(body.disk, 'disk', 0),
      ephemeral_gb: body['OS-FLV-EXT-DATA:ephemeral'] === undefined ? 0 : asNumber(body['OS-FLV-EXT-DATA:ephemeral'], 'OS-FLV-EXT-DATA:ephemeral', 0),
      swap: body.swap === undefined || body.swap === '' ? 0 : asNumber(body.swap, 'swap', 0),
      rxtx_factor: typeof body.rxtx_factor === 'number' ? body.rxtx_factor : 1.0,
      is_public: body['os-flavor-access:is_public'] === undefined ? true : body['os-flavor-access:is_public'] === true,
      disabled: false,
      description: typeof body.description === 'string' ? body.description : null,
      extra_specs: {},
    });
    return { flavor: flavorDetail(f, d.base(req)) };
  });

  app.delete('/flavors/:id', async (req, reply) => {
    requireAdmin(d, req, 'os_compute_api:os-flavor-manage:delete');
    const { id } = req.params as { id: string };
    if (!await d.db.deleteFlavor(id)) throw new HttpFault(404, `Flavor ${id} could not be found.`);
    return reply.code(202).send();
  });

  // Nova's image proxy: the image service asked as the caller, so a project lists and sees only what Glance shows it.
  app.get('/images', async (req) => ({
    images: (await d.ctx(req).images.list()).map((i) => ({ id: i.id, name: i.name, links: imageDetail(i, d.base(req)).links })),
  }));

  app.get('/images/detail', async (req) => ({ images: (await d.ctx(req).images.list()).map((i) => imageDetail(i, d.base(req))) }));

  app.get('/images/:id', async (req) => {
    const { id } = req.params as { id: string };
    const img = await d.ctx(req).images.show(id);
    if (!img) throw new HttpFault(404, 'Image not found.');
    return { image: imageDetail(img, d.base(req)) };
  });

  app.delete('/images/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const { images, principal } = d.ctx(req);
    const img = await images.show(id);
    if (!img) throw new HttpFault(404, 'Image not found.');
    if (img.owner !== principal.projectId && !principal.isAdmin) throw new HttpFault(403, `Image ${id} is not yours to delete.`);
    try {
      await images.delete(id);
    } catch (err) {
      // The image service refuses an image a live server was booted from: the caller's conflict, not an API fault.
      if ((err as { status?: number }).status === 409) throw new HttpFault(409, `Image ${id} is in use by a server and cannot be deleted.`);
      throw err;
    }
    return reply.code(204).send();
  });
}
