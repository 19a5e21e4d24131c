/**
 * nova-network's records and the contract between the control plane (the
 * DB, the API, the compute manager) and a host's data plane (bridge,
 * dnsmasq, NAT, filters). The manager calls a `NetworkDriver` on the compute
 * host; `RecordingNetworkDriver` (in memory) is the one the fake hypervisor
 * driver pairs with, `compute/network/linux/` the real one.
 */

/** A fixed-IP network (nova-network's `networks` row, flat DHCP). */
export interface Network {
  /** uuid, what `networks: [{uuid}]` and `--nic net-id=` name. */
  id: string;
  label: string;
  /** IPv4 CIDR, e.g. `10.0.0.0/24`. */
  cidr: string;
  /** Linux bridge on each compute host, e.g. `br100` (≤ 15 characters). */
  bridge: string;
  /** The bridge's address on the host, the guests' default route and DHCP server (nova-network: `.1`). */
  gateway: string;
  /** DNS servers handed out by DHCP (empty: dnsmasq's own address). */
  dns: string[];
  /** First address handed to guests (default: the one after the gateway). */
  dhcpStart?: string;
  /** A project's own network; absent for a shared one. */
  projectId?: string;
}

/** A network address held by one server's interface. */
export interface FixedIp {
  address: string;
  networkId: string;
  instanceUuid: string;
  /** `fa:16:3e:xx:xx:xx`, as Nova makes them. */
  mac: string;
}

/** An address of a floating pool, owned by a project once allocated. */
export interface FloatingIp {
  /** uuid, what `os-floating-ips/{id}` names. */
  id: string;
  address: string;
  pool: string;
  /** null while the address is in the pool. */
  projectId: string | null;
  /** The fixed address it is NATed to, when associated. */
  fixedAddress?: string;
  instanceUuid?: string;
}

export type IpProtocol = 'tcp' | 'udp' | 'icmp';

/** One ingress rule of a security group (Nova: `os-security-group-rules`). */
export interface SecurityGroupRule {
  id: string;
  parentGroupId: string;
  /** Absent: any protocol. */
  protocol?: IpProtocol;
  /** tcp/udp: a port range; icmp: type (`fromPort`) and code (`toPort`), -1 = any. */
  fromPort?: number;
  toPort?: number;
  /** Source CIDR; absent together with `groupId` means 0.0.0.0/0. */
  cidr?: string;
  /** Source group: the fixed addresses of the servers in it. */
  groupId?: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  projectId: string;
  rules: SecurityGroupRule[];
}

/**
 * A rule as the data plane applies it: source group rules already expanded
 * to their members' addresses (one rule per `/32`), so a driver needs no DB.
 */
export interface IngressRule {
  protocol?: IpProtocol;
  fromPort?: number;
  toPort?: number;
  /** Source, always given (`0.0.0.0/0` for any). */
  cidr: string;
}

/** One interface of a guest, as the hypervisor and the filters see it. */
export interface GuestInterface {
  instanceUuid: string;
  network: Network;
  mac: string;
  address: string;
  /** Host-side tap device (`tapDevice(mac)`). */
  device: string;
}

/** What a server asked for at create: every network it may use (`auto`), none, or these. */
export type RequestedNetworks = 'auto' | 'none' | { uuid: string }[];

/** What a hypervisor driver gets to plug a guest in (Nova's network_info). */
export type NetworkInfo = GuestInterface[];

/** Nova's key pair record (`os-keypairs`). */
export interface KeyPair {
  name: string;
  userId: string;
  /** OpenSSH public key line (`ssh-rsa AAAA… comment`). */
  publicKey: string;
  /** MD5 of the decoded key blob, colon-separated hex (as Nova). */
  fingerprint: string;
  type: 'ssh' | 'x509';
  createdAt: string;
}

/**
 * The host's data plane for nova-network (Nova's linux_net, reduced). Every
 * call is idempotent: the manager repeats them after a restart.
 */
export interface NetworkDriver {
  /** Bridge with the gateway address, dnsmasq serving DHCP on it, NAT for outbound traffic. */
  setupNetwork(net: Network): Promise<void>;
  /** Undo `setupNetwork` once the network is deleted: its DHCP server and files, its bridge, its NAT exemption. */
  teardownNetwork(net: Network): Promise<void>;
  /** A dnsmasq static host entry mac → ip (with `hostname`) on the network. */
  plugInstance(net: Network, mac: string, ip: string, hostname: string): Promise<void>;
  /** Drop the host entry (and the lease). */
  unplugInstance(net: Network, mac: string, ip: string): Promise<void>;
  /** DNAT floating → fixed, SNAT fixed → floating. */
  applyFloating(fixed: string, floating: string): Promise<void>;
  removeFloating(fixed: string, floating: string): Promise<void>;
  /** Replace the ingress filter of one guest interface: the rules allow, everything else is dropped. */
  applySecurityGroups(iface: GuestInterface, rules: IngressRule[]): Promise<void>;
  /** Remove the interface's filter (guest deleted). */
  removeSecurityGroups(iface: GuestInterface): Promise<void>;
}

/**
 * The host-side tap device of a guest's interface: `tap` + the MAC's 12 hex
 * digits, 15 characters (Linux's IFNAMSIZ), unique per interface.
 */
export function tapDevice(mac: string): string {
  return 'tap' + mac.replace(/:/g, '').toLowerCase();
}
