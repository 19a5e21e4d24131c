import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeDriver, HypervisorError, PowerState, computeConfigFromIni, type Instance } from '../../compute/index.js';
import { parseIni } from '../../common/index.js';

const flavor = { flavorid: '1', name: 'm1.tiny', memory_mb: 512, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, disabled: false, description: null, extra_specs: {} };
const inst = { uuid: 'g1', display_name: 'vm', flavor } as unknown as Instance;
const image = { id: 'i', name: 'cirros', size: 10, disk_format: 'raw', properties: {} };

test('the fake driver moves guests through power states and refuses what a hypervisor would', async () => {
  const d = new FakeDriver({ timeScale: 0 });
  await d.spawn(inst, image);
  assert.equal((await d.getInfo('g1'))?.power_state, PowerState.RUNNING);
  await assert.rejects(d.spawn(inst, image), HypervisorError);
  await d.pause(inst);
  assert.equal((await d.getInfo('g1'))?.power_state, PowerState.PAUSED);
  await assert.rejects(d.pause(inst), /cannot pause/);
  await assert.rejects(d.reboot(inst, 'SOFT'), /cannot soft reboot/);
  await d.reboot(inst, 'HARD');
  assert.equal((await d.getInfo('g1'))?.power_state, PowerState.RUNNING);
  await d.powerOff(inst);
  await d.resize(inst, { ...flavor, memory_mb: 1024 });
  assert.equal((await d.getInfo('g1'))?.memory_mb, 512, 'a new flavor applies at the next start');
  await d.powerOn(inst);
  assert.equal((await d.getInfo('g1'))?.memory_mb, 1024);
  assert.match(await d.getConsoleOutput(inst), /boot 3/);
  assert.equal(await d.getConsoleOutput(inst, 1), 'login: vm is up\n');
  await d.destroy(inst);
  assert.equal(await d.getInfo('g1'), undefined);
  await d.destroy(inst); // unknown guest: not an error
  assert.deepEqual(await d.listInstances(), []);
});

test('the fake driver takes realistic time per operation', async () => {
  const d = new FakeDriver({ timeScale: 0.25 });
  const t0 = Date.now();
  await d.spawn(inst, image);
  assert.ok(Date.now() - t0 >= 90, 'spawn takes ~400 ms at scale 1');
});

test('compute config: Nova option names, defaults, sqlite URL', () => {
  const c = computeConfigFromIni(parseIni([
    '[DEFAULT]', 'host = cn7', 'transport_url = rabbit://u:p@mq:5672/', 'rpc_response_timeout = 5', 'cpu_allocation_ratio = 2',
    '[database]', 'connection = sqlite:////var/lib/swiftly/compute.sqlite',
    '[auth]', 'auth_strategy = noauth2',
    '[filter_scheduler]', 'enabled_filters = ComputeFilter, RamFilter',
  ].join('\n')));
  assert.equal(c.host, 'cn7');
  assert.equal(c.transportUrl, 'rabbit://u:p@mq:5672/');
  assert.equal(c.rpcResponseTimeoutMs, 5000);
  assert.equal(c.ratios.cpu, 2);
  assert.equal(c.ratios.ram, 1);
  assert.equal(c.dbPath, '/var/lib/swiftly/compute.sqlite');
  assert.equal(c.auth.strategy, 'noauth2');
  assert.deepEqual(c.scheduler.enabledFilters, ['ComputeFilter', 'RamFilter']);
  assert.equal(c.apiPort, 8774);
  assert.equal(c.apiListen, '127.0.0.1');
  assert.throws(() => computeConfigFromIni(parseIni('[database]\nconnection = mysql://x/y\n')), /sqlite:\/\/ or postgresql:\/\/ only/);
});

test('compute config: [volume] NBD exports (target_ip_address, nbd_port_range, network_namespace)', () => {
  const none = computeConfigFromIni(parseIni(''));
  assert.deepEqual([none.volume.targetIpAddress, none.volume.nbdPortRange, none.volume.networkNamespace], ['', [10809, 10908], '']);
  const c = computeConfigFromIni(parseIni('[volume]\ntarget_ip_address = 10.0.0.5\nnbd_port_range = 20000-20009\nnetwork_namespace = storage\n'));
  assert.deepEqual([c.volume.targetIpAddress, c.volume.nbdPortRange, c.volume.networkNamespace], ['10.0.0.5', [20000, 20009], 'storage']);
  assert.throws(() => computeConfigFromIni(parseIni('[volume]\ntarget_ip_address = volhost\n')), /target_ip_address must be an IP address/);
  for (const bad of ['20009-20000', '0-5', '10809', '10809-70000']) {
    assert.throws(() => computeConfigFromIni(parseIni(`[volume]\nnbd_port_range = ${bad}\n`)), /nbd_port_range must be/, bad);
  }
});
