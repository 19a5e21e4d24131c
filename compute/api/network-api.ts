/**
 * The API's network actions (Nova 2.1's os-floating-ips, addFloatingIp /
 * removeFloatingIp, os-security-groups and their server actions): checks
 * against the DB, then the compute host of the server is told — a call for
 * NAT (the answer waits until it is in place, and a failure undoes the DB
 * change), a cast for filter refreshes (as Nova's
 * refresh_instance_security_rules).
 */
import { InvalidArgumentError, SwiftlyError, type Logger } from '../../common/index.js';
import { NotFoundError, type ComputeDb } from '../db/index.js';
import type { FloatingIp, Network, NetworkService, SecurityGroup } from '../network/index.js';
import type { Instance } from '../model.js';
import type { ComputeApi } from '../rpcapi.js';
import type { ApiContext } from './compute-api.js';

export interface NetworkApiOptions {
  db: ComputeDb;
  network: NetworkService;
  compute: ComputeApi;
  logger: Logger;
  /** How long a compute host may take to change NAT. */
  natTimeoutMs?: number;
}

export class NetworkApiService {
  constructor(private readonly o: NetworkApiOptions) {}

  private get net(): NetworkService {
    return this.o.network;
  }

  /** os-networks DELETE: out of the DB (refused while in use), then every compute host tears its data plane down. */
  async deleteNetwork(ctx: ApiContext, net: Network): Promise<void> {
    await this.net.networks.deleteNetwork(net.id);
    await this.o.compute.teardownNetwork(ctx, net);
  }

  /** A floating IP of the caller's project (any for an admin); Nova answers 404 for another project's. */
  async floatingIp(ctx: ApiContext, id: string): Promise<FloatingIp> {
    const f = await this.net.floating.get(id);
    if (!f || f.projectId === null || (f.projectId !== ctx.principal.projectId && !ctx.principal.isAdmin)) throw new NotFoundError(`Floating IP not found for ID ${id}`);
    return f;
  }

  private async floatingByAddress(ctx: ApiContext, address: string): Promise<FloatingIp> {
    const f = await this.net.floating.getByAddress(address);
    if (!f || f.projectId === null || (f.projectId !== ctx.principal.projectId && !ctx.principal.isAdmin)) throw new NotFoundError(`floating IP not found`);
    return f;
  }

  /** Nova's addFloatingIp: NAT `address` to the server's first fixed address (or `fixedAddress`, one of its own). */
  async addFloatingIp(ctx: ApiContext, inst: Instance, address: string, fixedAddress?: string): Promise<void> {
    const f = await this.floatingByAddress(ctx, address);
    const fixed = await this.net.networks.fixedIpsForInstance(inst.uuid);
    if (fixed.length === 0) throw new InvalidArgumentError('No nw_info cache associated with instance');
    const target = fixedAddress === undefined ? fixed[0] : fixed.find((x) => x.address === fixedAddress);
    if (!target) throw new InvalidArgumentError('Specified fixed address not assigned to instance');
    if (!inst.host) throw new SwiftlyError('ERR_CONFLICT', `Instance ${inst.uuid} has no host yet`, { status: 409 });
    // Held by another server (or another address of this one): refused, as Nova's FloatingIpAssociated.
    if (!await this.net.floating.associate(f.id, target.address, inst.uuid)) throw new InvalidArgumentError('floating IP is already associated');
    if (f.fixedAddress === target.address) return;
    try {
      await this.nat(ctx, inst.uuid, 'associate_floating_ip', target.address, f.address, inst.host);
    } catch (err) {
      await this.net.floating.disassociate(f.id, target.address);
      throw err;
    }
  }

  /** Nova's removeFloatingIp: 409 when it is associated with another server, 400 when with none. */
  async removeFloatingIp(ctx: ApiContext, inst: Instance, address: string): Promise<void> {
    const f = await this.floatingByAddress(ctx, address);
    if (!f.fixedAddress) throw new InvalidArgumentError(`Floating IP ${address} is not associated`);
    if (f.instanceUuid !== inst.uuid) throw new SwiftlyError('ERR_CONFLICT', `Floating IP ${address} is not associated with instance ${inst.uuid}.`, { status: 409 });
    await this.nat(ctx, inst.uuid, 'disassociate_floating_ip', f.fixedAddress, f.address);
    await this.net.floating.disassociate(f.id, f.fixedAddress);
  }

  /** Back to the pool, disassociated first (Nova's release). */
  async releaseFloatingIp(ctx: ApiContext, id: string): Promise<void> {
    const f = await this.floatingIp(ctx, id);
    if (f.fixedAddress && f.instanceUuid) {
      await this.nat(ctx, f.instanceUuid, 'disassociate_floating_ip', f.fixedAddress, f.address);
      await this.net.floating.disassociate(f.id, f.fixedAddress);
    }
    await this.net.floating.release(f.id);
  }

  /** Ask the server's host to change NAT, and wait for it (a server without a host has nothing to change). */
  private async nat(ctx: ApiContext, uuid: string, method: string, fixed: string, floating: string, host?: string): Promise<void> {
    const h = host ?? (await this.o.db.getInstance(uuid))?.host;
    if (!h) return;
    await this.o.compute.call(ctx, h, method, uuid, { fixed_address: fixed, floating_address: floating }, this.o.natTimeoutMs ?? 30_000);
  }

  /** A group of the caller's project by id (any for an admin). */
  async group(ctx: ApiContext, id: string): Promise<SecurityGroup> {
    const g = await this.net.groups.get(id);
    if (!g || (g.projectId !== ctx.principal.projectId && !ctx.principal.isAdmin)) throw new NotFoundError(`Security group ${id} not found.`);
    return g;
  }

  private async groupByName(ctx: ApiContext, inst: Instance, name: string): Promise<SecurityGroup> {
    const g = name === 'default' ? await this.net.groups.ensureDefault(inst.project_id) : await this.net.groups.getByName(inst.project_id, name);
    if (!g) throw new NotFoundError(`Security group ${name} not found for project ${inst.project_id}.`);
    void ctx;
    return g;
  }

  async addSecurityGroup(ctx: ApiContext, inst: Instance, name: string): Promise<void> {
    const g = await this.groupByName(ctx, inst, name);
    if ((await this.net.groups.forInstance(inst.uuid)).some((x) => x.id === g.id)) throw new InvalidArgumentError(`Security group ${name} is already associated with the instance ${inst.uuid}`);
    await this.net.groups.addInstance(g.id, inst.uuid);
    await this.refresh(ctx, await this.net.affectedByGroup(g.id));
  }

  async removeSecurityGroup(ctx: ApiContext, inst: Instance, name: string): Promise<void> {
    const g = await this.groupByName(ctx, inst, name);
    const affected = await this.net.affectedByGroup(g.id);
    if (!await this.net.groups.removeInstance(g.id, inst.uuid)) throw new InvalidArgumentError(`Security group ${name} not associated with the instance ${inst.uuid}`);
    await this.refresh(ctx, affected);
  }

  /** After a rule or membership change: each affected server's host re-applies its filters. */
  async refresh(ctx: ApiContext, uuids: string[]): Promise<void> {
    for (const uuid of new Set(uuids)) {
      const inst = await this.o.db.getInstance(uuid);
      if (!inst?.host) continue;
      await this.o.compute.cast(ctx, inst.host, 'refresh_security_groups', uuid);
    }
  }
}
