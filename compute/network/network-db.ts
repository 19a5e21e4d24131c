/**
 * Networks and their fixed IPs in the compute DB. An address is handed out
 * inside one immediate transaction that reads what is taken and inserts the
 * lowest free one; `fixed_ips.address` is the primary key, so even writers in
 * other processes can never hold the same address twice.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { InvalidArgumentError, SwiftlyError } from '../../common/index.js';
import { NotFoundError } from '../db/index.js';
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
  constructor(private readonly db: Database.Database) {}

  /** Check and store a network: a valid CIDR (/29 or larger), gateway and DHCP start inside it, no overlap with another. */
  createNetwork(n: NewNetwork): Network {
    const c = parseCidr(n.cidr);
    if (c.prefix > 29) throw new InvalidArgumentError(`${n.cidr} is too small: a network needs at least a /29`);
    const gateway = n.gateway ?? intToIp(c.base + 1);
    if (!cidrContains(c, ipToInt(gateway)) || ipToInt(gateway) === c.base || ipToInt(gateway) === c.base + c.size - 1) {
      throw new InvalidArgumentError(`gateway ${gateway} is not a host address of ${n.cidr}`);
    }
    if (n.dhcpStart !== undefined && !cidrContains(c, ipToInt(n.dhcpStart))) throw new InvalidArgumentError(`dhcp_start ${n.dhcpStart} is not in ${n.cidr}`);
    for (const d of n.dns) ipToInt(d);
    const id = n.id ?? randomUUID();
    return this.db.transaction(() => {
      for (const other of this.listNetworks()) {
        if (cidrsOverlap(c, parseCidr(other.cidr))) throw new InvalidArgumentError(`Requested cidr (${n.cidr}) conflicts with existing cidr (${other.cidr})`);
      }
      const bridge = n.bridge ?? this.freeBridge();
      if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) throw new InvalidArgumentError(`bridge ${bridge} is not a Linux interface name (1-15 of A-Z a-z 0-9 _ . -)`);
      if (this.db.prepare(`SELECT 1 FROM networks WHERE bridge = ?`).get(bridge)) throw new InvalidArgumentError(`Bridge ${bridge} is already used by another network`);
      this.db.prepare(`INSERT INTO networks (id, label, cidr, bridge, gateway, dns, dhcp_start, project_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(id, n.label, `${intToIp(c.base)}/${c.prefix}`, bridge, gateway, JSON.stringify(n.dns), n.dhcpStart ?? null, n.projectId ?? null, novaTime());
      return this.getNetwork(id)!;
    }).immediate();
  }

  /** nova-network's bridges: br100, br101, … */
  private freeBridge(): string {
    const used = new Set((this.db.prepare(`SELECT bridge FROM networks`).all() as Row[]).map((r) => r.bridge as string));
    let i = 100;
    while (used.has(`br${i}`)) i++;
    return `br${i}`;
  }

  getNetwork(id: string): Network | undefined {
    const r = this.db.prepare(`SELECT * FROM networks WHERE id = ?`).get(id) as Row | undefined;
    return r && toNetwork(r);
  }

  findNetworkByCidr(cidr: string): Network | undefined {
    const r = this.db.prepare(`SELECT * FROM networks WHERE cidr = ?`).get(cidr) as Row | undefined;
    return r && toNetwork(r);
  }

  /** Every network, or those a project may use (its own and the shared ones). */
  listNetworks(projectId?: string): Network[] {
    const rows = projectId === undefined
      ? this.db.prepare(`SELECT * FROM networks ORDER BY rowid`).all()
      : this.db.prepare(`SELECT * FROM networks WHERE project_id IS NULL OR project_id = ? ORDER BY rowid`).all(projectId);
    return (rows as Row[]).map(toNetwork);
  }

  /** Refused while any server holds an address on it. */
  deleteNetwork(id: string): void {
    this.db.transaction(() => {
      if (!this.getNetwork(id)) throw new NotFoundError(`Network ${id} could not be found.`);
      if (this.db.prepare(`SELECT 1 FROM fixed_ips WHERE network_id = ? LIMIT 1`).get(id)) throw new NetworkInUseError(id);
      this.db.prepare(`DELETE FROM networks WHERE id = ?`).run(id);
    }).immediate();
  }

  /**
   * The instance's address on `net`: the one it has, or the lowest free one
   * from the DHCP start (the network address, the gateway and the broadcast
   * address are never handed out), with a new MAC.
   */
  allocateFixedIp(instanceUuid: string, net: Network): FixedIp {
    return this.db.transaction(() => {
      const held = this.db.prepare(`SELECT * FROM fixed_ips WHERE instance_uuid = ? AND network_id = ?`).get(instanceUuid, net.id) as Row | undefined;
      if (held) return toFixedIp(held);
      const c = parseCidr(net.cidr);
      const taken = new Set((this.db.prepare(`SELECT address FROM fixed_ips WHERE network_id = ?`).all(net.id) as Row[]).map((r) => ipToInt(r.address as string)));
      taken.add(ipToInt(net.gateway));
      const first = Math.max(net.dhcpStart ? ipToInt(net.dhcpStart) : c.base + 1, c.base + 1);
      let address: number | undefined;
      for (let a = first; a < c.base + c.size - 1; a++) {
        if (!taken.has(a)) { address = a; break; }
      }
      if (address === undefined) throw new NoMoreFixedIpsError(net);
      const insert = this.db.prepare(`INSERT INTO fixed_ips (address, network_id, instance_uuid, mac, created_at) VALUES (?, ?, ?, ?, ?)`);
      // A MAC clash (1 in 16 million per pair) is retried with another, as Nova does.
      for (let attempt = 0; ; attempt++) {
        const mac = generateMac();
        try {
          insert.run(intToIp(address), net.id, instanceUuid, mac, novaTime());
          return { address: intToIp(address), networkId: net.id, instanceUuid, mac };
        } catch (err) {
          if (attempt >= 4 || !/fixed_ips\.mac/.test((err as Error).message)) throw err;
        }
      }
    }).immediate();
  }

  fixedIpsForInstance(instanceUuid: string): FixedIp[] {
    return (this.db.prepare(`SELECT * FROM fixed_ips WHERE instance_uuid = ? ORDER BY rowid`).all(instanceUuid) as Row[]).map(toFixedIp);
  }

  /** The holder of a fixed address (the metadata service finds a guest this way). */
  fixedIpByAddress(address: string): FixedIp | undefined {
    const r = this.db.prepare(`SELECT * FROM fixed_ips WHERE address = ?`).get(address) as Row | undefined;
    return r && toFixedIp(r);
  }

  releaseFixedIp(address: string): void {
    this.db.prepare(`DELETE FROM fixed_ips WHERE address = ?`).run(address);
  }

  releaseFixedIps(instanceUuid: string): void {
    this.db.prepare(`DELETE FROM fixed_ips WHERE instance_uuid = ?`).run(instanceUuid);
  }
}
