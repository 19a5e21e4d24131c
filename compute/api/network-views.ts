/** Nova's bodies for os-networks, os-floating-ips, os-security-groups and os-keypairs (nova-network's shapes). */
import { broadcast, netmask, parseCidr } from '../network/ipv4.js';
import type { FloatingIp, KeyPair, Network, SecurityGroup, SecurityGroupRule } from '../network/index.js';

/** Nova's network_dict: the basics for everyone, the host side for admins. */
export function networkView(n: Network, isAdmin: boolean) {
  const c = parseCidr(n.cidr);
  const body: Record<string, unknown> = {
    id: n.id, label: n.label, cidr: n.cidr, netmask: netmask(c), gateway: n.gateway, broadcast: broadcast(c),
    dns1: n.dns[0] ?? null, dns2: n.dns[1] ?? null, cidr_v6: null, gateway_v6: null, netmask_v6: null,
  };
  if (isAdmin) {
    Object.assign(body, {
      bridge: n.bridge, bridge_interface: null, dhcp_start: n.dhcpStart ?? null, project_id: n.projectId ?? null,
      multi_host: true, enable_dhcp: true, vlan: null, mtu: null, host: null, injected: false, share_address: false,
    });
  }
  return body;
}

export function floatingIpView(f: FloatingIp) {
  return { id: f.id, ip: f.address, pool: f.pool, fixed_ip: f.fixedAddress ?? null, instance_id: f.instanceUuid ?? null };
}

export function ruleView(r: SecurityGroupRule, source: SecurityGroup | undefined) {
  return {
    id: r.id,
    parent_group_id: r.parentGroupId,
    ip_protocol: r.protocol ?? null,
    from_port: r.fromPort ?? null,
    to_port: r.toPort ?? null,
    ip_range: r.groupId ? {} : { cidr: r.cidr ?? '0.0.0.0/0' },
    group: source ? { name: source.name, tenant_id: source.projectId } : {},
  };
}

export function securityGroupView(g: SecurityGroup, lookup: (id: string) => SecurityGroup | undefined) {
  return {
    id: g.id, name: g.name, description: g.description, tenant_id: g.projectId,
    rules: g.rules.map((r) => ruleView(r, r.groupId ? lookup(r.groupId) : undefined)),
  };
}

export function keyPairListView(k: KeyPair) {
  return { keypair: { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint } };
}

export function keyPairView(k: KeyPair) {
  return {
    keypair: {
      name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, user_id: k.userId,
      created_at: k.createdAt.replace('Z', '.000000'), deleted: false, deleted_at: null, updated_at: null,
    },
  };
}
