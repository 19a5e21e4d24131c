/**
 * nova-network's control plane over the compute DB (Nova's
 * nova/network/manager.py, flat DHCP, reduced): which networks a server
 * gets, its fixed addresses, the ingress rules of its security groups as
 * the data plane applies them, and the `addresses` of the server view.
 * Used by the API and by each compute host; holds no state of its own.
 */
import { InvalidArgumentError } from '../../common/index.js';
import type { SqlExecutor } from '../db/index.js';
import type { Instance } from '../model.js';
import { FloatingIpDb } from './floating-ip-db.js';
import { KeyPairDb } from './keypair-db.js';
import { NetworkDb } from './network-db.js';
import { SecurityGroupDb } from './security-group-db.js';
import { tapDevice, type FixedIp, type IngressRule, type Network, type NetworkInfo, type RequestedNetworks } from './types.js';


/** compute.conf's `[network]` (nova-network's option names). */
export interface NetworkConfig {
  /** `fixed_range`: a network made at start when no network has this CIDR (empty: none). */
  fixedRange: string;
  /** `network_label` of that network. */
  networkLabel: string;
  /** `flat_network_bridge`. */
  bridge: string;
  /** `flat_network_dns`. */
  dns: string[];
  /** `floating_range`: the addresses of the default floating pool (empty: no pool). */
  floatingRange: string;
  /** `default_floating_pool`. */
  defaultFloatingPool: string;
  /** `allow_same_net_traffic`: guests on a network accept each other's traffic whatever their groups say. */
  allowSameNetTraffic: boolean;
  /** `networks_path`: a Linux compute host's dnsmasq files. */
  networksPath: string;
  /** `public_interface`: where a Linux host adds floating addresses (empty: none). */
  publicInterface: string;
  /** `dhcp_lease_time`, seconds. */
  dhcpLeaseTimeSec: number;
  /** `network_namespace` (swiftly's): the network namespace a Linux host's guest networks live in (empty: the host's own). */
  networkNamespace: string;
}

export const DEFAULT_NETWORK_CONFIG: NetworkConfig = {
  fixedRange: '', networkLabel: 'private', bridge: 'br100', dns: ['8.8.4.4'], floatingRange: '', defaultFloatingPool: 'nova', allowSameNetTraffic: true,
  networksPath: '/var/lib/swiftly/networks', publicInterface: '', dhcpLeaseTimeSec: 86400, networkNamespace: '',
};

/** A server's address as the view shows it (Nova's `addresses`). */
export interface AddressView {
  version: 4;
  addr: string;
  'OS-EXT-IPS:type': 'fixed' | 'floating';
  'OS-EXT-IPS-MAC:mac_addr': string;
}

/**
 * Nova's hostname from a display name (nova/utils.py sanitize_hostname):
 * lower case, runs of other characters → `-`, at most 63 characters.
 */
export function sanitizeHostname(name: string, fallback: string): string {
  const h = name.toLowerCase().replace(/[ _]/g, '-').replace(/[^a-z0-9.-]/g, '').replace(/^[.-]+|[.-]+$/g, '').slice(0, 63).replace(/[.-]+$/, '');
  return h || fallback;
}

export class NetworkService {
  readonly networks: NetworkDb;
  readonly floating: FloatingIpDb;
  readonly groups: SecurityGroupDb;
  readonly keypairs: KeyPairDb;

  constructor(sql: SqlExecutor, readonly config: NetworkConfig = DEFAULT_NETWORK_CONFIG) {
    this.networks = new NetworkDb(sql);
    this.floating = new FloatingIpDb(sql);
    this.groups = new SecurityGroupDb(sql);
    this.keypairs = new KeyPairDb(sql);
  }

  /** The network of `fixed_range` and the pool of `floating_range`, made when missing (idempotent; the API calls it at start). */
  async ensureConfigured(): Promise<void> {
    const c = this.config;
    if (c.fixedRange) {
      try {
        if (!await this.networks.findNetworkByCidr(c.fixedRange)) await this.networks.createNetwork({ label: c.networkLabel, cidr: c.fixedRange, bridge: c.bridge, dns: c.dns });
      } catch (err) {
        // Another service made it meanwhile: fine; anything else is a configuration error.
        if (!await this.networks.findNetworkByCidr(c.fixedRange)) throw err;
      }
    }
    if (c.floatingRange) await this.floating.ensurePool(c.defaultFloatingPool, c.floatingRange);
  }

  /** Check what a create asks for (Nova: NetworkNotFound and duplicates → 400). */
  async validateRequested(projectId: string, requested: RequestedNetworks): Promise<void> {
    if (typeof requested === 'string') return;
    const seen = new Set<string>();
    for (const r of requested) {
      const net = await this.networks.getNetwork(r.uuid);
      if (!net || (net.projectId !== undefined && net.projectId !== projectId)) throw new InvalidArgumentError(`Network ${r.uuid} could not be found.`);
      if (seen.has(r.uuid)) throw new InvalidArgumentError(`Duplicate networks (${r.uuid}) are not allowed`);
      seen.add(r.uuid);
    }
  }

  private async requestedNetworks(inst: Instance): Promise<Network[]> {
    const req: RequestedNetworks = inst.requested_networks ?? 'auto';
    if (req === 'none') return [];
    if (req === 'auto') return this.networks.listNetworks(inst.project_id);
    const out: Network[] = [];
    for (const r of req) {
      const net = await this.networks.getNetwork(r.uuid);
      if (!net) throw new InvalidArgumentError(`Network ${r.uuid} could not be found.`);
      out.push(net);
    }
    return out;
  }

  private async info(fixed: FixedIp[]): Promise<NetworkInfo> {
    const out: NetworkInfo = [];
    for (const f of fixed) {
      const network = (await this.networks.getNetwork(f.networkId))!;
      out.push({ instanceUuid: f.instanceUuid, network, mac: f.mac, address: f.address, device: tapDevice(f.mac) });
    }
    return out;
  }

  /**
   * Give the server an address on each network it asked for (the ones it
   * holds already are kept: a redelivered or rescheduled build gets the
   * same). If one network has no address left, what this call took is
   * given back and the error thrown.
   */
  async allocateForInstance(inst: Instance): Promise<NetworkInfo> {
    const before = new Set((await this.networks.fixedIpsForInstance(inst.uuid)).map((f) => f.address));
    const got: FixedIp[] = [];
    try {
      for (const net of await this.requestedNetworks(inst)) got.push(await this.networks.allocateFixedIp(inst.uuid, net));
    } catch (err) {
      for (const f of got) if (!before.has(f.address)) await this.networks.releaseFixedIp(f.address);
      throw err;
    }
    return this.info(got);
  }

  /** The server's interfaces as allocated. */
  async networkInfo(instanceUuid: string): Promise<NetworkInfo> {
    return this.info(await this.networks.fixedIpsForInstance(instanceUuid));
  }

  async releaseForInstance(instanceUuid: string): Promise<void> {
    await this.networks.releaseFixedIps(instanceUuid);
  }

  /**
   * What an interface of the server accepts: its network (with
   * `allow_same_net_traffic`), and each rule of its groups — a source group
   * becomes one `/32` per fixed address of that group's live members.
   */
  async ingressRules(instanceUuid: string, network: Network): Promise<IngressRule[]> {
    const out = new Map<string, IngressRule>();
    const add = (r: IngressRule) => out.set(JSON.stringify([r.protocol, r.fromPort, r.toPort, r.cidr]), r);
    if (this.config.allowSameNetTraffic) add({ cidr: network.cidr });
    for (const g of await this.groups.forInstance(instanceUuid)) {
      for (const rule of g.rules) {
        const base: IngressRule = { cidr: '0.0.0.0/0' };
        if (rule.protocol) base.protocol = rule.protocol;
        if (rule.fromPort !== undefined) base.fromPort = rule.fromPort;
        if (rule.toPort !== undefined) base.toPort = rule.toPort;
        if (rule.groupId) {
          for (const member of await this.groups.members(rule.groupId)) {
            for (const f of await this.networks.fixedIpsForInstance(member)) add({ ...base, cidr: `${f.address}/32` });
          }
        } else {
          add({ ...base, cidr: rule.cidr ?? '0.0.0.0/0' });
        }
      }
    }
    return [...out.values()];
  }

  /**
   * The servers whose filters change when `groupId`'s rules or members
   * change: its members, and the members of groups with a rule naming it.
   */
  async affectedByGroup(groupId: string): Promise<string[]> {
    const out = new Set(await this.groups.members(groupId));
    for (const g of await this.groups.referencing(groupId)) for (const m of await this.groups.members(g)) out.add(m);
    return [...out];
  }

  /** Nova's `addresses`: per network label, fixed addresses then the floating ones NATed to them. */
  async addresses(instanceUuid: string): Promise<Record<string, AddressView[]>> {
    const out: Record<string, AddressView[]> = {};
    const floating = await this.floating.forInstance(instanceUuid);
    for (const iface of await this.networkInfo(instanceUuid)) {
      const list = (out[iface.network.label] ??= []);
      const mac = iface.mac;
      list.push({ version: 4, addr: iface.address, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': mac });
      for (const f of floating) {
        if (f.fixedAddress === iface.address) list.push({ version: 4, addr: f.address, 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': mac });
      }
    }
    return out;
  }
}
