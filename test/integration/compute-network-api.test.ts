/**
 * nova-network's API through the fake driver and the recording data plane:
 * os-networks, fixed IPs at boot (raced), floating IPs, security groups and
 * key pairs, and what each asks of the compute host's NetworkDriver.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NETWORK_CONFIG, RecordingNetworkDriver } from '../../compute/network/index.js';
import { startTestCloud, novaClient, type TestCloud } from '../helpers/compute-cloud.js';

let cloud: TestCloud;
let nova: ReturnType<typeof novaClient>;
let admin: ReturnType<typeof novaClient>;
let other: ReturnType<typeof novaClient>;
let plane: RecordingNetworkDriver;
let imageId: string;

before(async () => {
  cloud = await startTestCloud({
    config: {
      network: { ...DEFAULT_NETWORK_CONFIG, floatingRange: '172.24.4.0/29' },
      fake: { vcpus: 64, memoryMb: 65536, localGb: 1000, cpuArch: 'x86_64', timeScale: 0.05 },
    },
  });
  nova = novaClient(cloud.url);
  admin = novaClient(cloud.url, 'admin:admin');
  other = novaClient(cloud.url, 'eve:other');
  plane = cloud.parts[1].networkDriver as RecordingNetworkDriver;
  imageId = (await nova.call('GET', '/images')).body.images[0].id;
});
after(() => cloud.close());

async function boot(name: string, extra: Record<string, unknown> = {}, client = nova) {
  const r = await client.call('POST', '/servers', { server: { name, imageRef: imageId, flavorRef: '1', ...extra } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body.server as { id: string; security_groups: { name: string }[] };
}

async function until<T>(what: () => T | undefined, label: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function makeNetwork(body: Record<string, unknown>) {
  const r = await admin.call('POST', '/os-networks', { network: body });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.network as Record<string, any>;
}

test('os-networks: admins create and delete (not while in use); a server on it gets a fixed IP and MAC, plugged in on its host, released on delete', async () => {
  const denied = await nova.call('POST', '/os-networks', { network: { label: 'x', cidr: '10.1.0.0/24' } });
  assert.equal(denied.status, 403);
  const net = await makeNetwork({ label: 'private', cidr: '10.1.0.0/24', dns1: '10.1.0.53' });
  assert.equal(net.gateway, '10.1.0.1');
  assert.equal(net.netmask, '255.255.255.0');
  assert.equal(net.broadcast, '10.1.0.255');
  assert.equal(net.bridge, 'br100');
  assert.equal((await admin.call('POST', '/os-networks', { network: { label: 'y', cidr: '10.1.0.128/25' } })).status, 400, 'overlap refused');
  const listed = await nova.call('GET', '/os-networks');
  assert.deepEqual(listed.body.networks.map((n: { id: string }) => n.id), [net.id]);
  assert.equal(listed.body.networks[0].bridge, undefined, 'host details are for admins');
  assert.equal((await nova.call('GET', `/os-networks/${net.id}`)).body.network.cidr, '10.1.0.0/24');

  const s = await boot('web-1', { networks: [{ uuid: net.id }] });
  const shown = await nova.waitStatus(s.id, 'ACTIVE');
  const addrs = (shown.addresses as Record<string, any[]>).private;
  assert.equal(addrs.length, 1);
  assert.equal(addrs[0].addr, '10.1.0.2');
  assert.equal(addrs[0].version, 4);
  assert.equal(addrs[0]['OS-EXT-IPS:type'], 'fixed');
  const mac = addrs[0]['OS-EXT-IPS-MAC:mac_addr'] as string;
  assert.match(mac, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
  assert.deepEqual(plane.networks.get(net.id)?.cidr, '10.1.0.0/24');
  assert.deepEqual(plane.hosts.get(mac), { networkId: net.id, ip: '10.1.0.2', hostname: 'web-1' });
  assert.deepEqual(plane.filters.get('tap' + mac.replace(/:/g, '')), [{ cidr: '10.1.0.0/24' }], 'default group: only the same network (allow_same_net_traffic)');
  const console = await nova.call('POST', `/servers/${s.id}/action`, { 'os-getConsoleOutput': {} });
  assert.match(console.body.output, new RegExp(`lease of 10\\.1\\.0\\.2 obtained from 10\\.1\\.0\\.1`));

  const busy = await admin.call('DELETE', `/os-networks/${net.id}`);
  assert.equal(busy.status, 409);
  assert.match(busy.body.conflictingRequest.message, /still in use/);
  assert.equal((await nova.call('POST', '/servers', { server: { name: 'x', imageRef: imageId, flavorRef: '1', networks: [{ uuid: 'nope' }] } })).status, 400);

  assert.equal((await nova.call('DELETE', `/servers/${s.id}`)).status, 204);
  await nova.waitFor(s.id, (x) => x.status === 'GONE');
  assert.equal(plane.hosts.has(mac), false, 'DHCP entry removed');
  assert.equal(plane.filters.has('tap' + mac.replace(/:/g, '')), false, 'filter removed');
  assert.equal(plane.networks.has(net.id), true, 'still set up on the host until the network is deleted');
  assert.equal((await admin.call('DELETE', `/os-networks/${net.id}`)).status, 202);
  assert.equal((await nova.call('GET', `/os-networks/${net.id}`)).status, 404);
  await until(() => !plane.networks.has(net.id), 'the host to tear the network down');
  assert.deepEqual(plane.calls.filter((c) => c.op === 'teardownNetwork').map((c) => 'net' in c && c.net.id), [net.id]);
});

test('boots racing for a /28: each address handed out once, the rest fail with NoMoreFixedIps and hold nothing', async () => {
  const net = await makeNetwork({ label: 'small', cidr: '10.2.0.0/28', bridge: 'brsmall' });
  // .2 … .14: 13 addresses (.0 network, .1 gateway, .15 broadcast).
  const ids = await Promise.all(Array.from({ length: 18 }, (_, i) => boot(`race-${i}`, { networks: [{ uuid: net.id }] }).then((s) => s.id)));
  const ends = await Promise.all(ids.map((id) => nova.waitFor(id, (s) => (s.status === 'ACTIVE' || s.status === 'ERROR') && !s['OS-EXT-STS:task_state'], 15000)));
  const active = ends.filter((s) => s.status === 'ACTIVE');
  const failed = ends.filter((s) => s.status === 'ERROR');
  assert.equal(active.length, 13);
  assert.equal(failed.length, 5);
  const addrs = active.map((s) => (s.addresses as Record<string, { addr: string }[]>).small[0].addr);
  assert.equal(new Set(addrs).size, 13, 'no address twice');
  for (const f of failed) {
    assert.match((f.fault as { message: string }).message, /No fixed IP addresses available for network/);
    assert.deepEqual(f.addresses, {});
  }
  await Promise.all(ids.map((id) => nova.call('DELETE', `/servers/${id}`)));
  await Promise.all(ids.map((id) => nova.waitFor(id, (s) => s.status === 'GONE', 15000)));
  assert.equal((await admin.call('DELETE', `/os-networks/${net.id}`)).status, 202, 'every address released');
});

test('floating IPs: pools, allocate until the pool is empty, associate (NAT on the host), show in addresses, disassociate, release', async () => {
  const net = await makeNetwork({ label: 'fnet', cidr: '10.3.0.0/24', bridge: 'brf' });
  assert.deepEqual((await nova.call('GET', '/os-floating-ip-pools')).body, { floating_ip_pools: [{ name: 'nova' }] });
  const s = await boot('fip', { networks: [{ uuid: net.id }] });
  await nova.waitStatus(s.id, 'ACTIVE');
  const got = await nova.call('POST', '/os-floating-ips', {});
  assert.equal(got.status, 200);
  const fip = got.body.floating_ip;
  assert.deepEqual({ ...fip, id: undefined }, { id: undefined, ip: '172.24.4.1', pool: 'nova', fixed_ip: null, instance_id: null });
  assert.equal((await other.call('GET', `/os-floating-ips/${fip.id}`)).status, 404, 'another project\'s');
  assert.equal((await other.call('POST', `/servers/${s.id}/action`, { addFloatingIp: { address: fip.ip } })).status, 404);

  assert.equal((await nova.call('POST', `/servers/${s.id}/action`, { addFloatingIp: { address: fip.ip } })).status, 202);
  assert.equal(plane.nat.get('172.24.4.1'), '10.3.0.2');
  const shown = (await nova.call('GET', `/servers/${s.id}`)).body.server;
  assert.deepEqual(shown.addresses.fnet.map((a: any) => [a.addr, a['OS-EXT-IPS:type']]), [['10.3.0.2', 'fixed'], ['172.24.4.1', 'floating']]);
  assert.equal(shown.addresses.fnet[1]['OS-EXT-IPS-MAC:mac_addr'], shown.addresses.fnet[0]['OS-EXT-IPS-MAC:mac_addr']);
  const listed = (await nova.call('GET', '/os-floating-ips')).body.floating_ips;
  assert.deepEqual(listed.map((f: any) => [f.ip, f.fixed_ip, f.instance_id]), [['172.24.4.1', '10.3.0.2', s.id]]);

  const t = await boot('fip2', { networks: [{ uuid: net.id }] });
  await nova.waitStatus(t.id, 'ACTIVE');
  const taken = await nova.call('POST', `/servers/${t.id}/action`, { addFloatingIp: { address: fip.ip } });
  assert.equal(taken.status, 400);
  assert.match(taken.body.badRequest.message, /already associated/);
  assert.equal((await nova.call('POST', `/servers/${t.id}/action`, { removeFloatingIp: { address: fip.ip } })).status, 409);

  // The rest of the /29's pool (.1-.6), then none left.
  for (let i = 2; i <= 6; i++) assert.equal((await nova.call('POST', '/os-floating-ips', {})).body.floating_ip.ip, `172.24.4.${i}`);
  const none = await nova.call('POST', '/os-floating-ips', {});
  assert.equal(none.status, 404);
  assert.match(none.body.itemNotFound.message, /No more floating IPs in pool nova/);
  assert.equal((await nova.call('POST', '/os-floating-ips', { pool: 'elsewhere' })).status, 404);

  assert.equal((await nova.call('POST', `/servers/${s.id}/action`, { removeFloatingIp: { address: fip.ip } })).status, 202);
  assert.equal(plane.nat.has('172.24.4.1'), false);
  assert.deepEqual((await nova.call('GET', `/servers/${s.id}`)).body.server.addresses.fnet.length, 1);
  // Associated again, then released while associated: NAT goes, the address is the pool's again.
  assert.equal((await nova.call('POST', `/servers/${s.id}/action`, { addFloatingIp: { address: fip.ip } })).status, 202);
  assert.equal((await nova.call('DELETE', `/os-floating-ips/${fip.id}`)).status, 202);
  assert.equal(plane.nat.has('172.24.4.1'), false);
  assert.equal((await other.call('POST', '/os-floating-ips', {})).body.floating_ip.ip, '172.24.4.1');
  for (const f of (await nova.call('GET', '/os-floating-ips')).body.floating_ips) await nova.call('DELETE', `/os-floating-ips/${f.id}`);
  for (const f of (await other.call('GET', '/os-floating-ips')).body.floating_ips) await other.call('DELETE', `/os-floating-ips/${f.id}`);
  for (const id of [s.id, t.id]) await nova.call('DELETE', `/servers/${id}`);
  for (const id of [s.id, t.id]) await nova.waitFor(id, (x) => x.status === 'GONE');
  assert.equal((await admin.call('DELETE', `/os-networks/${net.id}`)).status, 202);
});

test('a deleted server\'s floating IP stays with the project, unassociated, its NAT removed', async () => {
  const net = await makeNetwork({ label: 'dnet', cidr: '10.4.0.0/24', bridge: 'brd' });
  const s = await boot('gone', { networks: [{ uuid: net.id }] });
  await nova.waitStatus(s.id, 'ACTIVE');
  const fip = (await nova.call('POST', '/os-floating-ips', {})).body.floating_ip;
  await nova.call('POST', `/servers/${s.id}/action`, { addFloatingIp: { address: fip.ip } });
  assert.ok(plane.nat.has(fip.ip));
  await nova.call('DELETE', `/servers/${s.id}`);
  await nova.waitFor(s.id, (x) => x.status === 'GONE');
  assert.equal(plane.nat.has(fip.ip), false);
  assert.deepEqual((await nova.call('GET', `/os-floating-ips/${fip.id}`)).body.floating_ip.fixed_ip, null);
  await nova.call('DELETE', `/os-floating-ips/${fip.id}`);
  assert.equal((await admin.call('DELETE', `/os-networks/${net.id}`)).status, 202);
});

test('security groups: default per project, rules become the filters of member servers\' interfaces, group sources expand to members\' addresses', async () => {
  const net = await makeNetwork({ label: 'snet', cidr: '10.5.0.0/24', bridge: 'brs' });
  const groups = (await nova.call('GET', '/os-security-groups')).body.security_groups;
  assert.deepEqual(groups.map((g: any) => [g.name, g.tenant_id, g.rules]), [['default', 'demo', []]]);
  const def = groups[0];
  assert.match((await nova.call('DELETE', `/os-security-groups/${def.id}`)).body.badRequest.message, /default security group/);
  const web = (await nova.call('POST', '/os-security-groups', { security_group: { name: 'web', description: 'http' } })).body.security_group;
  assert.equal((await nova.call('POST', '/os-security-groups', { security_group: { name: 'web', description: '' } })).status, 400);
  assert.equal((await other.call('GET', `/os-security-groups/${web.id}`)).status, 404);

  const s = await boot('sg', { networks: [{ uuid: net.id }], security_groups: [{ name: 'web' }] });
  assert.deepEqual(s.security_groups, [{ name: 'web' }]);
  const shown = await nova.waitStatus(s.id, 'ACTIVE');
  assert.deepEqual(shown.security_groups, [{ name: 'web' }]);
  const tap = 'tap' + ((shown.addresses as any).snet[0]['OS-EXT-IPS-MAC:mac_addr'] as string).replace(/:/g, '');
  assert.deepEqual(plane.filters.get(tap), [{ cidr: '10.5.0.0/24' }]);

  const rule = await nova.call('POST', '/os-security-group-rules', { security_group_rule: { parent_group_id: web.id, ip_protocol: 'tcp', from_port: 80, to_port: 80, cidr: '0.0.0.0/0' } });
  assert.equal(rule.status, 200, JSON.stringify(rule.body));
  assert.deepEqual({ ...rule.body.security_group_rule, id: undefined }, { id: undefined, parent_group_id: web.id, ip_protocol: 'tcp', from_port: 80, to_port: 80, ip_range: { cidr: '0.0.0.0/0' }, group: {} });
  await until(() => plane.filters.get(tap)?.length === 2, 'the rule in the filter');
  assert.deepEqual(plane.filters.get(tap)![1], { protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' });
  for (const bad of [{ ip_protocol: 'tcp', from_port: 0, to_port: 80 }, { ip_protocol: 'gre', from_port: 1, to_port: 2 }, { ip_protocol: 'tcp', from_port: 90, to_port: 80 }, { ip_protocol: 'icmp', from_port: -1, to_port: -1, cidr: '10.0.0.1/33' }]) {
    assert.equal((await nova.call('POST', '/os-security-group-rules', { security_group_rule: { parent_group_id: web.id, ...bad } })).status, 400, JSON.stringify(bad));
  }
  assert.equal((await nova.call('POST', '/os-security-group-rules', { security_group_rule: { parent_group_id: web.id, ip_protocol: 'tcp', from_port: 80, to_port: 80, cidr: '0.0.0.0/0' } })).status, 400, 'the same rule twice');

  // ssh from members of `default`: a server booting into default opens port 22 to its address.
  const ssh = await nova.call('POST', '/os-security-group-rules', { security_group_rule: { parent_group_id: web.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, group_id: def.id } });
  assert.deepEqual(ssh.body.security_group_rule.group, { name: 'default', tenant_id: 'demo' });
  const peer = await boot('peer', { networks: [{ uuid: net.id }] });
  assert.deepEqual(peer.security_groups, [{ name: 'default' }]);
  const peerIp = ((await nova.waitStatus(peer.id, 'ACTIVE')).addresses as any).snet[0].addr as string;
  await until(() => plane.filters.get(tap)?.some((r) => r.cidr === `${peerIp}/32` && r.fromPort === 22), 'the peer\'s address in the filter');

  // add/removeSecurityGroup on the server
  assert.equal((await nova.call('POST', `/servers/${s.id}/action`, { addSecurityGroup: { name: 'default' } })).status, 202);
  assert.deepEqual((await nova.call('GET', `/servers/${s.id}/os-security-groups`)).body.security_groups.map((g: any) => g.name).sort(), ['default', 'web']);
  assert.equal((await nova.call('POST', `/servers/${s.id}/action`, { addSecurityGroup: { name: 'default' } })).status, 400);
  assert.equal((await nova.call('POST', `/servers/${s.id}/action`, { removeSecurityGroup: { name: 'web' } })).status, 202);
  await until(() => plane.filters.get(tap)?.length === 1, 'web\'s rules gone from the filter');
  assert.equal((await nova.call('POST', `/servers/${s.id}/action`, { removeSecurityGroup: { name: 'web' } })).status, 400);
  assert.equal((await nova.call('POST', `/servers/${s.id}/action`, { addSecurityGroup: { name: 'nope' } })).status, 404);

  // A group in use can't go; deleting a rule refreshes its members.
  assert.equal((await nova.call('POST', `/servers/${s.id}/action`, { addSecurityGroup: { name: 'web' } })).status, 202);
  assert.match((await nova.call('DELETE', `/os-security-groups/${web.id}`)).body.badRequest.message, /in use/);
  const has80 = () => plane.filters.get(tap)?.some((r) => r.fromPort === 80);
  await until(() => has80(), 'web back');
  assert.equal((await nova.call('DELETE', `/os-security-group-rules/${rule.body.security_group_rule.id}`)).status, 202);
  await until(() => !has80(), 'the port 80 rule gone');
  assert.equal((await nova.call('POST', '/servers', { server: { name: 'x', imageRef: imageId, flavorRef: '1', security_groups: [{ name: 'nope' }] } })).status, 400);
  for (const id of [s.id, peer.id]) await nova.call('DELETE', `/servers/${id}`);
  for (const id of [s.id, peer.id]) await nova.waitFor(id, (x) => x.status === 'GONE');
  assert.equal((await nova.call('DELETE', `/os-security-groups/${web.id}`)).status, 202);
  assert.equal((await admin.call('DELETE', `/os-networks/${net.id}`)).status, 202);
});

test('key pairs: generate (private key once), import with Nova\'s fingerprint, list, show, delete; key_name at boot', async (t) => {
  const made = await nova.call('POST', '/os-keypairs', { keypair: { name: 'gen' } });
  assert.equal(made.status, 200);
  assert.match(made.body.keypair.private_key, /^-----BEGIN RSA PRIVATE KEY-----/);
  assert.match(made.body.keypair.public_key, /^ssh-rsa \S+ Generated-by-Nova$/);
  assert.match(made.body.keypair.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  assert.equal(made.body.keypair.user_id, 'demo');
  assert.equal((await nova.call('POST', '/os-keypairs', { keypair: { name: 'gen' } })).status, 409);
  assert.equal((await nova.call('POST', '/os-keypairs', { keypair: { name: 'bad/name' } })).status, 400);
  assert.match((await nova.call('POST', '/os-keypairs', { keypair: { name: 'junk', public_key: 'ssh-rsa bm90IGEga2V5' } })).body.badRequest.message, /Keypair data is invalid/);

  const dir = mkdtempSync(join(tmpdir(), 'swiftly-kp-'));
  try {
    let pub: string;
    let expected: string | undefined;
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'me@host', '-f', join(dir, 'k')]);
      pub = readFileSync(join(dir, 'k.pub'), 'utf8');
      expected = /MD5:(\S+)/.exec(execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', join(dir, 'k.pub')]).toString())![1];
    } catch {
      t.diagnostic('ssh-keygen not available: importing the generated key instead');
      pub = made.body.keypair.public_key;
    }
    const imported = await nova.call('POST', '/os-keypairs', { keypair: { name: 'mine', public_key: pub } });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    assert.equal(imported.body.keypair.private_key, undefined);
    if (expected) assert.equal(imported.body.keypair.fingerprint, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const list = (await nova.call('GET', '/os-keypairs')).body.keypairs;
  assert.deepEqual(list.map((k: any) => k.keypair.name), ['gen', 'mine']);
  assert.deepEqual((await other.call('GET', '/os-keypairs')).body.keypairs, [], 'per user');
  const one = (await nova.call('GET', '/os-keypairs/gen')).body.keypair;
  assert.equal(one.fingerprint, made.body.keypair.fingerprint);
  assert.equal(one.public_key, made.body.keypair.public_key);

  const s = await boot('keyed', { key_name: 'gen' });
  assert.equal((await nova.waitStatus(s.id, 'ACTIVE')).key_name, 'gen');
  const badKey = await nova.call('POST', '/servers', { server: { name: 'x', imageRef: imageId, flavorRef: '1', key_name: 'nope' } });
  assert.equal(badKey.status, 400);
  assert.match(badKey.body.badRequest.message, /Invalid key_name provided/);
  assert.equal((await nova.call('DELETE', '/os-keypairs/gen')).status, 202);
  assert.equal((await nova.call('GET', '/os-keypairs/gen')).status, 404);
  assert.equal((await nova.call('DELETE', '/os-keypairs/gen')).status, 404);
  await nova.call('DELETE', `/servers/${s.id}`);
});

test('networks "none" boots without an interface; "auto" (or nothing) gets every network the project may use', async () => {
  const a = await makeNetwork({ label: 'shared-a', cidr: '10.6.0.0/24', bridge: 'bra' });
  const b = await makeNetwork({ label: 'mine', cidr: '10.7.0.0/24', bridge: 'brb', project_id: 'demo' });
  const c = await makeNetwork({ label: 'theirs', cidr: '10.8.0.0/24', bridge: 'brc', project_id: 'other' });
  const none = await boot('none', { networks: 'none' });
  const auto = await boot('auto', { networks: 'auto' });
  assert.deepEqual((await nova.waitStatus(none.id, 'ACTIVE')).addresses, {});
  assert.deepEqual(Object.keys((await nova.waitStatus(auto.id, 'ACTIVE')).addresses as object).sort(), ['mine', 'shared-a']);
  assert.equal((await nova.call('POST', '/servers', { server: { name: 'x', imageRef: imageId, flavorRef: '1', networks: [{ uuid: c.id }] } })).status, 400, 'another project\'s network');
  for (const id of [none.id, auto.id]) await nova.call('DELETE', `/servers/${id}`);
  for (const id of [none.id, auto.id]) await nova.waitFor(id, (x) => x.status === 'GONE');
  for (const n of [a, b, c]) assert.equal((await admin.call('DELETE', `/os-networks/${n.id}`)).status, 202);
});
