/**
 * nova-network's data plane on a Linux host (Nova's linux_net, reduced):
 * a bridge per network with the gateway on it, a dnsmasq per network with
 * a static DHCP entry per guest interface, floating IPs as nftables NAT,
 * security groups as nftables filters per guest interface. With `netns`
 * set, all of it lives in that network namespace (tests; a host that keeps
 * guest networking apart); without, in the host's own.
 *
 * Calls are serialized (one at a time per driver): they edit shared files
 * (dnsmasq's hosts file) and read-modify-write nftables state.
 */
import { mkdir, rm } from 'node:fs/promises';
import pLimit from 'p-limit';
import type { Logger } from '../../../common/index.js';
import type { GuestInterface, IngressRule, Network, NetworkDriver } from '../types.js';
import { deleteBridge, enableForwarding, ensureBridge } from './bridge.js';
import {
  dnsmasqArgs, dnsmasqFiles, dropLease, ensureDnsmasq, readHosts, runningDnsmasq, stopDnsmasq, writeHosts, type DhcpHost,
} from './dnsmasq.js';
import { applyGuestFilter, removeGuestFilter } from './filter.js';
import { HostCommands } from './host-command.js';
import { addFixedNet, addFloating, ipv4, removeFixedNet, removeFloating } from './nat.js';

export interface LinuxNetworkOptions {
  /** dnsmasq's pid, leases and hosts files (`<state_path>/networks`). */
  stateDir: string;
  /** A network namespace (which must exist) to run everything in; none: the host's own. */
  netns?: string;
  /** Where floating addresses are added (`/32`), so the public side's ARP finds them (Nova: public_interface). */
  publicInterface?: string;
  /** DHCP lease time in seconds (Nova: dhcp_lease_time). */
  dhcpLeaseTimeSec?: number;
  /**
   * Where dnsmasq forwards the guests' DNS queries for a network without `dns` servers of its own; undefined:
   * the host's resolv.conf (nova-network's way), empty: nowhere (it answers only its guests' names).
   */
  dnsUpstream?: string[];
  /** The dnsmasq binary (Nova: dnsmasq via rootwrap). */
  dnsmasqPath?: string;
  logger?: Logger;
}

export class LinuxNetworkDriver implements NetworkDriver {
  readonly cmd: HostCommands;
  private readonly serial = pLimit(1);
  private forwardingChecked = false;

  constructor(private readonly o: LinuxNetworkOptions) {
    this.cmd = new HostCommands(o.netns);
  }

  private files(net: Network) {
    return dnsmasqFiles(this.o.stateDir, net.bridge);
  }

  private args(net: Network): string[] {
    return dnsmasqArgs(net, this.files(net), this.o.dhcpLeaseTimeSec ?? 86_400, this.o.dnsUpstream);
  }

  setupNetwork(net: Network): Promise<void> {
    return this.serial(async () => {
      if (!this.forwardingChecked) {
        if (!(await enableForwarding(this.cmd))) {
          this.o.logger?.warn('br_netfilter is not loaded: traffic between guests on one bridge is not filtered by security groups');
        }
        this.forwardingChecked = true;
      }
      await ensureBridge(this.cmd, net);
      await addFixedNet(this.cmd, net.cidr);
      await mkdir(this.o.stateDir, { recursive: true });
      const files = this.files(net);
      writeHosts(files.hosts, await readHosts(files.hosts));
      await ensureDnsmasq(this.cmd, files, this.args(net), this.o.dnsmasqPath);
    });
  }

  /** The network's dnsmasq stopped and its files removed, its bridge deleted, its CIDR out of the NAT table. */
  teardownNetwork(net: Network): Promise<void> {
    return this.serial(async () => {
      const files = this.files(net);
      await stopDnsmasq(files);
      await rm(files.hosts, { force: true });
      await rm(files.leases, { force: true });
      await rm(files.log, { force: true });
      await deleteBridge(this.cmd, net.bridge);
      await removeFixedNet(this.cmd, net.cidr);
    });
  }

  plugInstance(net: Network, mac: string, ip: string, hostname: string): Promise<void> {
    ipv4(ip);
    return this.serial(async () => {
      const files = this.files(net);
      const m = mac.toLowerCase();
      const hosts = (await readHosts(files.hosts)).filter((h) => h.mac !== m && h.ip !== ip);
      const entry: DhcpHost = { mac: m, ip, hostname };
      writeHosts(files.hosts, [...hosts, entry]);
      await ensureDnsmasq(this.cmd, files, this.args(net), this.o.dnsmasqPath);
    });
  }

  unplugInstance(net: Network, mac: string, ip: string): Promise<void> {
    return this.serial(async () => {
      const files = this.files(net);
      const m = mac.toLowerCase();
      const before = await readHosts(files.hosts);
      const after = before.filter((h) => h.mac !== m && h.ip !== ip);
      if (after.length !== before.length) writeHosts(files.hosts, after);
      // dnsmasq holds the lease in memory: without dropping it, the address could not go to another MAC.
      const wasRunning = (await runningDnsmasq(files)) !== undefined;
      await stopDnsmasq(files);
      await dropLease(files, m, ip);
      if (wasRunning) await ensureDnsmasq(this.cmd, files, this.args(net), this.o.dnsmasqPath);
    });
  }

  applyFloating(fixed: string, floating: string): Promise<void> {
    return this.serial(async () => {
      await addFloating(this.cmd, fixed, floating);
      if (this.o.publicInterface) await this.cmd.ip(['addr', 'replace', `${ipv4(floating)}/32`, 'dev', this.o.publicInterface]);
    });
  }

  removeFloating(fixed: string, floating: string): Promise<void> {
    return this.serial(async () => {
      await removeFloating(this.cmd, fixed, floating);
      const pub = this.o.publicInterface;
      if (pub) {
        const shown = await this.cmd.ip(['-o', '-4', 'addr', 'show', 'dev', pub]);
        if (shown.includes(` ${ipv4(floating)}/32 `)) await this.cmd.ip(['addr', 'del', `${floating}/32`, 'dev', pub]);
      }
    });
  }

  applySecurityGroups(iface: GuestInterface, rules: IngressRule[]): Promise<void> {
    return this.serial(() => applyGuestFilter(this.cmd, iface, rules));
  }

  removeSecurityGroups(iface: GuestInterface): Promise<void> {
    return this.serial(() => removeGuestFilter(this.cmd, iface));
  }
}
