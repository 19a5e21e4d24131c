/**
 * Security groups, their ingress rules and which servers are in them, in the
 * compute DB. Every project has a group named `default` (made on first use,
 * as Nova's ensure_default), which can't be deleted.
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../../common/index.js';
import { NotFoundError, type SqlExecutor } from '../db/index.js';
import { novaTime } from '../model.js';
import type { IpProtocol, SecurityGroup, SecurityGroupRule } from './types.js';

type Row = Record<string, unknown>;

function toRule(r: Row): SecurityGroupRule {
  const rule: SecurityGroupRule = { id: r.id as string, parentGroupId: r.parent_group_id as string };
  if (r.protocol != null) rule.protocol = r.protocol as IpProtocol;
  if (r.from_port != null) rule.fromPort = r.from_port as number;
  if (r.to_port != null) rule.toPort = r.to_port as number;
  if (r.cidr != null) rule.cidr = r.cidr as string;
  if (r.group_id != null) rule.groupId = r.group_id as string;
  return rule;
}

export type NewRule = Omit<SecurityGroupRule, 'id'>;

export class SecurityGroupDb {
  constructor(private readonly sql: SqlExecutor) {}

  private async withRules(r: Row): Promise<SecurityGroup> {
    const rules = (await this.sql.all(`SELECT * FROM security_group_rules WHERE parent_group_id = ? ORDER BY rowid`, [r.id as string])).map(toRule);
    return { id: r.id as string, name: r.name as string, description: r.description as string, projectId: r.project_id as string, rules };
  }

  /** The project's `default` group, made if missing. */
  async ensureDefault(projectId: string): Promise<SecurityGroup> {
    await this.sql.run(`INSERT INTO security_groups (id, name, description, project_id, created_at) VALUES (?, 'default', 'default', ?, ?) ON CONFLICT (project_id, name) DO NOTHING`,
      [randomUUID(), projectId, novaTime()]);
    return (await this.getByName(projectId, 'default'))!;
  }

  async create(projectId: string, name: string, description: string): Promise<SecurityGroup> {
    await this.ensureDefault(projectId);
    const id = randomUUID();
    const res = await this.sql.run(`INSERT INTO security_groups (id, name, description, project_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, name) DO NOTHING`,
      [id, name, description, projectId, novaTime()]);
    if (res.changes === 0) throw new InvalidArgumentError(`Security group ${name} already exists`);
    return (await this.get(id))!;
  }

  async get(id: string): Promise<SecurityGroup | undefined> {
    const r = await this.sql.get(`SELECT * FROM security_groups WHERE id = ?`, [id]);
    return r && this.withRules(r);
  }

  async getByName(projectId: string, name: string): Promise<SecurityGroup | undefined> {
    const r = await this.sql.get(`SELECT * FROM security_groups WHERE project_id = ? AND name = ?`, [projectId, name]);
    return r && this.withRules(r);
  }

  /** A project's groups (its default one made first), or every group when `projectId` is undefined. */
  async list(projectId?: string): Promise<SecurityGroup[]> {
    if (projectId !== undefined) await this.ensureDefault(projectId);
    const rows = projectId === undefined
      ? await this.sql.all(`SELECT * FROM security_groups ORDER BY project_id, rowid`)
      : await this.sql.all(`SELECT * FROM security_groups WHERE project_id = ? ORDER BY rowid`, [projectId]);
    const out: SecurityGroup[] = [];
    for (const r of rows) out.push(await this.withRules(r));
    return out;
  }

  async update(id: string, name: string, description: string): Promise<SecurityGroup> {
    const g = await this.get(id);
    if (!g) throw new NotFoundError(`Security group ${id} not found.`);
    if (g.name === 'default' && name !== 'default') throw new InvalidArgumentError('Unable to update system group \'default\'');
    const res = await this.sql.run(`UPDATE security_groups SET name = ?, description = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM security_groups WHERE project_id = ? AND name = ? AND id != ?)`,
      [name, description, id, g.projectId, name, id]);
    if (res.changes === 0) throw new InvalidArgumentError(`Security group ${name} already exists`);
    return (await this.get(id))!;
  }

  /** Refused for `default` and while a server is in the group (Nova answers 400 for both). */
  async delete(id: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const g = await new SecurityGroupDb(tx).get(id);
      if (!g) throw new NotFoundError(`Security group ${id} not found.`);
      if (g.name === 'default') throw new InvalidArgumentError('Removing default security group not allowed.');
      if (await tx.get(`SELECT 1 FROM security_group_instance si JOIN instances i ON i.uuid = si.instance_uuid WHERE si.security_group_id = ? AND i.deleted = 0 LIMIT 1`, [id])) {
        throw new InvalidArgumentError('Security group is still in use');
      }
      await tx.run(`DELETE FROM security_group_rules WHERE parent_group_id = ? OR group_id = ?`, [id, id]);
      await tx.run(`DELETE FROM security_group_instance WHERE security_group_id = ?`, [id]);
      await tx.run(`DELETE FROM security_groups WHERE id = ?`, [id]);
    });
  }

  /** Add a rule; the same rule twice is refused (Nova: SecurityGroupRuleExists → 400). */
  async addRule(rule: NewRule): Promise<SecurityGroupRule> {
    return this.sql.transaction(async (tx) => {
      const g = await new SecurityGroupDb(tx).get(rule.parentGroupId);
      if (!g) throw new NotFoundError(`Security group ${rule.parentGroupId} not found.`);
      const same = g.rules.find((r) => r.protocol === rule.protocol && r.fromPort === rule.fromPort && r.toPort === rule.toPort && r.cidr === rule.cidr && r.groupId === rule.groupId);
      if (same) throw new InvalidArgumentError(`This rule already exists in group ${g.id}`);
      const id = randomUUID();
      await tx.run(`INSERT INTO security_group_rules (id, parent_group_id, protocol, from_port, to_port, cidr, group_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [id, rule.parentGroupId, rule.protocol ?? null, rule.fromPort ?? null, rule.toPort ?? null, rule.cidr ?? null, rule.groupId ?? null, novaTime()]);
      return { ...rule, id };
    });
  }

  async getRule(id: string): Promise<SecurityGroupRule | undefined> {
    const r = await this.sql.get(`SELECT * FROM security_group_rules WHERE id = ?`, [id]);
    return r && toRule(r);
  }

  async deleteRule(id: string): Promise<void> {
    await this.sql.run(`DELETE FROM security_group_rules WHERE id = ?`, [id]);
  }

  async addInstance(groupId: string, instanceUuid: string): Promise<void> {
    await this.sql.run(`INSERT INTO security_group_instance (security_group_id, instance_uuid) VALUES (?, ?) ON CONFLICT DO NOTHING`, [groupId, instanceUuid]);
  }

  async removeInstance(groupId: string, instanceUuid: string): Promise<boolean> {
    return (await this.sql.run(`DELETE FROM security_group_instance WHERE security_group_id = ? AND instance_uuid = ?`, [groupId, instanceUuid])).changes === 1;
  }

  async forInstance(instanceUuid: string): Promise<SecurityGroup[]> {
    const rows = await this.sql.all(`SELECT g.* FROM security_groups g JOIN security_group_instance si ON si.security_group_id = g.id WHERE si.instance_uuid = ? ORDER BY g.name`, [instanceUuid]);
    const out: SecurityGroup[] = [];
    for (const r of rows) out.push(await this.withRules(r));
    return out;
  }

  /** The live servers in a group. */
  async members(groupId: string): Promise<string[]> {
    return (await this.sql.all(`SELECT si.instance_uuid FROM security_group_instance si JOIN instances i ON i.uuid = si.instance_uuid WHERE si.security_group_id = ? AND i.deleted = 0`,
      [groupId])).map((r) => r.instance_uuid as string);
  }

  /** Groups with a rule whose source is `groupId` (their members' filters name its members' addresses). */
  async referencing(groupId: string): Promise<string[]> {
    return (await this.sql.all(`SELECT DISTINCT parent_group_id FROM security_group_rules WHERE group_id = ?`, [groupId])).map((r) => r.parent_group_id as string);
  }
}
