/**
 * Floating IPs in the compute DB: a pool's addresses are rows from the start
 * (made from `floating_range`); allocating sets the project on a free one,
 * associating sets the fixed address it is NATed to. Each change is one
 * conditional UPDATE, so two racing requests can't both win an address.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { InvalidArgumentError, SwiftlyError } from '../../common/index.js';
import { NotFoundError } from '../db/index.js';
import { novaTime } from '../model.js';
import { intToIp, parseCidr } from './ipv4.js';
import type { FloatingIp } from './types.js';

type Row = Record<string, unknown>;

/** Nova: NoMoreFloatingIps (404 at the API). */
export class NoMoreFloatingIpsError extends SwiftlyError {
  constructor(pool: string) {
    super('ERR_NOT_FOUND', `No more floating IPs in pool ${pool}.`, { status: 404 });
    this.name = 'NoMoreFloatingIps';
  }
}

/** The largest pool made from one range (a /16). */
const MAX_POOL = 65536;

function toFloating(r: Row): FloatingIp {
  const f: FloatingIp = { id: r.id as string, address: r.address as string, pool: r.pool as string, projectId: (r.project_id as string | null) ?? null };
  if (r.fixed_address) f.fixedAddress = r.fixed_address as string;
  if (r.instance_uuid) f.instanceUuid = r.instance_uuid as string;
  return f;
}

export class FloatingIpDb {
  constructor(private readonly db: Database.Database) {}

  /** Add the host addresses of `cidr` to `pool` (those already there are kept as they are). */
  ensurePool(pool: string, cidr: string): number {
    const c = parseCidr(cidr);
    if (c.size > MAX_POOL) throw new InvalidArgumentError(`floating_range ${cidr} is larger than a /16`);
    const first = c.size > 2 ? c.base + 1 : c.base;
    const end = c.size > 2 ? c.base + c.size - 1 : c.base + c.size;
    const insert = this.db.prepare(`INSERT INTO floating_ips (id, address, pool, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (address) DO NOTHING`);
    const now = novaTime();
    return this.db.transaction(() => {
      let added = 0;
      for (let a = first; a < end; a++) added += insert.run(randomUUID(), intToIp(a), pool, now).changes;
      return added;
    }).immediate();
  }

  listPools(): string[] {
    return (this.db.prepare(`SELECT DISTINCT pool FROM floating_ips ORDER BY pool`).all() as Row[]).map((r) => r.pool as string);
  }

  /** Give a free address of `pool` to `projectId`. */
  allocate(projectId: string, pool: string): FloatingIp {
    return this.db.transaction(() => {
      if (!this.db.prepare(`SELECT 1 FROM floating_ips WHERE pool = ? LIMIT 1`).get(pool)) throw new NotFoundError('Floating IP pool not found.');
      const free = this.db.prepare(`SELECT id FROM floating_ips WHERE pool = ? AND project_id IS NULL ORDER BY rowid LIMIT 1`).get(pool) as Row | undefined;
      if (!free) throw new NoMoreFloatingIpsError(pool);
      this.db.prepare(`UPDATE floating_ips SET project_id = ?, updated_at = ? WHERE id = ?`).run(projectId, novaTime(), free.id);
      return this.get(free.id as string)!;
    }).immediate();
  }

  get(id: string): FloatingIp | undefined {
    const r = this.db.prepare(`SELECT * FROM floating_ips WHERE id = ?`).get(id) as Row | undefined;
    return r && toFloating(r);
  }

  getByAddress(address: string): FloatingIp | undefined {
    const r = this.db.prepare(`SELECT * FROM floating_ips WHERE address = ?`).get(address) as Row | undefined;
    return r && toFloating(r);
  }

  /** A project's allocated addresses (every allocated one when `projectId` is undefined). */
  list(projectId?: string): FloatingIp[] {
    const rows = projectId === undefined
      ? this.db.prepare(`SELECT * FROM floating_ips WHERE project_id IS NOT NULL ORDER BY rowid`).all()
      : this.db.prepare(`SELECT * FROM floating_ips WHERE project_id = ? ORDER BY rowid`).all(projectId);
    return (rows as Row[]).map(toFloating);
  }

  forInstance(instanceUuid: string): FloatingIp[] {
    return (this.db.prepare(`SELECT * FROM floating_ips WHERE instance_uuid = ? ORDER BY rowid`).all(instanceUuid) as Row[]).map(toFloating);
  }

  /** Point an unassociated (or already so associated) address at `fixedAddress`; false when another holds it. */
  associate(id: string, fixedAddress: string, instanceUuid: string): boolean {
    return this.db.prepare(`UPDATE floating_ips SET fixed_address = ?, instance_uuid = ?, updated_at = ?
      WHERE id = ? AND (fixed_address IS NULL OR (fixed_address = ? AND instance_uuid = ?))`)
      .run(fixedAddress, instanceUuid, novaTime(), id, fixedAddress, instanceUuid).changes === 1;
  }

  /** Undo an association, only if it is still the one given. */
  disassociate(id: string, fixedAddress: string): boolean {
    return this.db.prepare(`UPDATE floating_ips SET fixed_address = NULL, instance_uuid = NULL, updated_at = ? WHERE id = ? AND fixed_address = ?`)
      .run(novaTime(), id, fixedAddress).changes === 1;
  }

  /** Back to the pool (the caller has disassociated it). */
  release(id: string): void {
    this.db.prepare(`UPDATE floating_ips SET project_id = NULL, fixed_address = NULL, instance_uuid = NULL, updated_at = ? WHERE id = ?`).run(novaTime(), id);
  }
}
