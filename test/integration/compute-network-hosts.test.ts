/**
 * A server's networking follows it between hosts and survives a host
 * restart: resize to another host plugs it in there (DHCP entry, filter,
 * floating NAT) and unplugs it from the source, revert the other way; a
 * restarted compute plugs its servers in again.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NETWORK_CONFIG, RecordingNetworkDriver } from '../../compute/network/index.js';
import { startTestCloud, novaClient } from '../helpers/compute-cloud.js';

const cloud = await startTestCloud({
  computeHosts: ['cn1', 'cn2'],
  config: { allowResizeToSameHost: false, network: { ...DEFAULT_NETWORK_CONFIG, fixedRange: '10.30.0.0/24', floatingRange: '172.24.5.0/29' } },
});
after(() => cloud.close());

const nova = novaClient(cloud.url);
const admin = novaClient(cloud.url, 'admin:admin', 'admin');
const plane = (host: string) => cloud.parts.filter((p) => p.config.host === host).at(-1)!.networkDriver as RecordingNetworkDriver;

test('resize and revert move the server\'s DHCP entry, filter and NAT between hosts; a restarted host plugs its servers in again', async () => {
  const imageId = (await nova.call('GET', '/images')).body.images[0].id;
  const id = (await nova.call('POST', '/servers', { server: { name: 'mover', imageRef: imageId, flavorRef: '1' } })).body.server.id;
  const first = await nova.waitStatus(id, 'ACTIVE');
  const [fixed] = (first.addresses as Record<string, { addr: string; 'OS-EXT-IPS-MAC:mac_addr': string }[]>).private;
  assert.equal(fixed.addr, '10.30.0.2', 'the [network] fixed_range network, made at start');
  const mac = fixed['OS-EXT-IPS-MAC:mac_addr'];
  const tap = 'tap' + mac.replace(/:/g, '');
  const fip = (await nova.call('POST', '/os-floating-ips', {})).body.floating_ip.ip as string;
  assert.equal((await nova.call('POST', `/servers/${id}/action`, { addFloatingIp: { address: fip } })).status, 202);
  const hostOf = async () => (await admin.call('GET', `/servers/${id}?all_tenants=1`)).body.server['OS-EXT-SRV-ATTR:host'] as string;
  const source = await hostOf();
  const dest = source === 'cn1' ? 'cn2' : 'cn1';
  const plugged = (host: string) => ({ dhcp: plane(host).hosts.get(mac)?.ip, filter: plane(host).filters.has(tap), nat: plane(host).nat.get(fip) });
  assert.deepEqual(plugged(source), { dhcp: '10.30.0.2', filter: true, nat: '10.30.0.2' });
  assert.deepEqual(plugged(dest), { dhcp: undefined, filter: false, nat: undefined });

  await nova.call('POST', `/servers/${id}/action`, { resize: { flavorRef: '2' } });
  const resized = await nova.waitStatus(id, 'VERIFY_RESIZE');
  assert.equal(await hostOf(), dest);
  assert.equal((resized.addresses as Record<string, { addr: string }[]>).private[0].addr, '10.30.0.2', 'the address moves with it');
  assert.deepEqual(plugged(dest), { dhcp: '10.30.0.2', filter: true, nat: '10.30.0.2' });
  assert.deepEqual(plugged(source), { dhcp: undefined, filter: false, nat: undefined });

  await nova.call('POST', `/servers/${id}/action`, { revertResize: null });
  await nova.waitStatus(id, 'ACTIVE');
  assert.equal(await hostOf(), source);
  assert.deepEqual(plugged(source), { dhcp: '10.30.0.2', filter: true, nat: '10.30.0.2' });
  assert.deepEqual(plugged(dest), { dhcp: undefined, filter: false, nat: undefined });

  // The source's compute restarts with an empty data plane: init_host plugs the server in again.
  const part = cloud.parts.find((p) => p.config.host === source)!;
  await part.stop();
  cloud.parts.splice(cloud.parts.indexOf(part), 1);
  await cloud.addCompute(source);
  assert.deepEqual(plugged(source), { dhcp: '10.30.0.2', filter: true, nat: '10.30.0.2' });
  assert.deepEqual(plane(source).calls.map((c) => c.op), ['setupNetwork', 'plugInstance', 'applySecurityGroups', 'applyFloating']);

  await nova.call('DELETE', `/servers/${id}`);
  await nova.waitFor(id, (s) => s.status === 'GONE');
  assert.deepEqual(plugged(source), { dhcp: undefined, filter: false, nat: undefined });
});
