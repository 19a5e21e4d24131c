/**
 * What a guest learns about itself (Nova's nova/api/metadata/base.py
 * InstanceMetadata): the OpenStack documents (meta_data.json,
 * network_data.json, vendor_data.json, user_data) and the EC2-style
 * meta-data tree. The config drive and the metadata service both serve
 * these, so a guest sees the same answers either way.
 */
import { createHash } from 'node:crypto';
import type { Instance } from '../model.js';
import { sanitizeHostname } from '../network/index.js';

/** One of the guest's network interfaces, as the network layer allocated it. */
export interface GuestNic {
  /** `fa:16:3e:…` */
  mac: string;
  /** The fixed IPv4 address; absent when the address comes from a DHCP server the compute doesn't manage. */
  fixedIp?: string;
  /** The network's CIDR (`10.0.0.0/24`), with fixedIp. */
  cidr?: string;
  gateway?: string;
  dns?: string[];
  networkId?: string;
  mtu?: number;
}

/** Everything the documents are made of. */
export interface MetadataSource {
  instance: Instance;
  nics: GuestNic[];
  /** Key pair name → public key (OpenSSH format). */
  publicKeys?: Record<string, string>;
  /** A floating IP associated with the instance, when there is one. */
  floatingIp?: string;
}

/** Nova's [DEFAULT] dhcp_domain: the suffix of the metadata hostname. */
export const DHCP_DOMAIN = 'novalocal';

/** The metadata hostname: Nova's sanitized display name (`server` when nothing is left) + `.novalocal`. */
function hostnameOf(displayName: string): string {
  return `${sanitizeHostname(displayName, 'server')}.${DHCP_DOMAIN}`;
}

/** An EC2 id (`i-…`, `ami-…`) for a uuid: Nova numbers rows; swiftly has uuids, so the first 8 hex digits. */
export function ec2Id(prefix: 'i' | 'ami' | 'r', uuid: string): string {
  return `${prefix}-${uuid.replace(/-/g, '').slice(0, 8)}`;
}

/** A guest MAC on Neutron's/Nova's `fa:16:3e` prefix, stable for an instance uuid and interface index. */
export function guestMac(uuid: string, index = 0): string {
  const h = createHash('sha256').update(`${uuid}/${index}`).digest();
  return ['fa', '16', '3e', ...[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

function netmaskOf(cidr: string): string {
  const bits = Number.parseInt(cidr.split('/')[1] ?? '32', 10);
  const n = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
}

/** `user_data` decoded, or undefined when the server has none. */
export function userDataOf(src: MetadataSource): Buffer | undefined {
  const ud = src.instance.user_data;
  return ud == null ? undefined : Buffer.from(ud, 'base64');
}

/** openstack/latest/meta_data.json */
export function openstackMetaData(src: MetadataSource): Record<string, unknown> {
  const i = src.instance;
  const keys = Object.entries(src.publicKeys ?? {});
  return {
    uuid: i.uuid,
    meta: i.metadata,
    hostname: hostnameOf(i.display_name),
    name: i.display_name,
    launch_index: 0,
    availability_zone: i.availability_zone ?? 'nova',
    project_id: i.project_id,
    public_keys: Object.fromEntries(keys),
    keys: keys.map(([name, data]) => ({ name, type: 'ssh', data })),
    devices: [],
  };
}

/** openstack/latest/network_data.json, as Nova's netutils.get_network_metadata writes it. */
export function networkData(src: MetadataSource): Record<string, unknown> {
  const links: Record<string, unknown>[] = [];
  const networks: Record<string, unknown>[] = [];
  const services = new Map<string, Record<string, unknown>>();
  src.nics.forEach((nic, n) => {
    const id = `tap${src.instance.uuid.slice(0, 11)}${n ? `-${n}` : ''}`;
    links.push({ id, vif_id: `${src.instance.uuid}-${n}`, type: 'phy', mtu: nic.mtu ?? 1500, ethernet_mac_address: nic.mac });
    if (nic.fixedIp && nic.cidr) {
      const routes = nic.gateway ? [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: nic.gateway }] : [];
      const dns = (nic.dns ?? []).map((address) => ({ type: 'dns', address }));
      for (const d of dns) services.set(d.address, d);
      networks.push({ id: `network${n}`, type: 'ipv4', link: id, ip_address: nic.fixedIp, netmask: netmaskOf(nic.cidr), routes, network_id: nic.networkId ?? '', services: dns });
    } else {
      networks.push({ id: `network${n}`, type: 'ipv4_dhcp', link: id, network_id: nic.networkId ?? '' });
    }
  });
  return { links, networks, services: [...services.values()] };
}

/** The EC2 meta-data tree (Nova's get_ec2_metadata), as the config drive's ec2/latest/meta-data.json and /latest/meta-data/. */
export function ec2MetaData(src: MetadataSource): Record<string, unknown> {
  const i = src.instance;
  const hostname = hostnameOf(i.display_name);
  const publicKeys: Record<string, unknown> = {};
  Object.entries(src.publicKeys ?? {}).forEach(([name, key], n) => {
    publicKeys[String(n)] = { 'openssh-key': key, _name: `${n}=${name}` };
  });
  return {
    'ami-id': ec2Id('ami', i.image_ref),
    'ami-launch-index': 0,
    'ami-manifest-path': 'FIXME',
    'block-device-mapping': { 'ami': 'vda', root: '/dev/vda' },
    hostname,
    'instance-action': 'none',
    'instance-id': ec2Id('i', i.uuid),
    'instance-type': i.flavor.name,
    'local-hostname': hostname,
    'local-ipv4': src.nics[0]?.fixedIp ?? '',
    placement: { 'availability-zone': i.availability_zone ?? 'nova' },
    'public-hostname': hostname,
    'public-ipv4': src.floatingIp ?? '',
    'public-keys': publicKeys,
    'reservation-id': ec2Id('r', i.uuid),
    'security-groups': ['default'],
  };
}

/** The config drive's ec2/latest/meta-data.json: the tree with public-keys flattened as Nova writes it. */
export function ec2MetaDataJson(src: MetadataSource): Record<string, unknown> {
  const tree = ec2MetaData(src);
  const keys = tree['public-keys'] as Record<string, Record<string, string>>;
  return { ...tree, 'public-keys': Object.fromEntries(Object.entries(keys).map(([n, k]) => [n, { 'openssh-key': k['openssh-key'] }])) };
}

/** vendor_data.json: swiftly has no vendor data providers, so the empty document Nova serves then. */
export function vendorData(_src: MetadataSource): Record<string, unknown> {
  return {};
}
