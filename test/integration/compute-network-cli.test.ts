/** `swiftly compute network|floating-ip|security-group|keypair …` and `server create --nic --key-name --security-group`, against a fake-driver cloud (noauth2 tokens). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DEFAULT_NETWORK_CONFIG, RecordingNetworkDriver } from '../../compute/network/index.js';
import { startTestCloud, type TestCloud } from '../helpers/compute-cloud.js';

const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
const run = promisify(execFile);
let cloud: TestCloud;
let dir: string;

before(async () => {
  cloud = await startTestCloud({ config: { network: { ...DEFAULT_NETWORK_CONFIG, floatingRange: '172.24.4.0/29' } } });
  dir = mkdtempSync(join(tmpdir(), 'swiftly-netcli-'));
});
after(async () => {
  await cloud.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(token: string, ...args: string[]) {
  return run(process.execPath, [SWIFTLY, 'compute', ...args, '--compute-url', cloud.url, '--token', token, '--project', token.split(':')[1]], { env: { ...process.env, NO_COLOR: '1' } });
}
const admin = (...a: string[]) => cli('admin:admin', ...a);
const demo = (...a: string[]) => cli('demo:demo', ...a);

test('a network, a key pair, a security group with a rule, a server on them with a floating IP — all from the CLI', async () => {
  const made = await admin('network', 'create', 'private', '--cidr', '10.20.0.0/24', '--dns', '10.20.0.53');
  assert.match(made.stdout, /\| cidr +\| 10\.20\.0\.0\/24 +\|/);
  assert.match(made.stdout, /\| bridge +\| br100 +\|/);
  assert.match((await demo('network', 'list')).stdout, /\| private +\| 10\.20\.0\.0\/24 +\| 10\.20\.0\.1 +\|/);
  await assert.rejects(demo('network', 'create', 'x', '--cidr', '10.21.0.0/24'), /os-networks:create.*\(HTTP 403\)/);

  const keyFile = join(dir, 'id_rsa');
  const key = await demo('keypair', 'create', 'mykey', '--private-key', keyFile);
  assert.match(key.stdout, /Key pair mykey created \(([0-9a-f]{2}:){15}[0-9a-f]{2}\); private key written to/);
  assert.match(readFileSync(keyFile, 'utf8'), /^-----BEGIN RSA PRIVATE KEY-----/);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.match((await demo('keypair', 'list')).stdout, /\| mykey +\| [0-9a-f:]{47} +\|/);
  const printed = await demo('keypair', 'create', 'other');
  assert.match(printed.stdout, /^-----BEGIN RSA PRIVATE KEY-----/);
  assert.match((await demo('keypair', 'delete', 'other')).stdout, /Key pair other deleted/);

  assert.match((await demo('security-group', 'create', 'web', '--description', 'http in')).stdout, /\| web +\| http in +\|/);
  assert.match((await demo('security-group', 'rule-create', 'web', '--protocol', 'tcp', '--from-port', '80', '--to-port', '80')).stdout, /\| tcp +\| 80 +\| 80 +\| 0\.0\.0\.0\/0 +\|/);
  assert.match((await demo('security-group', 'show', 'web')).stdout, /\| tcp +\| 80 +\| 80 +\| 0\.0\.0\.0\/0 +\| +\|/);
  assert.match((await demo('security-group', 'list')).stdout, /\| default +\| default +\| 0 +\|/);

  const created = await demo('server', 'create', 'vm1', '--image', 'cirros-0.6.2-x86_64-disk', '--flavor', 'm1.tiny', '--nic', 'net-id=private', '--key-name', 'mykey', '--security-group', 'web', '--wait');
  assert.match(created.stdout, /\| addresses +\| private=10\.20\.0\.2 +\|/);
  assert.match(created.stdout, /\| key_name +\| mykey +\|/);
  assert.match(created.stdout, /\| security_groups +\| web +\|/);
  const plane = cloud.parts[1].networkDriver as RecordingNetworkDriver;
  assert.ok([...plane.filters.values()].some((rules) => rules.some((r) => r.protocol === 'tcp' && r.fromPort === 80)), 'the rule reached the host');
  await assert.rejects(demo('server', 'create', 'bad', '--image', 'cirros-0.6.2-x86_64-disk', '--flavor', 'm1.tiny', '--nic', 'foo=bar'), /Invalid nic argument/);

  assert.match((await demo('floating-ip', 'pools')).stdout, /\| nova +\|/);
  assert.match((await demo('floating-ip', 'create')).stdout, /\| 172\.24\.4\.1 +\| - +\| - +\| nova +\|/);
  assert.match((await demo('floating-ip', 'associate', 'vm1', '172.24.4.1')).stdout, /Floating IP 172\.24\.4\.1 associated with server/);
  assert.equal(plane.nat.get('172.24.4.1'), '10.20.0.2');
  assert.match((await demo('server', 'list')).stdout, /\| vm1 +\| ACTIVE +\| - +\| Running +\| private=10\.20\.0\.2, 172\.24\.4\.1 +\|/);
  assert.match((await demo('floating-ip', 'list')).stdout, /\| 172\.24\.4\.1 +\| [0-9a-f-]{36} +\| 10\.20\.0\.2 +\| nova +\|/);

  assert.match((await demo('security-group', 'add', 'vm1', 'default')).stdout, /added to security group default/);
  assert.match((await demo('server', 'show', 'vm1')).stdout, /\| security_groups +\| default, web +\|/);
  assert.match((await demo('security-group', 'remove', 'vm1', 'web')).stdout, /removed from security group web/);
  await assert.rejects(demo('security-group', 'delete', 'default'), /Removing default security group not allowed/);

  assert.match((await demo('floating-ip', 'disassociate', 'vm1', '172.24.4.1')).stdout, /disassociated/);
  assert.equal(plane.nat.has('172.24.4.1'), false);
  assert.match((await demo('floating-ip', 'delete', '172.24.4.1')).stdout, /Floating IP 172\.24\.4\.1 released/);
  await assert.rejects(admin('network', 'delete', 'private'), /still in use \(HTTP 409\)/);
  await demo('server', 'delete', 'vm1', '--wait');
  assert.match((await demo('security-group', 'delete', 'web')).stdout, /Security group .* \(web\) deleted/);
  assert.match((await admin('network', 'delete', 'private')).stdout, /Network .* \(private\) deleted/);
  assert.ok(existsSync(keyFile));
});
