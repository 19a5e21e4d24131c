/**
 * Networks and their fixed IPs in the compute DB. An address is handed out
 * inside one transaction that reads what is taken and inserts the lowest
 * free one; `fixed_ips.address` is the primary key, so even writers on
 * other hosts can never hold the same address twice (the insert of a
 * taken one does nothing, and the next free one is tried).
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, SwiftlyError } from '../../common/index.js';
import { NotFoundError, type SqlExecutor } from '../db/index.js';
import { novaTime } from '../model.js';
import { cidrContains, cidrsOverlap, intToIp, ipToInt, parseCidr } from './ipv4.js';
import { generateMac } from './mac.js';
import type { FixedIp, Network } from './types.js';

type Row = Record<string, unknown>;

/** Nova: NoMoreFixedIps. */
export class NoMoreFixedIpsError extends SwiftlyError {
  constructor(net: Network) {
    super('ERR_CONFLICT', `No fixed IP addresses available for network: ${net.id}`, { status: 400 });
    this.name = 'NoMoreFixedIps';
  }
}

/** Nova: NetworkInUse. */
export class NetworkInUseError extends SwiftlyError {
  constructor(id: string) {
    super('ERR_CONFLICT', `Network ${id} is still in use`, { status: 409 });
    this.name = 'NetworkInUse';
  }
}

function toNetwork(r: Row): Network {
  const n: Network = {
    id: r.id as string, label: r.label as string, cidr: r.cidr as string, bridge: r.bridge as string,
    gateway: r.gateway as string, dns: JSON.parse(r.dns as string) as string[],
  };
  if (r.dhcp_start) n.dhcpStart = r.dhcp_start as string;
  if (r.project_id) n.projectId = r.project_id as string;
  return n;
}

function toFixedIp(r: Row): FixedIp {
  return { address: r.address as string, networkId: r.network_id as string, instanceUuid: r.instance_uuid as string, mac: r.mac as string };
}

export type NewNetwork = Omit<Network, 'id' | 'gateway' | 'bridge'> & { id?: string; gateway?: string; bridge?: string };

export class NetworkDb {
  constructor(private readonly sql: SqlExecutor) {}

  /** Check and store a network: a valid CIDR (/29 or larger), gateway and DHCP start inside it, no overlap with another. */
  async createNetwork(n: NewNetwork): Promise<Network> {
    const c = parseCidr(n.cidr);
    if (c.prefix > 29) throw new InvalidArgumentError(`${n.cidr} is too small: a network needs at least a /29`);
    const gateway = n.gateway ?? intToIp(c.base + 1);
    if (!cidrContains(c, ipToInt(gateway)) || ipToInt(gateway) === c.base || ipToInt(gateway) === c.base + c.size - 1) {
      throw new InvalidArgumentError(`gateway ${gateway} is not a host address of ${n.cidr}`);
    }
    if (n.dhcpStart !== undefined && !cidrContains(c, ipToInt(n.dhcpStart))) throw new InvalidArgumentError(`dhcp_start ${n.dhcpStart} is not in ${n.cidr}`);
    for (const d of n.dns) ipToInt(d);
    const id = n.id ?? randomUUID();
    return this.sql.transaction(async (tx) => {
      const db = new NetworkDb(tx);
      for (const other of await db.listNetworks()) {
        if (cidrsOverlap(c, parseCidr(other.cidr))) throw new InvalidArgumentError(`Requested cidr (${n.cidr}) conflicts with existing cidr (${other.cidr})`);
      }
      const bridge = n.bridge ?? await db.freeBridge();
      if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) throw new InvalidArgumentError(`bridge ${bridge} is not a Linux interface name (1-15 of A-Z a-z 0-9 _ . -)`);
      if (await tx.get(`SELECT 1 FROM networks WHERE bridge = ?`, [bridge])) throw new InvalidArgumentError(`Bridge ${bridge} is already used by another network`);
      await tx.run(`INSERT INTO networks (id, label, cidr, bridge, gateway, dns, dhcp_start, project_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [id, n.label, `${intToIp(c.base)}/${c.prefix}`, bridge, gateway, JSON.stringify(n.dns), n.dhcpStart ?? null, n.projectId ?? null, novaTime()]);
      return (await db.getNetwork(id))!;
    });
  }

  /** nova-network's bridges: br100, br101, … */
  private async freeBridge(): Promise<string> {
    const used = new Set((await this.sql.all(`SELECT bridge FROM networks`)).map((r) => r.bridge as string));
    let i = 100;
    while (used.has(`br${i}`)) i++;
    return `br${i}`;
  }

  async getNetwork(id: string): Promise<Network | undefined> {
    const r = await this.sql.get(`SELECT * FROM networks WHERE id = ?`, [id]);
    return r && toNetwork(r);
  }

  async findNetworkByCidr(cidr: string): Promise<Network | undefined> {
    const r = await this.sql.get(`SELECT * FROM networks WHERE cidr = ?`, [cidr]);
    return r && toNetwork(r);
  }

  /** Every network, or those a project may use (its own and the shared ones). */
  async listNetworks(projectId?: string): Promise<Network[]> {
    const rows = projectId === undefined
      ? await this.sql.all(`SELECT * FROM networks ORDER BY rowid`)
      : await this.sql.all(`SELECT * FROM networks WHERE project_id IS NULL OR project_id = ? ORDER BY rowid`, [projectId]);
    return rows.map(toNetwork);
  }

  /** Refused while any server holds an address on it. */
  async deleteNetwork(id: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      if (!await new NetworkDb(tx).getNetwork(id)) throw new NotFoundError(`Network ${id} could not be found.`);
      if (await tx.get(`SELECT 1 FROM fixed_ips WHERE network_id = ? LIMIT 1`, [id])) throw new NetworkInUseError(id);
      await tx.run(`DELETE FROM networks WHERE id = ?`, [id]);
    });
  }

  /**
   * The instance's address on `net`: the one it has, or the lowest free one
   * from the DHCP start (the network address, the gateway and the broadcast
   * address are never handed out), with a new MAC.
   */
  async allocateFixedIp(instanceUuid: string, net: Network): Promise<FixedIp> {
    return this.sql.transaction(async (tx) => {
      const held = await tx.get(`SELECT * FROM fixed_ips WHERE instance_uuid = ? AND network_id = ?`, [instanceUuid, net.id]);
      if (held) return toFixedIp(held);
      const c = parseCidr(net.cidr);
      const taken = new Set((await tx.all(`SELECT address FROM fixed_ips WHERE network_id = ?`, [net.id])).map((r) => ipToInt(r.address as string)));
      taken.add(ipToInt(net.gateway));
      const first = Math.max(net.dhcpStart ? ipToInt(net.dhcpStart) : c.base + 1, c.base + 1);
      // ON CONFLICT DO NOTHING: an address another writer took since our read, or a MAC clash
      // (1 in 16 million per pair, retried with another as Nova does), inserts nothing and the
      // next free address is tried, without aborting the transaction.
      for (let a = first, macTries = 0; a < c.base + c.size - 1; a++) {
        if (taken.has(a)) continue;
        const mac = generateMac();
        const res = await tx.run(`INSERT INTO fixed_ips (address, network_id, instance_uuid, mac, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          [intToIp(a), net.id, instanceUuid, mac, novaTime()]);
        if (res.changes === 1) return { address: intToIp(a), networkId: net.id, instanceUuid, mac };
        if (!await tx.get(`SELECT 1 FROM fixed_ips WHERE address = ?`, [intToIp(a)]) && macTries++ < 4) a--; // the MAC clashed: same address again
      }
      throw new NoMoreFixedIpsError(net);
    });
  }

  async fixedIpsForInstance(instanceUuid: string): Promise<FixedIp[]> {
    return (await this.sql.all(`SELECT * FROM fixed_ips WHERE instance_uuid = ? ORDER BY rowid`, [instanceUuid])).map(toFixedIp);
  }

  /** The holder of a fixed address (the metadata service finds a guest this way). */
  async fixedIpByAddress(address: string): Promise<FixedIp | undefined> {
    const r = await this.sql.get(`SELECT * FROM fixed_ips WHERE address = ?`, [address]);
    return r && toFixedIp(r);
  }

  async releaseFixedIp(address: string): Promise<void> {
    await this.sql.run(`DELETE FROM fixed_ips WHERE address = ?`, [address]);
  }

  async releaseFixedIps(instanceUuid: string): Promise<void> {
    await this.sql.run(`DELETE FROM fixed_ips WHERE instance_uuid = ?`, [instanceUuid]);
  }
}
