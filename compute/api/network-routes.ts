/** `os-networks` (nova-network's admin API): list and show for everyone (their project's and shared ones), create and delete for admins. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpFault, type RouteDeps } from './app.js';
import { networkView } from './network-views.js';
import { requireObject, requireString } from './server-routes.js';

function optionalString(v: unknown, field: string): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : requireString(v, field);
}

export function registerNetworkRoutes(app: FastifyInstance, d: RouteDeps): void {
  const visible = async (req: FastifyRequest, id: string) => {
    const { principal } = d.ctx(req);
    const n = await d.network.networks.getNetwork(id);
    if (!n || (!principal.isAdmin && n.projectId !== undefined && n.projectId !== principal.projectId)) throw new HttpFault(404, 'Network could not be found.');
    return n;
  };
  const requireAdmin = (req: FastifyRequest, rule: string) => {
    if (!d.ctx(req).principal.isAdmin) throw new HttpFault(403, `Policy doesn't allow os_compute_api:os-networks:${rule} to be performed.`);
  };

  app.get('/os-networks', async (req) => {
    const { principal } = d.ctx(req);
    const list = await d.network.networks.listNetworks(principal.isAdmin ? undefined : principal.projectId);
    return { networks: list.map((n) => networkView(n, principal.isAdmin)) };
  });

  app.get('/os-networks/:id', async (req) => ({ network: networkView(await visible(req, (req.params as { id: string }).id), d.ctx(req).principal.isAdmin) }));

  app.post('/os-networks', async (req) => {
    requireAdmin(req, 'create');
    const b = requireObject((req.body as Record<string, unknown> | null)?.network, 'network');
    const dns = [optionalString(b.dns1, 'dns1'), optionalString(b.dns2, 'dns2')].filter((x): x is string => x !== undefined);
    const n = await d.network.networks.createNetwork({
      label: requireString(b.label, 'label'),
      cidr: requireString(b.cidr, 'cidr'),
      bridge: optionalString(b.bridge, 'bridge'),
      gateway: optionalString(b.gateway, 'gateway'),
      dns: dns.length ? dns : d.network.config.dns,
      dhcpStart: optionalString(b.dhcp_start, 'dhcp_start'),
      projectId: optionalString(b.project_id, 'project_id'),
    });
    return { network: networkView(n, true) };
  });

  app.delete('/os-networks/:id', async (req, reply) => {
    requireAdmin(req, 'delete');
    await d.networkApi.deleteNetwork(d.ctx(req), await visible(req, (req.params as { id: string }).id));
    return reply.code(202).send();
  });
}
