import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StorageCluster, backend, nextTimestamp } from './storage-cluster.js';
import { createObjectReplicator } from '../../consistency/index.js';
import { silentLogger } from '../../common/index.js';

let cluster: StorageCluster;
before(async () => {
  cluster = await StorageCluster.start({ nodes: 4, partPower: 3 });
});
after(async () => {
  await cluster.close();
});

const objPath = (dev: string, part: number, name: string): string => `/${dev}/${part}/AUTH_test/c/${name}`;

async function put(port: number, dev: string, part: number, name: string, body: string, ts = nextTimestamp()): Promise<string> {
  const r = await backend(port, 'PUT', objPath(dev, part, name), {
    'X-Timestamp': ts, 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(body)),
  }, body);
  assert.equal(r.status, 201);
  return ts;
}

const replicate = () => cluster.runOnEveryNode('object', 'object-replicator', createObjectReplicator);

test('a replica missing on one primary is pushed there', async () => {
  const { partition, nodes } = cluster.objectNodes('AUTH_test', 'c', 'o1');
  await put(nodes[0].port, nodes[0].device, partition, 'o1', 'hello');
  await put(nodes[1].port, nodes[1].device, partition, 'o1', 'hello');
  assert.equal((await backend(nodes[2].port, 'GET', objPath(nodes[2].device, partition, 'o1'))).status, 404);
  await replicate();
  for (const n of nodes) {
    const r = await backend(n.port, 'GET', objPath(n.device, partition, 'o1'));
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'hello');
  }
});

test('newest wins: an overwrite and a DELETE reach every primary', async () => {
  const { partition, nodes } = cluster.objectNodes('AUTH_test', 'c', 'o2');
  for (const n of nodes) await put(n.port, n.device, partition, 'o2', 'v1');
  await put(nodes[0].port, nodes[0].device, partition, 'o2', 'v2-newer');
  await replicate();
  for (const n of nodes) assert.equal((await backend(n.port, 'GET', objPath(n.device, partition, 'o2'))).body.toString(), 'v2-newer');
  const del = await backend(nodes[1].port, 'DELETE', objPath(nodes[1].device, partition, 'o2'), { 'X-Timestamp': nextTimestamp() });
  assert.equal(del.status, 204);
  await replicate();
  for (const n of nodes) assert.equal((await backend(n.port, 'GET', objPath(n.device, partition, 'o2'))).status, 404);
});

test('a handoff partition goes to its primaries and is then removed', async () => {
  const { partition, nodes } = cluster.objectNodes('AUTH_test', 'c', 'o3');
  const handoff = cluster.nodes.find((n) => !nodes.some((p) => p.node === n))!;
  await put(handoff.ports.object, 'sda', partition, 'o3', 'from a handoff');
  const partDir = join(handoff.devices, 'sda', 'objects', String(partition));
  assert.ok(existsSync(partDir));
  await replicate();
  for (const n of nodes) assert.equal((await backend(n.port, 'GET', objPath(n.device, partition, 'o3'))).body.toString(), 'from a handoff');
  assert.ok(!existsSync(partDir), `handoff partition left: ${existsSync(partDir) ? readdirSync(partDir).join(',') : ''}`);
});

test('a tombstone past reclaim_age is reclaimed', async () => {
  const { partition, nodes } = cluster.objectNodes('AUTH_test', 'c', 'o4');
  const old = `${Math.floor(Date.now() / 1000) - 1000}.00000`;
  for (const n of nodes) {
    const r = await backend(n.port, 'DELETE', objPath(n.device, partition, 'o4'), { 'X-Timestamp': old });
    assert.equal(r.status, 404);
  }
  const hash = cluster.hash('AUTH_test', 'c', 'o4');
  const tsDir = (i: number) => join(nodes[i].node.devices, nodes[i].device, 'objects', String(partition), hash.slice(-3), hash);
  assert.ok(existsSync(tsDir(0)));
  await cluster.runOnEveryNode('object', 'object-replicator', createObjectReplicator, { reclaim_age: '100' });
  for (let i = 0; i < 3; i++) assert.ok(!existsSync(tsDir(i)), 'tombstone still there');
});

test('a primary without its disk (507): the replica goes to a handoff, and back home once the disk returns', async () => {
  const { partition, nodes } = cluster.objectNodes('AUTH_test', 'c', 'o5');
  await put(nodes[0].port, nodes[0].device, partition, 'o5', 'kept safe');
  const { renameSync } = await import('node:fs');
  const gone = join(nodes[1].node.devices, nodes[1].device);
  renameSync(gone, `${gone}.away`);
  await cluster.runOnEveryNode('object', 'object-replicator', createObjectReplicator, {}, [nodes[0].node]);
  const handoff = cluster.ring('object').moreNodes(partition)[Symbol.iterator]().next().value!;
  const r = await backend(handoff.port, 'GET', objPath(handoff.device, partition, 'o5'));
  assert.equal(r.body.toString(), 'kept safe');
  renameSync(`${gone}.away`, gone);
  await replicate();
  for (const n of nodes) assert.equal((await backend(n.port, 'GET', objPath(n.device, partition, 'o5'))).body.toString(), 'kept safe');
  assert.equal((await backend(handoff.port, 'GET', objPath(handoff.device, partition, 'o5'))).status, 404);
});

test('handoffs_first orders handoff partitions first; handoffs_only runs only them', async () => {
  const { ObjectReplicator } = await import('../../consistency/index.js');
  const { partition, nodes } = cluster.objectNodes('AUTH_test', 'c', 'o6');
  const handoff = cluster.nodes.find((n) => !nodes.some((p) => p.node === n))!;
  await put(handoff.ports.object, 'sda', partition, 'o6', 'x');
  const make = (extra: Record<string, string>) => new ObjectReplicator({
    conf: cluster.conf(handoff, 'object', extra), swiftConf: cluster.swiftConf, logger: silentLogger,
  });
  const first = make({ handoffs_first: 'yes' });
  const jobs = await first.collectJobs();
  const firstPrimary = jobs.findIndex((j) => !j.handoff);
  assert.ok(jobs.some((j) => j.handoff));
  assert.ok(jobs.slice(firstPrimary === -1 ? jobs.length : firstPrimary).every((j) => !j.handoff), 'a handoff after a primary');
  await first.close();
  const only = make({ handoffs_only: 'yes' });
  assert.ok((await only.collectJobs()).every((j) => j.handoff));
  await only.runOnce(new AbortController().signal);
  await only.close();
  assert.equal(only.stats.attempted, jobs.filter((j) => j.handoff).length);
  assert.ok(!existsSync(join(handoff.devices, 'sda', 'objects', String(partition))));
});

test('only the suffixes that differ are sent: in-sync peers are hash matches, one new object is one file per peer', async () => {
  const { ObjectReplicator } = await import('../../consistency/index.js');
  const { partition, nodes } = cluster.objectNodes('AUTH_test', 'c', 'sfx-base');
  // Objects of this partition in several suffixes, on every primary.
  const names: string[] = [];
  const suffixes = new Set<string>();
  for (let i = 0; names.length < 5 && i < 10_000; i++) {
    const name = `sfx-${i}`;
    const suffix = cluster.hash('AUTH_test', 'c', name).slice(-3);
    if (cluster.objectNodes('AUTH_test', 'c', name).partition !== partition || suffixes.has(suffix)) continue;
    names.push(name);
    suffixes.add(suffix);
  }
  assert.equal(names.length, 5);
  for (const name of names) {
    const ts = nextTimestamp();
    for (const n of nodes) await put(n.port, n.device, partition, name, name, ts);
  }
  await replicate(); // whatever earlier tests left in this partition is settled too
  const pass = async () => {
    const r = new ObjectReplicator({
      conf: cluster.conf(nodes[0].node, 'object', { partitions: String(partition) }), swiftConf: cluster.swiftConf, logger: silentLogger,
    });
    try {
      await r.runOnce(new AbortController().signal);
    } finally {
      await r.close();
    }
    return r.stats;
  };
  const settled = await pass();
  assert.equal(settled.attempted, 1);
  assert.equal(settled.hashmatch, 2, 'both peers match on every suffix');
  assert.equal(settled.files_sent, 0);
  assert.equal(settled.suffix_sync, 0);

  // One new object, on this node only, in one of those suffixes.
  let extra = '';
  for (let i = 0; !extra; i++) {
    const name = `sfx-extra-${i}`;
    const suffix = cluster.hash('AUTH_test', 'c', name).slice(-3);
    if (cluster.objectNodes('AUTH_test', 'c', name).partition === partition && suffixes.has(suffix)) extra = name;
  }
  await put(nodes[0].port, nodes[0].device, partition, extra, 'only here');
  const stats = await pass();
  assert.equal(stats.suffix_sync, 2, 'one suffix synced to each of the two peers');
  assert.equal(stats.files_sent, 2, 'one file sent to each peer, not the suffix\'s or partition\'s others');
  assert.equal(stats.hashmatch, 0);
  assert.ok(stats.suffix_count >= 2 * suffixes.size, `the partition's other suffixes were compared (${stats.suffix_count}) and left alone`);
  for (const n of nodes) assert.equal((await backend(n.port, 'GET', objPath(n.device, partition, extra))).body.toString(), 'only here');
  const after = await pass();
  assert.equal(after.hashmatch, 2);
  assert.equal(after.files_sent, 0);
});

test('a handoff made a primary by a ring pushed during the pass keeps its files', async () => {
  const { ObjectReplicator } = await import('../../consistency/index.js');
  const { Ring, readRingFile, writeRingFile } = await import('../../ring/index.js');
  const { partition, nodes } = cluster.objectNodes('AUTH_test', 'c', 'o7');
  const handoff = cluster.nodes.find((n) => !nodes.some((p) => p.node === n))!;
  await put(handoff.ports.object, 'sda', partition, 'o7', 'now on a primary');
  const ringPath = join(cluster.swiftDir, 'object.ring.gz');
  const oldRing = readRingFile(ringPath);
  // The replicator read the ring before the push, and is not due to look at the file again (Swift's reload_time).
  const ring = new Ring(cluster.swiftDir, { ringName: 'object', hashPath: cluster.swiftConf.hashPath, reloadTime: 3600 });
  const r = new ObjectReplicator({
    conf: cluster.conf(handoff, 'object', { partitions: String(partition) }), swiftConf: cluster.swiftConf, logger: silentLogger,
  }, new Map([[0, ring]]));
  // The pushed ring: the handoff's device replaces the partition's last primary.
  const pushed = readRingFile(ringPath);
  const devId = (port: number, device: string) => pushed.devs.find((d) => d?.port === port && d.device === device)!.id;
  const row = pushed.replica2part2dev.find((r2p) => r2p[partition] === devId(nodes[2].port, nodes[2].device))!;
  row[partition] = devId(handoff.ports.object, 'sda');
  writeRingFile(ringPath, pushed);
  try {
    await r.runOnce(new AbortController().signal);
  } finally {
    writeRingFile(ringPath, oldRing);
    await r.close();
  }
  assert.equal(r.stats.attempted, 1);
  assert.equal(r.stats.remove, 0, 'the partition was removed from its new primary');
  assert.equal((await backend(handoff.ports.object, 'GET', objPath('sda', partition, 'o7'))).body.toString(), 'now on a primary');
});
