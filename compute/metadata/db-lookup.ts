/**
 * The metadata sources of the compute DB: a server's interfaces (fixed IPs
 * on nova-network's networks), its key pair and its floating IP, and the
 * lookup the metadata service uses to find a server by a fixed address (as
 * nova-api-metadata does through fixed_ips).
 */
import type { ComputeDb } from '../db/index.js';
import type { Instance } from '../model.js';
import type { NetworkInfo, NetworkService } from '../network/index.js';
import type { GuestNic, MetadataSource } from './instance-metadata.js';
import type { MetadataLookup } from './metadata-app.js';

/** A server's interfaces as the metadata documents describe them. */
export function guestNics(info: NetworkInfo): GuestNic[] {
  return info.map((i) => ({
    mac: i.mac, fixedIp: i.address, cidr: i.network.cidr, gateway: i.network.gateway,
    dns: i.network.dns.length ? i.network.dns : [i.network.gateway], networkId: i.network.id,
  }));
}

/** What a server's metadata is made of, from the compute DB. */
export async function metadataSourceOf(net: NetworkService, instance: Instance): Promise<MetadataSource> {
  const key = instance.key_name ? await net.keypairs.get(instance.user_id, instance.key_name) : undefined;
  const floating = (await net.floating.forInstance(instance.uuid))[0];
  return {
    instance,
    nics: guestNics(await net.networkInfo(instance.uuid)),
    publicKeys: key ? { [key.name]: key.publicKey } : {},
    ...(floating ? { floatingIp: floating.address } : {}),
  };
}

/** Finds a live server by one of its fixed addresses. */
export class DbMetadataLookup implements MetadataLookup {
  constructor(private readonly db: ComputeDb, private readonly net: NetworkService) {}

  async byFixedIp(address: string): Promise<MetadataSource | undefined> {
    const fixed = await this.net.networks.fixedIpByAddress(address);
    const instance = fixed && await this.db.getInstance(fixed.instanceUuid);
    return instance ? metadataSourceOf(this.net, instance) : undefined;
  }
}
