/**
 * The metadata service over loopback (the guest-side path, 169.254.169.254
 * inside a guest network's namespace, needs the data plane) and the config
 * drive read back with isoinfo: the same documents either way, found by
 * the requester's fixed IP (the socket's, or X-Forwarded-For's when the
 * service is told to trust it).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { silentLogger } from '../../common/index.js';
import { DbMetadataLookup, makeConfigDrive, startMetadataServer, type MetadataServer, type MetadataSource } from '../../compute/metadata/index.js';
import { ComputeDb, openComputeDb, PowerState, VmState, type Instance } from '../../compute/index.js';
import { NetnsLab, netnsUnavailable } from '../helpers/netns.js';
import { NetworkService, generateSshKeyPair, sshFingerprint } from '../../compute/network/index.js';

const instance: Instance = {
  uuid: '6f1c3b9e-2a4d-4c1b-9f0e-0a1b2c3d4e5f', display_name: 'Web_1 (test)', project_id: 'AUTH_test', user_id: 'test:tester',
  image_ref: '11112222-3333-4444-5555-666677778888', image_properties: {},
  flavor: { flavorid: '1', name: 'm1.tiny', memory_mb: 512, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, disabled: false, description: null, extra_specs: {} },
  old_flavor: null, new_flavor: null, host: 'cn1', node: 'cn1', resize_source_host: null, availability_zone: null, vm_state: 'active', task_state: null,
  power_state: 1, metadata: { role: 'web' }, key_name: 'k1', config_drive: true, user_data: Buffer.from('#cloud-config\nhello\n').toString('base64'),
  progress: 0, launched_at: null, terminated_at: null, created_at: '2026-12-05T00:00:00Z', updated_at: null, deleted_at: null, deleted: false,
};
const src: MetadataSource = {
  instance,
  nics: [{ mac: 'fa:16:3e:aa:bb:cc', fixedIp: '10.20.0.5', cidr: '10.20.0.0/24', gateway: '10.20.0.1', dns: ['10.20.0.1'], networkId: 'net-1' }],
  publicKeys: { k1: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE test@host' },
  floatingIp: '192.0.2.10',
};

/** GET with an optional X-Forwarded-For (fetch can't be told which source address to use; loopback it is). */
function get(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metadata service', () => {
  let direct: MetadataServer;
  let forwarded: MetadataServer;
  const seen: string[] = [];

  before(async () => {
    // The loopback client is "the guest" here: 127.0.0.1 stands for its fixed IP.
    direct = await startMetadataServer({ listen: { host: '127.0.0.1', port: 0 }, logger: silentLogger, lookup: { byFixedIp: (ip) => { seen.push(ip); return ip === '127.0.0.1' ? src : undefined; } } });
    forwarded = await startMetadataServer({ listen: { host: '127.0.0.1', port: 0 }, logger: silentLogger, useForwardedFor: true, lookup: { byFixedIp: (ip) => (ip === '10.20.0.5' ? src : undefined) } });
  });
  after(async () => {
    await direct?.close();
    await forwarded?.close();
  });

  it('serves the OpenStack documents to the instance whose address asks', async () => {
    const list = await get(direct.url, '/openstack/latest');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.toString().split('\n').sort(), ['meta_data.json', 'network_data.json', 'password', 'user_data', 'vendor_data.json', 'vendor_data2.json']);
    const md = JSON.parse((await get(direct.url, '/openstack/latest/meta_data.json')).body.toString());
    assert.equal(md.uuid, instance.uuid);
    assert.equal(md.name, 'Web_1 (test)');
    assert.equal(md.hostname, 'web-1-test.novalocal');
    assert.equal(md.launch_index, 0);
    assert.equal(md.availability_zone, 'nova');
    assert.equal(md.project_id, 'AUTH_test');
    assert.deepEqual(md.meta, { role: 'web' });
    assert.deepEqual(md.public_keys, { k1: src.publicKeys!.k1 });
    assert.deepEqual(md.keys, [{ name: 'k1', type: 'ssh', data: src.publicKeys!.k1 }]);
    const ud = await get(direct.url, '/openstack/2012-08-10/user_data');
    assert.equal(ud.body.toString(), '#cloud-config\nhello\n');
    const nd = JSON.parse((await get(direct.url, '/openstack/latest/network_data.json')).body.toString());
    assert.equal(nd.links[0].ethernet_mac_address, 'fa:16:3e:aa:bb:cc');
    assert.deepEqual(nd.networks[0], {
      id: 'network0', type: 'ipv4', link: nd.links[0].id, ip_address: '10.20.0.5', netmask: '255.255.255.0',
      routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.20.0.1' }], network_id: 'net-1', services: [{ type: 'dns', address: '10.20.0.1' }],
    });
    assert.deepEqual(nd.services, [{ type: 'dns', address: '10.20.0.1' }]);
    assert.deepEqual(JSON.parse((await get(direct.url, '/openstack/latest/vendor_data.json')).body.toString()), {});
    assert.equal((await get(direct.url, '/openstack/latest/nope')).status, 404);
    assert.equal((await get(direct.url, '/openstack/1999-01-01/meta_data.json')).status, 404);
  });

  it('serves the EC2 tree: listings, leaves, public keys, user-data', async () => {
    const root = (await get(direct.url, '/latest/meta-data/')).body.toString().split('\n');
    for (const k of ['instance-id', 'hostname', 'local-ipv4', 'public-ipv4', 'placement/', 'public-keys/', 'block-device-mapping/']) assert.ok(root.includes(k), `${k} in ${root.join(',')}`);
    assert.equal((await get(direct.url, '/latest/meta-data/instance-id')).body.toString(), 'i-6f1c3b9e');
    assert.equal((await get(direct.url, '/latest/meta-data/local-ipv4')).body.toString(), '10.20.0.5');
    assert.equal((await get(direct.url, '/latest/meta-data/public-ipv4')).body.toString(), '192.0.2.10');
    assert.equal((await get(direct.url, '/latest/meta-data/hostname')).body.toString(), 'web-1-test.novalocal');
    assert.equal((await get(direct.url, '/latest/meta-data/placement/availability-zone')).body.toString(), 'nova');
    assert.equal((await get(direct.url, '/latest/meta-data/public-keys/')).body.toString(), '0=k1');
    assert.equal((await get(direct.url, '/latest/meta-data/public-keys/0/')).body.toString(), 'openssh-key');
    assert.equal((await get(direct.url, '/latest/meta-data/public-keys/0/openssh-key')).body.toString(), src.publicKeys!.k1);
    assert.equal((await get(direct.url, '/2009-04-04/user-data')).body.toString(), '#cloud-config\nhello\n');
    assert.equal((await get(direct.url, '/latest/meta-data/nope')).status, 404);
    assert.equal((await get(direct.url, '/latest/meta-data/public-keys/0/_name')).status, 404);
  });

  it('finds the instance by the socket address, and ignores X-Forwarded-For unless told to use it', async () => {
    seen.length = 0;
    const r = await get(direct.url, '/openstack/latest/meta_data.json', { 'x-forwarded-for': '10.99.0.1' });
    assert.equal(r.status, 200);
    assert.deepEqual(seen, ['127.0.0.1']);
    assert.equal((await get(forwarded.url, '/openstack/latest/meta_data.json')).status, 404, 'loopback is no instance\'s address');
    const fw = await get(forwarded.url, '/openstack/latest/meta_data.json', { 'x-forwarded-for': '10.20.0.5, 127.0.0.1' });
    assert.equal(fw.status, 200);
    assert.equal(JSON.parse(fw.body.toString()).uuid, instance.uuid);
    assert.equal((await get(forwarded.url, '/latest/meta-data/instance-id', { 'x-forwarded-for': '10.20.0.6' })).status, 404);
  });
});

describe('config drive', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'swiftly-config-drive-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('is an ISO9660 volume labelled config-2 carrying what the metadata service serves', { skip: hasIsoTools() ? false : 'genisoimage/isoinfo not installed' }, async () => {
    const iso = join(tmp, 'disk.config');
    await makeConfigDrive(src, iso);
    const info = execFileSync('isoinfo', ['-d', '-i', iso]).toString();
    assert.match(info, /Volume id: config-2/);
    const read = (p: string) => execFileSync('isoinfo', ['-R', '-i', iso, '-x', p]);
    const md = JSON.parse(read('/openstack/latest/meta_data.json').toString());
    assert.equal(md.uuid, instance.uuid);
    assert.equal(md.hostname, 'web-1-test.novalocal');
    assert.equal(read('/openstack/latest/user_data').toString(), '#cloud-config\nhello\n');
    assert.equal(JSON.parse(read('/openstack/latest/network_data.json').toString()).networks[0].ip_address, '10.20.0.5');
    const ec2 = JSON.parse(read('/ec2/latest/meta-data.json').toString());
    assert.equal(ec2['instance-id'], 'i-6f1c3b9e');
    assert.deepEqual(ec2['public-keys'], { 0: { 'openssh-key': src.publicKeys!.k1 } });
    assert.deepEqual(JSON.parse(read('/openstack/latest/vendor_data.json').toString()), {});
    const files = execFileSync('isoinfo', ['-R', '-f', '-i', iso]).toString().split('\n').filter(Boolean).sort();
    assert.ok(files.includes('/openstack/latest/user_data') && files.includes('/ec2/latest/user-data'), files.join(','));
  });
});

const NETNS_MISSING = (await netnsUnavailable(['curl'])) ?? false;
const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));

function hasIsoTools(): boolean {
  try {
    execFileSync('genisoimage', ['--version'], { stdio: 'ignore' });
    execFileSync('isoinfo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('metadata service over the compute DB', () => {
  let tmp: string;
  let db: ComputeDb;
  let server: MetadataServer;
  let net: NetworkService;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'swiftly-metadata-db-'));
    db = await openComputeDb(join(tmp, 'compute.sqlite'));
    net = new NetworkService(db.sql);
    server = await startMetadataServer({ listen: { path: join(tmp, 'metadata.sock') }, logger: silentLogger, useForwardedFor: true, lookup: new DbMetadataLookup(db, net) });
  });
  after(async () => {
    await server?.close();
    await db?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A GET over the unix socket, as a forwarder in a guest network's namespace would send it. */
  const viaSocket = (path: string, from: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath: server.url, path, headers: { 'x-forwarded-for': from } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });

  it('finds the server by its fixed IP and serves its network, key pair and floating IP; a released address finds nothing', async () => {
    const network = await net.networks.createNetwork({ label: 'private', cidr: '10.31.0.0/24', dns: ['10.31.0.1'] });
    const kp = generateSshKeyPair();
    await net.keypairs.create({ name: 'mine', userId: 'test:tester', publicKey: kp.publicKey, fingerprint: sshFingerprint(kp.publicKey), type: 'ssh' });
    const inst = await db.createInstance({
      uuid: crypto.randomUUID(), display_name: 'db vm', project_id: 'AUTH_test', user_id: 'test:tester', image_ref: 'img', image_properties: {},
      flavor: (await db.getFlavor('1'))!, host: 'cn1', node: 'cn1', availability_zone: null, vm_state: VmState.ACTIVE, task_state: null,
      power_state: PowerState.RUNNING, metadata: {}, key_name: 'mine', user_data: Buffer.from('ud').toString('base64'),
    });
    const [iface] = await net.allocateForInstance(inst);
    await net.floating.ensurePool('public', '192.0.2.0/28');
    const fip = await net.floating.allocate('AUTH_test', 'public');
    assert.ok(await net.floating.associate(fip.id, iface.address, inst.uuid));

    const md = JSON.parse((await viaSocket('/openstack/latest/meta_data.json', iface.address)).body);
    assert.equal(md.uuid, inst.uuid);
    assert.equal(md.hostname, 'db-vm.novalocal');
    assert.deepEqual(md.public_keys, { mine: kp.publicKey });
    const nd = JSON.parse((await viaSocket('/openstack/latest/network_data.json', iface.address)).body);
    assert.equal(nd.links[0].ethernet_mac_address, iface.mac);
    assert.deepEqual([nd.networks[0].type, nd.networks[0].ip_address, nd.networks[0].netmask, nd.networks[0].network_id], ['ipv4', iface.address, '255.255.255.0', network.id]);
    assert.deepEqual(nd.networks[0].routes, [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.31.0.1' }]);
    assert.equal((await viaSocket('/latest/meta-data/local-ipv4', iface.address)).body, iface.address);
    assert.equal((await viaSocket('/latest/meta-data/public-ipv4', iface.address)).body, fip.address);
    assert.equal((await viaSocket('/latest/meta-data/public-keys/0/openssh-key', iface.address)).body, kp.publicKey);
    assert.equal((await viaSocket('/latest/user-data', iface.address)).body, 'ud');
    assert.equal((await viaSocket('/latest/meta-data/instance-id', '10.31.0.200')).status, 404, 'an address no server holds');
    await db.destroyInstance(inst.uuid);
    assert.equal((await viaSocket('/latest/meta-data/instance-id', iface.address)).status, 404, 'a deleted server\'s address finds nothing');
  });

  it('from a guest network namespace: 169.254.169.254:80 forwards to the service, which answers by the guest\'s fixed IP', { skip: NETNS_MISSING }, async () => {
    const network = await net.networks.createNetwork({ label: 'nsnet', cidr: '10.32.0.0/24', dns: [] });
    const inst = await db.createInstance({
      uuid: crypto.randomUUID(), display_name: 'ns vm', project_id: 'AUTH_test', user_id: 'test:tester', image_ref: 'img', image_properties: {},
      flavor: (await db.getFlavor('1'))!, host: 'cn1', node: 'cn1', availability_zone: null, vm_state: VmState.ACTIVE, task_state: null,
      power_state: PowerState.RUNNING, metadata: {}, key_name: null, user_data: Buffer.from('from the namespace').toString('base64'),
      requested_networks: [{ uuid: network.id }],
    });
    const [iface] = await net.allocateForInstance(inst);
    // Two namespaces of this test: "net" (the guest network's side: gateway + 169.254.169.254) and "guest" (the fixed IP).
    const lab = new NetnsLab();
    try {
      const ns = { net: await lab.add('mdnet'), guest: await lab.add('mdguest') };
      await lab.veth(ns.net, 'vh', ns.guest, 'vg');
      await lab.ip(ns.net, ['addr', 'add', '169.254.169.254/32', 'dev', 'lo']);
      await lab.ip(ns.net, ['addr', 'add', `${network.gateway}/24`, 'dev', 'vh']);
      await lab.ip(ns.guest, ['addr', 'add', `${iface.address}/24`, 'dev', 'vg']);
      await lab.ip(ns.guest, ['route', 'add', 'default', 'via', network.gateway]);
      const forwarder = lab.spawn(ns.net, process.execPath, [SWIFTLY, 'compute', 'metadata-forwarder', '--listen', '169.254.169.254:80', '--socket', server.url]);
      let out = '';
      forwarder.stdout!.on('data', (c: Buffer) => (out += c));
      forwarder.stderr!.on('data', (c: Buffer) => (out += c));
      const until = Date.now() + 20_000;
      while (!out.includes('metadata forwarder:')) {
        if (Date.now() > until || forwarder.exitCode !== null) throw new Error(`the forwarder did not start: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // lab.run is async: the metadata service answering runs in this process.
      const curl = (path: string, ...extra: string[]) => lab.run(ns.guest, 'curl', ['-sS', '--max-time', '10', ...extra, `http://169.254.169.254${path}`]);
      const md = JSON.parse(await curl('/openstack/latest/meta_data.json'));
      assert.equal(md.uuid, inst.uuid);
      assert.equal(md.hostname, 'ns-vm.novalocal');
      assert.equal(await curl('/latest/meta-data/local-ipv4'), iface.address);
      assert.equal(await curl('/openstack/latest/user_data'), 'from the namespace');
      // The guest can't pass itself off as another server: its own X-Forwarded-For is replaced.
      const spoofed = await curl('/latest/meta-data/instance-id', '-H', 'X-Forwarded-For: 10.31.0.250');
      assert.equal(spoofed, await curl('/latest/meta-data/instance-id'));
      assert.match(spoofed, /^i-[0-9a-f]{8}$/);
    } finally {
      await lab.cleanup();
      await db.destroyInstance(inst.uuid);
    }
  });
});
