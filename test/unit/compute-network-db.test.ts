/** nova-network's records in the compute DB: fixed-IP allocation, floating pools, security groups, key pairs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComputeDb } from '../../compute/db/index.js';
import { NetworkService } from '../../compute/network/network-service.js';
import { generateSshKeyPair, sshFingerprint } from '../../compute/network/ssh-keys.js';
import { PowerState, TaskState, VmState, type Instance } from '../../compute/model.js';

function temp() {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-netdb-'));
  const db = new ComputeDb(join(dir, 'compute.sqlite'));
  const net = new NetworkService(db.db);
  return { dir, db, net, done: () => { db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

function instance(db: ComputeDb, project = 'p1', requested: Instance['requested_networks'] = null): Instance {
  return db.createInstance({
    uuid: crypto.randomUUID(), display_name: 'vm', project_id: project, user_id: 'u', image_ref: 'img', image_properties: {},
    flavor: db.getFlavor('1')!, host: null, node: null, availability_zone: null, vm_state: VmState.BUILDING,
    task_state: TaskState.SCHEDULING, power_state: PowerState.NOSTATE, metadata: {}, key_name: null, requested_networks: requested,
  });
}

test('fixed IPs: lowest free host address from the DHCP start, never the gateway or broadcast, the same one again for the same server, none left → NoMoreFixedIps; released on delete', () => {
  const t = temp();
  try {
    const n = t.net.networks.createNetwork({ label: 'private', cidr: '10.9.0.0/29', dns: ['8.8.4.4'] });
    assert.equal(n.gateway, '10.9.0.1');
    assert.equal(n.bridge, 'br100');
    const got: string[] = [];
    const insts = [];
    for (let i = 0; i < 5; i++) {
      const inst = instance(t.db);
      insts.push(inst);
      const [iface] = t.net.allocateForInstance(inst);
      assert.match(iface.mac, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
      assert.equal(iface.device, 'tap' + iface.mac.replace(/:/g, ''));
      got.push(iface.address);
    }
    assert.deepEqual(got, ['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
    assert.equal(t.net.allocateForInstance(insts[2])[0].address, '10.9.0.4', 'a repeated build keeps its address');
    assert.throws(() => t.net.allocateForInstance(instance(t.db)), /No fixed IP addresses available for network/);
    assert.throws(() => t.net.networks.deleteNetwork(n.id), /still in use/);
    t.db.destroyInstance(insts[1].uuid);
    assert.equal(t.net.allocateForInstance(instance(t.db))[0].address, '10.9.0.3', 'a deleted server\'s address is free again');
    assert.equal(t.net.networks.fixedIpByAddress('10.9.0.5')?.instanceUuid, insts[3].uuid);
    assert.throws(() => t.net.networks.createNetwork({ label: 'x', cidr: '10.9.0.0/16', dns: [] }), /conflicts with existing cidr/);
    assert.throws(() => t.net.networks.createNetwork({ label: 'x', cidr: '10.8.0.5/24', dns: [] }), /host bits set/);
  } finally {
    t.done();
  }
});

test('floating pool: allocate to a project until none is left, associate once, release', () => {
  const t = temp();
  try {
    assert.equal(t.net.floating.ensurePool('nova', '172.24.4.0/30'), 2);
    assert.equal(t.net.floating.ensurePool('nova', '172.24.4.0/30'), 0, 'idempotent');
    const a = t.net.floating.allocate('p1', 'nova');
    const b = t.net.floating.allocate('p2', 'nova');
    assert.deepEqual([a.address, b.address], ['172.24.4.1', '172.24.4.2']);
    assert.throws(() => t.net.floating.allocate('p1', 'nova'), /No more floating IPs in pool nova/);
    assert.throws(() => t.net.floating.allocate('p1', 'other'), /Floating IP pool not found/);
    assert.equal(t.net.floating.associate(a.id, '10.0.0.2', 'i1'), true);
    assert.equal(t.net.floating.associate(a.id, '10.0.0.3', 'i2'), false, 'held by another server');
    assert.equal(t.net.floating.list('p1')[0].fixedAddress, '10.0.0.2');
    t.net.floating.release(a.id);
    assert.equal(t.net.floating.allocate('p3', 'nova').address, '172.24.4.1');
  } finally {
    t.done();
  }
});

test('security groups: default per project, duplicates refused, group-sourced rules expand to members\' fixed addresses', () => {
  const t = temp();
  try {
    const n = t.net.networks.createNetwork({ label: 'private', cidr: '10.0.0.0/24', dns: [] });
    const def = t.net.groups.ensureDefault('p1');
    assert.equal(t.net.groups.ensureDefault('p1').id, def.id);
    const web = t.net.groups.create('p1', 'web', 'web servers');
    assert.throws(() => t.net.groups.create('p1', 'web', ''), /already exists/);
    t.net.groups.addRule({ parentGroupId: web.id, protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' });
    assert.throws(() => t.net.groups.addRule({ parentGroupId: web.id, protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' }), /already exists/);
    t.net.groups.addRule({ parentGroupId: web.id, protocol: 'tcp', fromPort: 22, toPort: 22, groupId: def.id });
    const a = instance(t.db);
    const b = instance(t.db);
    t.net.groups.addInstance(web.id, a.uuid);
    t.net.groups.addInstance(def.id, b.uuid);
    t.net.allocateForInstance(a);
    const bip = t.net.allocateForInstance(b)[0].address;
    assert.deepEqual(t.net.ingressRules(a.uuid, n), [
      { cidr: '10.0.0.0/24' },
      { protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' },
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: `${bip}/32` },
    ]);
    assert.deepEqual(t.net.affectedByGroup(def.id).sort(), [a.uuid, b.uuid].sort());
    assert.throws(() => t.net.groups.delete(def.id), /default security group/);
    assert.throws(() => t.net.groups.delete(web.id), /still in use/);
    t.db.destroyInstance(a.uuid);
    t.net.groups.delete(web.id);
    assert.deepEqual(t.net.groups.list('p1').map((g) => g.name), ['default']);
  } finally {
    t.done();
  }
});

test('ssh keys: a generated pair and its fingerprint are what ssh-keygen reads and computes; malformed keys are refused', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-sshkey-'));
  try {
    const pair = generateSshKeyPair();
    assert.match(pair.publicKey, /^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ Generated-by-Nova$/);
    assert.match(pair.privateKey, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    assert.throws(() => sshFingerprint('ssh-rsa AAAA'), /Keypair data is invalid/);
    assert.throws(() => sshFingerprint('ssh-ed25519 ' + Buffer.from('\0\0\0\x07ssh-rsa').toString('base64')), /Keypair data is invalid/);
    assert.throws(() => sshFingerprint('not a key'), /Keypair data is invalid/);
    try {
      execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') { t.skip('ssh-keygen is not installed'); return; }
    }
    const priv = join(dir, 'id');
    writeFileSync(priv, pair.privateKey, { mode: 0o600 });
    // ssh-keygen derives the public key from our private key: the same line as ours.
    assert.equal(execFileSync('ssh-keygen', ['-y', '-f', priv]).toString().trim(), pair.publicKey.replace(/ Generated-by-Nova$/, ''));
    writeFileSync(priv + '.pub', pair.publicKey + '\n');
    const md5 = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', priv + '.pub']).toString();
    assert.equal(/MD5:([0-9a-f:]+)/.exec(md5)![1], sshFingerprint(pair.publicKey));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'ed')]);
    const ed = readFileSync(join(dir, 'ed.pub'), 'utf8');
    assert.equal(/MD5:([0-9a-f:]+)/.exec(execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', join(dir, 'ed.pub')]).toString())![1], sshFingerprint(ed));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
