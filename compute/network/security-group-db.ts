/**
 * Security groups, their ingress rules and which servers are in them, in the
 * compute DB. Every project has a group named `default` (made on first use,
 * as Nova's ensure_default), which can't be deleted.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { InvalidArgumentError } from '../../common/index.js';
import { NotFoundError } from '../db/index.js';
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
  constructor(private readonly db: Database.Database) {}

  private withRules(r: Row): SecurityGroup {
    const rules = (this.db.prepare(`SELECT * FROM security_group_rules WHERE parent_group_id = ? ORDER BY rowid`).all(r.id) as Row[]).map(toRule);
    return { id: r.id as string, name: r.name as string, description: r.description as string, projectId: r.project_id as string, rules };
  }

  /** The project's `default` group, made if missing. */
  ensureDefault(projectId: string): SecurityGroup {
    this.db.prepare(`INSERT INTO security_groups (id, name, description, project_id, created_at) VALUES (?, 'default', 'default', ?, ?) ON CONFLICT (project_id, name) DO NOTHING`)
      .run(randomUUID(), projectId, novaTime());
    return this.getByName(projectId, 'default')!;
  }

  create(projectId: string, name: string, description: string): SecurityGroup {
    this.ensureDefault(projectId);
    const id = randomUUID();
    const res = this.db.prepare(`INSERT INTO security_groups (id, name, description, project_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, name) DO NOTHING`)
      .run(id, name, description, projectId, novaTime());
    if (res.changes === 0) throw new InvalidArgumentError(`Security group ${name} already exists`);
    return this.get(id)!;
  }

  get(id: string): SecurityGroup | undefined {
    const r = this.db.prepare(`SELECT * FROM security_groups WHERE id = ?`).get(id) as Row | undefined;
    return r && this.withRules(r);
  }

  getByName(projectId: string, name: string): SecurityGroup | undefined {
    const r = this.db.prepare(`SELECT * FROM security_groups WHERE project_id = ? AND name = ?`).get(projectId, name) as Row | undefined;
    return r && this.withRules(r);
  }

  /** A project's groups (its default one made first), or every group when `projectId` is undefined. */
  list(projectId?: string): SecurityGroup[] {
    if (projectId !== undefined) this.ensureDefault(projectId);
    const rows = projectId === undefined
      ? this.db.prepare(`SELECT * FROM security_groups ORDER BY project_id, rowid`).all()
      : this.db.prepare(`SELECT * FROM security_groups WHERE project_id = ? ORDER BY rowid`).all(projectId);
    return (rows as Row[]).map((r) => this.withRules(r));
  }

  update(id: string, name: string, description: string): SecurityGroup {
    const g = this.get(id);
    if (!g) throw new NotFoundError(`Security group ${id} not found.`);
    if (g.name === 'default' && name !== 'default') throw new InvalidArgumentError('Unable to update system group \'default\'');
    const res = this.db.prepare(`UPDATE security_groups SET name = ?, description = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM security_groups WHERE project_id = ? AND name = ? AND id != ?)`)
      .run(name, description, id, g.projectId, name, id);
    if (res.changes === 0) throw new InvalidArgumentError(`Security group ${name} already exists`);
    return this.get(id)!;
  }

  /** Refused for `default` and while a server is in the group (Nova answers 400 for both). */
  delete(id: string): void {
    this.db.transaction(() => {
      const g = this.get(id);
      if (!g) throw new NotFoundError(`Security group ${id} not found.`);
      if (g.name === 'default') throw new InvalidArgumentError('Removing default security group not allowed.');
      if (this.db.prepare(`SELECT 1 FROM security_group_instance si JOIN instances i ON i.uuid = si.instance_uuid WHERE si.security_group_id = ? AND i.deleted = 0 LIMIT 1`).get(id)) {
        throw new InvalidArgumentError('Security group is still in use');
      }
      this.db.prepare(`DELETE FROM security_group_rules WHERE parent_group_id = ? OR group_id = ?`).run(id, id);
      this.db.prepare(`DELETE FROM security_group_instance WHERE security_group_id = ?`).run(id);
      this.db.prepare(`DELETE FROM security_groups WHERE id = ?`).run(id);
    }).immediate();
  }

  /** Add a rule; the same rule twice is refused (Nova: SecurityGroupRuleExists → 400). */
  addRule(rule: NewRule): SecurityGroupRule {
    return this.db.transaction(() => {
      const g = this.get(rule.parentGroupId);
      if (!g) throw new NotFoundError(`Security group ${rule.parentGroupId} not found.`);
      const same = g.rules.find((r) => r.protocol === rule.protocol && r.fromPort === rule.fromPort && r.toPort === rule.toPort && r.cidr === rule.cidr && r.groupId === rule.groupId);
      if (same) throw new InvalidArgumentError(`This rule already exists in group ${g.id}`);
      const id = randomUUID();
      this.db.prepare(`INSERT INTO security_group_rules (id, parent_group_id, protocol, from_port, to_port, cidr, group_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(id, rule.parentGroupId, rule.protocol ?? null, rule.fromPort ?? null, rule.toPort ?? null, rule.cidr ?? null, rule.groupId ?? null, novaTime());
      return { ...rule, id };
    }).immediate();
  }

  getRule(id: string): SecurityGroupRule | undefined {
    const r = this.db.prepare(`SELECT * FROM security_group_rules WHERE id = ?`).get(id) as Row | undefined;
    return r && toRule(r);
  }

  deleteRule(id: string): void {
    this.db.prepare(`DELETE FROM security_group_rules WHERE id = ?`).run(id);
  }

  addInstance(groupId: string, instanceUuid: string): void {
    this.db.prepare(`INSERT INTO security_group_instance (security_group_id, instance_uuid) VALUES (?, ?) ON CONFLICT DO NOTHING`).run(groupId, instanceUuid);
  }

  removeInstance(groupId: string, instanceUuid: string): boolean {
    return this.db.prepare(`DELETE FROM security_group_instance WHERE security_group_id = ? AND instance_uuid = ?`).run(groupId, instanceUuid).changes === 1;
  }

  forInstance(instanceUuid: string): SecurityGroup[] {
    const rows = this.db.prepare(`SELECT g.* FROM security_groups g JOIN security_group_instance si ON si.security_group_id = g.id WHERE si.instance_uuid = ? ORDER BY g.name`).all(instanceUuid) as Row[];
    return rows.map((r) => this.withRules(r));
  }

  /** The live servers in a group. */
  members(groupId: string): string[] {
    return (this.db.prepare(`SELECT si.instance_uuid FROM security_group_instance si JOIN instances i ON i.uuid = si.instance_uuid WHERE si.security_group_id = ? AND i.deleted = 0`)
      .all(groupId) as Row[]).map((r) => r.instance_uuid as string);
  }

  /** Groups with a rule whose source is `groupId` (their members' filters name its members' addresses). */
  referencing(groupId: string): string[] {
    return (this.db.prepare(`SELECT DISTINCT parent_group_id FROM security_group_rules WHERE group_id = ?`).all(groupId) as Row[]).map((r) => r.parent_group_id as string);
  }
}
