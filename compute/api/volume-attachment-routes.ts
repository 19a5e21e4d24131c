/** Nova's `os-volume_attachments` on a server: list, show, attach (200 once attached), detach (202). */
import type { FastifyInstance } from 'fastify';
import { HttpFault, type RouteDeps } from './app.js';
import { requireObject, requireString } from './server-routes.js';
import { attachmentView } from './volume-views.js';

export function registerVolumeAttachmentRoutes(app: FastifyInstance, d: RouteDeps): void {
  const server = (req: { params: unknown }) => (req.params as { id: string }).id;

  app.get('/servers/:id/os-volume_attachments', async (req) => {
    const inst = await d.service.getInstance(d.ctx(req), server(req));
    return { volumeAttachments: (await d.volumeAttach.list(inst)).map(attachmentView) };
  });

  app.get('/servers/:id/os-volume_attachments/:volume', async (req) => {
    const inst = await d.service.getInstance(d.ctx(req), server(req));
    const { volume } = req.params as { volume: string };
    const a = (await d.volumeAttach.list(inst)).find((x) => x.volume_id === volume);
    if (!a) throw new HttpFault(404, `Volume ${volume} is not attached to server ${inst.uuid}`);
    return { volumeAttachment: attachmentView(a) };
  });

  app.post('/servers/:id/os-volume_attachments', async (req) => {
    const b = requireObject((req.body as Record<string, unknown> | null)?.volumeAttachment, 'volumeAttachment');
    const ctx = d.ctx(req);
    const inst = await d.service.getInstance(ctx, server(req));
    const device = b.device === undefined || b.device === null ? undefined : requireString(b.device, 'device');
    const a = await d.volumeAttach.attach(ctx, inst, requireString(b.volumeId, 'volumeId'), device);
    return { volumeAttachment: attachmentView(a) };
  });

  app.delete('/servers/:id/os-volume_attachments/:volume', async (req, reply) => {
    const ctx = d.ctx(req);
    const inst = await d.service.getInstance(ctx, server(req));
    await d.volumeAttach.detach(ctx, inst, (req.params as { volume: string }).volume);
    return reply.code(202).send();
  });
}
