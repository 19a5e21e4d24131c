/** `os-floating-ip-pools` and `os-floating-ips` (Nova 2.1, nova-network): a project allocates addresses from a pool, lists, shows and releases them. */
import type { FastifyInstance } from 'fastify';
import { HttpFault, type RouteDeps } from './app.js';
import { floatingIpView } from './network-views.js';

export function registerFloatingIpRoutes(app: FastifyInstance, d: RouteDeps): void {
  app.get('/os-floating-ip-pools', async () => ({ floating_ip_pools: (await d.network.floating.listPools()).map((name) => ({ name })) }));

  app.get('/os-floating-ips', async (req) => ({ floating_ips: (await d.network.floating.list(d.ctx(req).principal.projectId)).map(floatingIpView) }));

  app.post('/os-floating-ips', async (req) => {
    const body = req.body as { pool?: unknown } | null | undefined;
    const pool = body?.pool ?? d.network.config.defaultFloatingPool;
    if (typeof pool !== 'string' || pool === '') throw new HttpFault(400, `Invalid input for field/attribute pool. Value: ${JSON.stringify(pool)}.`);
    return { floating_ip: floatingIpView(await d.network.floating.allocate(d.ctx(req).principal.projectId, pool)) };
  });

  app.get('/os-floating-ips/:id', async (req) => ({ floating_ip: floatingIpView(await d.networkApi.floatingIp(d.ctx(req), (req.params as { id: string }).id)) }));

  app.delete('/os-floating-ips/:id', async (req, reply) => {
    await d.networkApi.releaseFloatingIp(d.ctx(req), (req.params as { id: string }).id);
    return reply.code(202).send();
  });
}
