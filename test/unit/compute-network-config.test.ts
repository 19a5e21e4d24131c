/** compute.conf's [network] and the data plane each hypervisor gets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger, parseIni } from '../../common/index.js';
import { computeConfigFromIni } from '../../compute/config.js';
import { networkDriverFor } from '../../compute/launcher.js';
import { NoNetworkDriver, RecordingNetworkDriver } from '../../compute/network/index.js';
import { LinuxNetworkDriver } from '../../compute/network/linux/index.js';

test('[network] options with Nova\'s names and defaults', () => {
  const d = computeConfigFromIni(parseIni('')).network;
  assert.deepEqual(d, {
    fixedRange: '', networkLabel: 'private', bridge: 'br100', dns: ['8.8.4.4'], floatingRange: '', defaultFloatingPool: 'nova',
    allowSameNetTraffic: true, networksPath: '/var/lib/swiftly/networks', publicInterface: '', dhcpLeaseTimeSec: 86400, networkNamespace: '',
  });
  const c = computeConfigFromIni(parseIni([
    '[network]', 'fixed_range = 10.0.0.0/24', 'flat_network_dns = 10.0.0.53, 9.9.9.9', 'floating_range = 172.24.4.0/24',
    'allow_same_net_traffic = false', 'networks_path = /srv/net', 'public_interface = eth1', 'dhcp_lease_time = 600', 'network_namespace = computens', '',
  ].join('\n'))).network;
  assert.equal(c.fixedRange, '10.0.0.0/24');
  assert.deepEqual(c.dns, ['10.0.0.53', '9.9.9.9']);
  assert.equal(c.allowSameNetTraffic, false);
  assert.equal(c.publicInterface, 'eth1');
  assert.equal(c.dhcpLeaseTimeSec, 600);
  assert.equal(c.networkNamespace, 'computens');
  assert.throws(() => computeConfigFromIni(parseIni('[network]\nflat_network_dns = nope\n')), /flat_network_dns: nope is not an IPv4 address/);
});

test('each hypervisor\'s data plane: recording beside fake, Linux beside libvirt, a refusing one otherwise', async () => {
  const config = computeConfigFromIni(parseIni('[DEFAULT]\nhost = h1\n'));
  assert.ok(networkDriverFor(config, 'fake', silentLogger) instanceof RecordingNetworkDriver);
  assert.ok(networkDriverFor(config, 'libvirt', silentLogger) instanceof LinuxNetworkDriver);
  assert.equal((networkDriverFor(config, 'libvirt', silentLogger) as LinuxNetworkDriver).cmd.netns, undefined);
  const inNs = computeConfigFromIni(parseIni('[DEFAULT]\nhost = h1\n[network]\nnetwork_namespace = computens\n'));
  assert.equal((networkDriverFor(inNs, 'libvirt', silentLogger) as LinuxNetworkDriver).cmd.netns, 'computens');
  const other = networkDriverFor(config, 'xen', silentLogger);
  assert.ok(other instanceof NoNetworkDriver);
  await assert.rejects(other.setupNetwork({ id: 'n', label: 'l', cidr: '10.0.0.0/24', bridge: 'br100', gateway: '10.0.0.1', dns: [] }), /compute host h1 has no network driver/);
});

test('enabled_apis: Nova\'s option; swiftly runs the metadata service only when it names metadata', () => {
  assert.deepEqual(computeConfigFromIni(parseIni('')).enabledApis, ['osapi_compute']);
  assert.deepEqual(computeConfigFromIni(parseIni('[DEFAULT]\nenabled_apis = osapi_compute, metadata\n')).enabledApis, ['osapi_compute', 'metadata']);
});
