/**
 * Floating IPs in the compute DB: a pool's addresses are rows from the start
 * (made from `floating_range`); allocating sets the project on a free one,
 * associating sets the fixed address it is NATed to. Each change is one
 * conditional UPDATE, so two racing requests can't both win an address.
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, SwiftlyError } from '../../common/index.js';
import { NotFoundError, type SqlExecutor } from '../db/index.js';
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
  constructor(private readonly sql: SqlExecutor) {}

  /** Add the host addresses of `cidr` to `pool` (those already there are kept as they are). */
  async ensurePool(pool: string, cidr: string): Promise<number> {
    const c = parseCidr(cidr);
    if (c.size > MAX_POOL) throw new InvalidArgumentError(`floating_range ${cidr} is larger than a /16`);
    const first = c.size > 2 ? c.base + 1 : c.base;
    const end = c.size > 2 ? c.base + c.size - 1 : c.base + c.size;
    const now = novaTime();
    return this.sql.transaction(async (tx) => {
      let added = 0;
      for (let a = first; a < end; a++) {
        added += (await tx.run(`INSERT INTO floating_ips (id, address, pool, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (address) DO NOTHING`, [randomUUID(), intToIp(a), pool, now])).changes;
      }
      return added;
    });
  }

  async listPools(): Promise<string[]> {
    return (await this.sql.all(`SELECT DISTINCT pool FROM floating_ips ORDER BY pool`)).map((r) => r.pool as string);
  }

  /** Give a free address of `pool` to `projectId`. */
  async allocate(projectId: string, pool: string): Promise<FloatingIp> {
    return this.sql.transaction(async (tx) => {
      if (!await tx.get(`SELECT 1 FROM floating_ips WHERE pool = ? LIMIT 1`, [pool])) throw new NotFoundError('Floating IP pool not found.');
      const free = await tx.get(`SELECT id FROM floating_ips WHERE pool = ? AND project_id IS NULL ORDER BY rowid LIMIT 1`, [pool]);
      if (!free) throw new NoMoreFloatingIpsError(pool);
      // Conditional: a writer that took it since our read leaves nothing to update (PostgreSQL then retries the transaction).
      const res = await tx.run(`UPDATE floating_ips SET project_id = ?, updated_at = ? WHERE id = ? AND project_id IS NULL`, [projectId, novaTime(), free.id as string]);
      if (res.changes !== 1) throw Object.assign(new Error('floating IP taken meanwhile'), { code: '40001' });
      return (await new FloatingIpDb(tx).get(free.id as string))!;
    });
  }

  async get(id: string): Promise<FloatingIp | undefined> {
    const r = await this.sql.get(`SELECT * FROM floating_ips WHERE id = ?`, [id]);
    return r && toFloating(r);
  }

  async getByAddress(address: string): Promise<FloatingIp | undefined> {
    const r = await this.sql.get(`SELECT * FROM floating_ips WHERE address = ?`, [address]);
    return r && toFloating(r);
  }

  /** A project's allocated addresses (every allocated one when `projectId` is undefined). */
  async list(projectId?: string): Promise<FloatingIp[]> {
    const rows = projectId === undefined
      ? await this.sql.all(`SELECT * FROM floating_ips WHERE project_id IS NOT NULL ORDER BY rowid`)
      : await this.sql.all(`SELECT * FROM floating_ips WHERE project_id = ? ORDER BY rowid`, [projectId]);
    return rows.map(toFloating);
  }

  async forInstance(instanceUuid: string): Promise<FloatingIp[]> {
    return (await this.sql.all(`SELECT * FROM floating_ips WHERE instance_uuid = ? ORDER BY rowid`, [instanceUuid])).map(toFloating);
  }

  /** Point an unassociated (or already so associated) address at `fixedAddress`; false when another holds it. */
  async associate(id: string, fixedAddress: string, instanceUuid: string): Promise<boolean> {
    return (await this.sql.run(`UPDATE floating_ips SET fixed_address = ?, instance_uuid = ?, updated_at = ?
      WHERE id = ? AND (fixed_address IS NULL OR (fixed_address = ? AND instance_uuid = ?))`,
    [fixedAddress, instanceUuid, novaTime(), id, fixedAddress, instanceUuid])).changes === 1;
  }

  /** Undo an association, only if it is still the one given. */
  async disassociate(id: string, fixedAddress: string): Promise<boolean> {
    return (await this.sql.run(`UPDATE floating_ips SET fixed_address = NULL, instance_uuid = NULL, updated_at = ? WHERE id = ? AND fixed_address = ?`,
      [novaTime(), id, fixedAddress])).changes === 1;
  }

  /** Back to the pool (the caller has disassociated it). */
  async release(id: string): Promise<void> {
    await this.sql.run(`UPDATE floating_ips SET project_id = NULL, fixed_address = NULL, instance_uuid = NULL, updated_at = ? WHERE id = ?`, [novaTime(), id]);
  }
}
