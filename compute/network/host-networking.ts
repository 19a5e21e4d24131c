/**
 * A compute host's side of nova-network: what the manager calls around a
 * guest's life (build, delete, resize, restart) and when the API changes a
 * server's floating IPs or security groups. Reads the DB through
 * NetworkService, acts through the host's NetworkDriver. Every step is
 * idempotent, so a repeat (redelivered message, host restart) is harmless.
 */
import type { Instance } from '../model.js';
import { sanitizeHostname, type NetworkService } from './network-service.js';
import type { NetworkDriver, NetworkInfo } from './types.js';

export class HostNetworking {
  constructor(readonly service: NetworkService, readonly driver: NetworkDriver) {}

  /**
   * Plug the server in: its addresses (allocated first when `allocate`, as
   * a build does), the network's bridge and DHCP entry, the filter of each
   * interface, and the NAT of its floating IPs. Returns what the
   * hypervisor needs to attach the guest.
   */
  async plug(inst: Instance, allocate = false): Promise<NetworkInfo> {
    const info = allocate ? await this.service.allocateForInstance(inst) : await this.service.networkInfo(inst.uuid);
    const hostname = sanitizeHostname(inst.display_name, `server-${inst.uuid}`);
    for (const iface of info) {
      await this.driver.setupNetwork(iface.network);
      await this.driver.plugInstance(iface.network, iface.mac, iface.address, hostname);
      await this.driver.applySecurityGroups(iface, await this.service.ingressRules(inst.uuid, iface.network));
    }
    for (const f of await this.service.floating.forInstance(inst.uuid)) {
      if (f.fixedAddress) await this.driver.applyFloating(f.fixedAddress, f.address);
    }
    return info;
  }

  /** Take the server off this host's data plane (its addresses stay allocated: the DB releases them on delete). */
  async unplug(inst: Instance): Promise<void> {
    for (const f of await this.service.floating.forInstance(inst.uuid)) {
      if (f.fixedAddress) await this.driver.removeFloating(f.fixedAddress, f.address);
    }
    for (const iface of await this.service.networkInfo(inst.uuid)) {
      await this.driver.removeSecurityGroups(iface);
      await this.driver.unplugInstance(iface.network, iface.mac, iface.address);
    }
  }

  /** Re-apply each interface's filter from the DB (a group's rules or members changed). */
  async refreshSecurityGroups(instanceUuid: string): Promise<void> {
    for (const iface of await this.service.networkInfo(instanceUuid)) {
      await this.driver.applySecurityGroups(iface, await this.service.ingressRules(instanceUuid, iface.network));
    }
  }
}
