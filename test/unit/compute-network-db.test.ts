/** nova-network's records in the compute DB: fixed-IP allocation, floating pools, security groups, key pairs. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ComputeDb } from '../../compute/db/index.js';
import { ENGINES, openTestComputeDb, postgresUnavailable, type EngineName } from '../helpers/compute-db-engines.js';
import { openComputeDb } from '../../compute/db/index.js';
import { NetworkService } from '../../compute/network/network-service.js';
import { generateSshKeyPair, sshFingerprint } from '../../compute/network/ssh-keys.js';
import { PowerState, TaskState, VmState, type Instance } from '../../compute/model.js';

async function temp(engine: EngineName) {
  const t = await openTestComputeDb(engine);
  return { db: t.db, net: new NetworkService(t.db.sql), connection: t.connection, done: t.done };
}

async function instance(db: ComputeDb, project = 'p1', requested: Instance['requested_networks'] = null): Promise<Instance> {
  return db.createInstance({
    uuid: crypto.randomUUID(), display_name: 'vm', project_id: project, user_id: 'u', image_ref: 'img', image_properties: {},
    flavor: (await db.getFlavor('1'))!, host: null, node: null, availability_zone: null, vm_state: VmState.BUILDING,
    task_state: TaskState.SCHEDULING, power_state: PowerState.NOSTATE, metadata: {}, key_name: null, requested_networks: requested,
  });
}

for (const engine of ENGINES) {
  describe(`nova-network records on ${engine}`, () => {
    let skip: string | undefined;
    before(async () => { if (engine === 'postgres') skip = await postgresUnavailable(); });

  test('fixed IPs: lowest free host address from the DHCP start, never the gateway or broadcast, the same one again for the same server, none left → NoMoreFixedIps; released on delete', async (c) => {
    if (skip) return c.skip(skip);
    const t = await temp(engine);
    try {
      const n = await t.net.networks.createNetwork({ label: 'private', cidr: '10.9.0.0/29', dns: ['8.8.4.4'] });
      assert.equal(n.gateway, '10.9.0.1');
      assert.equal(n.bridge, 'br100');
      const got: string[] = [];
      const insts = [];
      for (let i = 0; i < 5; i++) {
        const inst = await instance(t.db);
        insts.push(inst);
        const [iface] = await t.net.allocateForInstance(inst);
        assert.match(iface.mac, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
        assert.equal(iface.device, 'tap' + iface.mac.replace(/:/g, ''));
        got.push(iface.address);
      }
      assert.deepEqual(got, ['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
      assert.equal((await t.net.allocateForInstance(insts[2]))[0].address, '10.9.0.4', 'a repeated build keeps its address');
      await assert.rejects(async () => await t.net.allocateForInstance(await instance(t.db)), /No fixed IP addresses available for network/);
      await assert.rejects(async () => await t.net.networks.deleteNetwork(n.id), /still in use/);
      await t.db.destroyInstance(insts[1].uuid);
      assert.equal((await t.net.allocateForInstance(await instance(t.db)))[0].address, '10.9.0.3', 'a deleted server\'s address is free again');
      assert.equal((await t.net.networks.fixedIpByAddress('10.9.0.5'))?.instanceUuid, insts[3].uuid);
      await assert.rejects(async () => await t.net.networks.createNetwork({ label: 'x', cidr: '10.9.0.0/16', dns: [] }), /conflicts with existing cidr/);
      await assert.rejects(async () => await t.net.networks.createNetwork({ label: 'x', cidr: '10.8.0.5/24', dns: [] }), /host bits set/);
    } finally {
      await t.done();
    }
  });

  test('floating pool: allocate to a project until none is left, associate once, release', async (c) => {
    if (skip) return c.skip(skip);
    const t = await temp(engine);
    try {
      assert.equal(await t.net.floating.ensurePool('nova', '172.24.4.0/30'), 2);
      assert.equal(await t.net.floating.ensurePool('nova', '172.24.4.0/30'), 0, 'idempotent');
      const a = await t.net.floating.allocate('p1', 'nova');
      const b = await t.net.floating.allocate('p2', 'nova');
      assert.deepEqual([a.address, b.address], ['172.24.4.1', '172.24.4.2']);
      await assert.rejects(async () => await t.net.floating.allocate('p1', 'nova'), /No more floating IPs in pool nova/);
      await assert.rejects(async () => await t.net.floating.allocate('p1', 'other'), /Floating IP pool not found/);
      assert.equal(await t.net.floating.associate(a.id, '10.0.0.2', 'i1'), true);
      assert.equal(await t.net.floating.associate(a.id, '10.0.0.3', 'i2'), false, 'held by another server');
      assert.equal((await t.net.floating.list('p1'))[0].fixedAddress, '10.0.0.2');
      await t.net.floating.release(a.id);
      assert.equal((await t.net.floating.allocate('p3', 'nova')).address, '172.24.4.1');
    } finally {
      await t.done();
    }
  });

  test('security groups: default per project, duplicates refused, group-sourced rules expand to members\' fixed addresses', async (c) => {
    if (skip) return c.skip(skip);
    const t = await temp(engine);
    try {
      const n = await t.net.networks.createNetwork({ label: 'private', cidr: '10.0.0.0/24', dns: [] });
      const def = await t.net.groups.ensureDefault('p1');
      assert.equal((await t.net.groups.ensureDefault('p1')).id, def.id);
      const web = await t.net.groups.create('p1', 'web', 'web servers');
      await assert.rejects(async () => await t.net.groups.create('p1', 'web', ''), /already exists/);
      await t.net.groups.addRule({ parentGroupId: web.id, protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' });
      await assert.rejects(async () => await t.net.groups.addRule({ parentGroupId: web.id, protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' }), /already exists/);
      await t.net.groups.addRule({ parentGroupId: web.id, protocol: 'tcp', fromPort: 22, toPort: 22, groupId: def.id });
      const a = await instance(t.db);
      const b = await instance(t.db);
      await t.net.groups.addInstance(web.id, a.uuid);
      await t.net.groups.addInstance(def.id, b.uuid);
      await t.net.allocateForInstance(a);
      const bip = (await t.net.allocateForInstance(b))[0].address;
      assert.deepEqual(await t.net.ingressRules(a.uuid, n), [
        { cidr: '10.0.0.0/24' },
        { protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' },
        { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: `${bip}/32` },
      ]);
      assert.deepEqual((await t.net.affectedByGroup(def.id)).sort(), [a.uuid, b.uuid].sort());
      await assert.rejects(async () => await t.net.groups.delete(def.id), /default security group/);
      await assert.rejects(async () => await t.net.groups.delete(web.id), /still in use/);
      await t.db.destroyInstance(a.uuid);
      await t.net.groups.delete(web.id);
      assert.deepEqual((await t.net.groups.list('p1')).map((g) => g.name), ['default']);
    } finally {
      await t.done();
    }
  });

    test('fixed IPs racing from two stores (two hosts): every server gets its own address, none is handed out twice', async (c) => {
      if (skip) return c.skip(skip);
      const t = await temp(engine);
      const other = await openComputeDb(t.connection);
      try {
        // A /27: 29 addresses from .2 (.1 is the gateway, .31 the broadcast).
        await t.net.networks.createNetwork({ label: 'private', cidr: '10.7.0.0/27', dns: [] });
        const nets = [t.net, new NetworkService(other.sql)];
        const insts = [];
        for (let i = 0; i < 32; i++) insts.push(await instance(t.db));
        const results = await Promise.allSettled(insts.map((inst, i) => nets[i % 2].allocateForInstance(inst)));
        const got = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value[0].address] : []));
        assert.equal(got.length, 29, 'every free address handed out');
        assert.equal(new Set(got).size, got.length, 'no address twice');
        for (const r of results) if (r.status === 'rejected') assert.match(String(r.reason), /No fixed IP addresses available/);
        assert.equal((await t.db.sql.all('SELECT address FROM fixed_ips')).length, 29);
      } finally {
        await other.close();
        await t.done();
      }
    });
  });
}

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
