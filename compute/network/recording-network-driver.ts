/**
 * A NetworkDriver in memory: records every call in order and keeps the
 * state a host would have (networks set up, DHCP host entries, NAT pairs,
 * per-interface filters), so tests with the fake hypervisor driver can see
 * what the control plane asked of the data plane.
 */
import type { GuestInterface, IngressRule, Network, NetworkDriver } from './types.js';

export type NetworkCall =
  | { op: 'setupNetwork'; net: Network }
  | { op: 'teardownNetwork'; net: Network }
  | { op: 'plugInstance'; net: Network; mac: string; ip: string; hostname: string }
  | { op: 'unplugInstance'; net: Network; mac: string; ip: string }
  | { op: 'applyFloating'; fixed: string; floating: string }
  | { op: 'removeFloating'; fixed: string; floating: string }
  | { op: 'applySecurityGroups'; iface: GuestInterface; rules: IngressRule[] }
  | { op: 'removeSecurityGroups'; iface: GuestInterface };

export class RecordingNetworkDriver implements NetworkDriver {
  readonly calls: NetworkCall[] = [];
  /** network id → network, once set up. */
  readonly networks = new Map<string, Network>();
  /** mac → { network id, ip, hostname }: dnsmasq's static host entries. */
  readonly hosts = new Map<string, { networkId: string; ip: string; hostname: string }>();
  /** floating → fixed: the NAT pairs in place. */
  readonly nat = new Map<string, string>();
  /** tap device → the rules its filter allows. */
  readonly filters = new Map<string, IngressRule[]>();

  async setupNetwork(net: Network): Promise<void> {
    this.calls.push({ op: 'setupNetwork', net });
    this.networks.set(net.id, net);
  }

  async teardownNetwork(net: Network): Promise<void> {
    this.calls.push({ op: 'teardownNetwork', net });
    this.networks.delete(net.id);
    for (const [mac, h] of this.hosts) if (h.networkId === net.id) this.hosts.delete(mac);
  }

  async plugInstance(net: Network, mac: string, ip: string, hostname: string): Promise<void> {
    this.calls.push({ op: 'plugInstance', net, mac, ip, hostname });
    this.hosts.set(mac, { networkId: net.id, ip, hostname });
  }

  async unplugInstance(net: Network, mac: string, ip: string): Promise<void> {
    this.calls.push({ op: 'unplugInstance', net, mac, ip });
    this.hosts.delete(mac);
  }

  async applyFloating(fixed: string, floating: string): Promise<void> {
    this.calls.push({ op: 'applyFloating', fixed, floating });
    this.nat.set(floating, fixed);
  }

  async removeFloating(fixed: string, floating: string): Promise<void> {
    this.calls.push({ op: 'removeFloating', fixed, floating });
    if (this.nat.get(floating) === fixed) this.nat.delete(floating);
  }

  async applySecurityGroups(iface: GuestInterface, rules: IngressRule[]): Promise<void> {
    this.calls.push({ op: 'applySecurityGroups', iface, rules });
    this.filters.set(iface.device, rules);
  }

  async removeSecurityGroups(iface: GuestInterface): Promise<void> {
    this.calls.push({ op: 'removeSecurityGroups', iface });
    this.filters.delete(iface.device);
  }
}
