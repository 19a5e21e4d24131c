/**
 * Cinder's v3 snapshots API (`/v3/{project_id}/snapshots…`): create, list,
 * detail, show, update, delete. A project sees only its own snapshots; an
 * admin lists every project's with `all_tenants`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpFault, type RouteDeps } from './app.js';
import { requireObject } from './server-routes.js';
import { snapshotView } from './snapshot-backup-views.js';
import { allTenantsOf, flagOf, metadataOf, optionalText } from './volume-params.js';

export function registerSnapshotRoutes(app: FastifyInstance, d: RouteDeps): void {
  const api = d.snapshotApi;
  const list = (req: FastifyRequest) => {
    const q = req.query as Record<string, string | undefined>;
    return api.list(d.ctx(req), { allTenants: allTenantsOf(q), volumeId: q.volume_id, status: q.status, name: q.name });
  };
  const view = (req: FastifyRequest) => (s: Parameters<typeof snapshotView>[0]) => snapshotView(s, d.ctx(req).principal.isAdmin);

  app.post('/snapshots', async (req, reply) => {
    const b = requireObject((req.body as Record<string, unknown> | null)?.snapshot, 'snapshot');
    const volumeId = optionalText(b.volume_id, 'volume_id');
    if (!volumeId) throw new HttpFault(400, "Invalid input for field/attribute snapshot. Value: 'volume_id' is a required property");
    const s = await api.create(d.ctx(req), {
      volumeId, name: optionalText(b.name ?? b.display_name, 'name'), description: optionalText(b.description ?? b.display_description, 'description'),
      force: flagOf(b.force, 'force'), metadata: metadataOf(b.metadata),
    });
    return reply.code(202).send({ snapshot: view(req)(s) });
  });

  app.get('/snapshots', async (req) => ({ snapshots: (await list(req)).map((s) => {
    const { id, name, status, volume_id, size, created_at } = view(req)(s);
    return { id, name, status, volume_id, size, created_at };
  }) }));
  app.get('/snapshots/detail', async (req) => ({ snapshots: (await list(req)).map(view(req)) }));
  app.get('/snapshots/:id', async (req) => ({ snapshot: view(req)(await api.get(d.ctx(req), (req.params as { id: string }).id)) }));

  app.put('/snapshots/:id', async (req) => {
    const b = requireObject((req.body as Record<string, unknown> | null)?.snapshot, 'snapshot');
    const s = await api.update(d.ctx(req), (req.params as { id: string }).id, {
      name: optionalText(b.name ?? b.display_name, 'name'), description: optionalText(b.description ?? b.display_description, 'description'),
    });
    return { snapshot: view(req)(s) };
  });

  app.delete('/snapshots/:id', async (req, reply) => {
    await api.delete(d.ctx(req), (req.params as { id: string }).id);
    return reply.code(202).send();
  });
}
