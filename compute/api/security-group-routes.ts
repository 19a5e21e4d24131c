/** `os-security-groups`, `os-security-group-rules` and a server's `os-security-groups` (Nova 2.1, nova-network). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isIPv4 } from 'node:net';
import { parseCidr } from '../network/ipv4.js';
import type { IpProtocol, NewRule } from '../network/index.js';
import { HttpFault, type RouteDeps } from './app.js';
import { ruleView, securityGroupView } from './network-views.js';
import { requireObject } from './server-routes.js';

function text(v: unknown, field: string, max = 255): string {
  if (typeof v !== 'string' || v.length > max) throw new HttpFault(400, `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v ?? null)}.`);
  return v;
}

function port(v: unknown, field: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new HttpFault(400, `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v ?? null)}.`);
  return n;
}

/** Nova's rule checks (nova/network/security_group/security_group_base.py). */
function ruleFrom(b: Record<string, unknown>, parentGroupId: string, groupId: string | undefined): NewRule {
  const rule: NewRule = { parentGroupId };
  const proto = b.ip_protocol;
  if (proto !== undefined && proto !== null) {
    const p = String(proto).toLowerCase();
    if (p !== 'tcp' && p !== 'udp' && p !== 'icmp') throw new HttpFault(400, `Invalid IP protocol ${String(proto)}.`);
    rule.protocol = p as IpProtocol;
    const from = port(b.from_port, 'from_port');
    const to = port(b.to_port, 'to_port');
    if (p === 'icmp') {
      if (from < -1 || from > 255 || to < -1 || to > 255) throw new HttpFault(400, `Invalid port range ${from}:${to}. For ICMP, the type:code must be valid`);
    } else if (from < 1 || to > 65535 || from > to) {
      throw new HttpFault(400, `Invalid port range ${from}:${to}. Valid ${p.toUpperCase()} ports should be between 1-65535`);
    }
    rule.fromPort = from;
    rule.toPort = to;
  } else if (b.from_port !== undefined && b.from_port !== null || b.to_port !== undefined && b.to_port !== null) {
    throw new HttpFault(400, 'Not enough parameters to build a valid rule: ports need ip_protocol.');
  }
  if (groupId !== undefined) {
    rule.groupId = groupId;
  } else {
    const cidr = b.cidr === undefined || b.cidr === null || b.cidr === '' ? '0.0.0.0/0' : text(b.cidr, 'cidr');
    const withPrefix = isIPv4(cidr) ? `${cidr}/32` : cidr;
    try {
      parseCidr(withPrefix);
    } catch {
      throw new HttpFault(400, `Invalid cidr ${cidr}.`);
    }
    rule.cidr = withPrefix;
  }
  return rule;
}

export function registerSecurityGroupRoutes(app: FastifyInstance, d: RouteDeps): void {
  const groups = d.network.groups;
  const view = async (g: Parameters<typeof securityGroupView>[0]) => {
    const sources = new Map<string, Awaited<ReturnType<typeof groups.get>>>();
    for (const r of g.rules) if (r.groupId && !sources.has(r.groupId)) sources.set(r.groupId, await groups.get(r.groupId));
    return securityGroupView(g, (id) => sources.get(id));
  };
  const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

  app.get('/os-security-groups', async (req) => {
    const { principal } = d.ctx(req);
    const q = req.query as Record<string, string | undefined>;
    const all = principal.isAdmin && q.all_tenants !== undefined && q.all_tenants !== '0' && q.all_tenants.toLowerCase() !== 'false';
    return { security_groups: await Promise.all((await groups.list(all ? undefined : principal.projectId)).map(view)) };
  });

  app.post('/os-security-groups', async (req) => {
    const b = requireObject((req.body as Record<string, unknown> | null)?.security_group, 'security_group');
    const name = text(b.name, 'name');
    if (name.trim() === '') throw new HttpFault(400, 'Security group name cannot be empty.');
    const g = await groups.create(d.ctx(req).principal.projectId, name, b.description === undefined ? '' : text(b.description, 'description'));
    return { security_group: await view(g) };
  });

  app.get('/os-security-groups/:id', async (req) => ({ security_group: await view(await d.networkApi.group(d.ctx(req), idOf(req))) }));

  app.put('/os-security-groups/:id', async (req) => {
    const g = await d.networkApi.group(d.ctx(req), idOf(req));
    const b = requireObject((req.body as Record<string, unknown> | null)?.security_group, 'security_group');
    return { security_group: await view(await groups.update(g.id, text(b.name ?? g.name, 'name'), text(b.description ?? g.description, 'description'))) };
  });

  app.delete('/os-security-groups/:id', async (req, reply) => {
    const ctx = d.ctx(req);
    const g = await d.networkApi.group(ctx, idOf(req));
    // Rules of other groups naming this one go with it: their members' filters change.
    const affected: string[] = [];
    for (const p of await groups.referencing(g.id)) affected.push(...await groups.members(p));
    await groups.delete(g.id);
    await d.networkApi.refresh(ctx, affected);
    return reply.code(202).send();
  });

  app.post('/os-security-group-rules', async (req) => {
    const ctx = d.ctx(req);
    const b = requireObject((req.body as Record<string, unknown> | null)?.security_group_rule, 'security_group_rule');
    if (b.parent_group_id === undefined || b.parent_group_id === null || b.parent_group_id === '') throw new HttpFault(400, "Invalid input for field/attribute parent_group_id. Value: None. 'parent_group_id' is a required property");
    const parent = await d.networkApi.group(ctx, String(b.parent_group_id));
    let source: string | undefined;
    if (b.group_id !== undefined && b.group_id !== null && b.group_id !== '') {
      const g = await groups.get(String(b.group_id));
      if (!g || g.projectId !== parent.projectId) throw new HttpFault(404, `Security group ${String(b.group_id)} not found.`);
      source = g.id;
    }
    const rule = await groups.addRule(ruleFrom(b, parent.id, source));
    await d.networkApi.refresh(ctx, await groups.members(parent.id));
    return { security_group_rule: ruleView(rule, source ? await groups.get(source) : undefined) };
  });

  app.delete('/os-security-group-rules/:id', async (req, reply) => {
    const ctx = d.ctx(req);
    const rule = await groups.getRule(idOf(req));
    if (!rule) throw new HttpFault(404, `Rule (${idOf(req)}) not found.`);
    const parent = await d.networkApi.group(ctx, rule.parentGroupId);
    await groups.deleteRule(rule.id);
    await d.networkApi.refresh(ctx, await groups.members(parent.id));
    return reply.code(202).send();
  });

  app.get('/servers/:id/os-security-groups', async (req) => {
    const inst = await d.service.getInstance(d.ctx(req), idOf(req));
    return { security_groups: await Promise.all((await groups.forInstance(inst.uuid)).map(view)) };
  });
}
