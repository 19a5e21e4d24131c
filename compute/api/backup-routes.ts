/**
 * Cinder's v3 backups API (`/v3/{project_id}/backups…`): create (with
 * `incremental`, `force`, `snapshot_id`, `container`), list, detail, show,
 * delete, and `POST …/backups/{id}/restore`. Backups go to the object store
 * as the user who asks (their X-Auth-Token, their project's account).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpFault, type RouteDeps } from './app.js';
import { requireObject } from './server-routes.js';
import { backupDetail, backupSummary } from './snapshot-backup-views.js';
import { allTenantsOf, flagOf, optionalText } from './volume-params.js';
import type { Backup } from '../volume/index.js';

export function registerBackupRoutes(app: FastifyInstance, d: RouteDeps): void {
  const api = d.backupApi;
  const token = (req: FastifyRequest) => req.headers['x-auth-token'] as string;
  const list = (req: FastifyRequest) => {
    const q = req.query as Record<string, string | undefined>;
    return api.list(d.ctx(req), { allTenants: allTenantsOf(q), volumeId: q.volume_id, status: q.status, name: q.name });
  };
  const detail = async (req: FastifyRequest, b: Backup) => backupDetail(b, await api.hasDependents(b.id), d.base(req), d.ctx(req).principal.isAdmin);

  app.post('/backups', async (req, reply) => {
    const b = requireObject((req.body as Record<string, unknown> | null)?.backup, 'backup');
    const volumeId = optionalText(b.volume_id, 'volume_id');
    if (!volumeId) throw new HttpFault(400, "Invalid input for field/attribute backup. Value: 'volume_id' is a required property");
    const backup = await api.create(d.ctx(req), token(req), {
      volumeId, container: optionalText(b.container, 'container'), name: optionalText(b.name, 'name'), description: optionalText(b.description, 'description'),
      incremental: flagOf(b.incremental, 'incremental'), force: flagOf(b.force, 'force'), snapshotId: optionalText(b.snapshot_id, 'snapshot_id'),
    });
    return reply.code(202).send({ backup: backupSummary(backup, d.base(req)) });
  });

  app.get('/backups', async (req) => ({ backups: (await list(req)).map((b) => backupSummary(b, d.base(req))) }));
  app.get('/backups/detail', async (req) => ({ backups: await Promise.all((await list(req)).map((b) => detail(req, b))) }));
  app.get('/backups/:id', async (req) => ({ backup: await detail(req, await api.get(d.ctx(req), (req.params as { id: string }).id)) }));

  app.delete('/backups/:id', async (req, reply) => {
    await api.delete(d.ctx(req), token(req), (req.params as { id: string }).id);
    return reply.code(202).send();
  });

  app.post('/backups/:id/restore', async (req, reply) => {
    const r = requireObject((req.body as Record<string, unknown> | null)?.restore, 'restore');
    const { backup, volume } = await api.restore(d.ctx(req), token(req), (req.params as { id: string }).id, {
      volumeId: optionalText(r.volume_id, 'volume_id'), name: optionalText(r.name, 'name'),
    });
    return reply.code(202).send({ restore: { backup_id: backup.id, volume_id: volume.id, volume_name: volume.name } });
  });
}
