import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { StorageCluster, backend, nextTimestamp } from './storage-cluster.js';
import { createAccountReplicator, createContainerAuditor, createContainerReplicator } from '../../consistency/index.js';

let cluster: StorageCluster;
before(async () => {
  cluster = await StorageCluster.start({ nodes: 4, partPower: 3 });
});
after(async () => {
  await cluster.close();
});

const containerNodes = (c: string) => {
  const { partition, nodes } = cluster.ring('container').getNodes('AUTH_db', c);
  return { partition, nodes: nodes.map((n) => ({ ...n, node: cluster.nodes.find((x) => x.ports.container === n.port)! })) };
};

async function listing(port: number, dev: string, part: number, c: string): Promise<string[]> {
  const r = await backend(port, 'GET', `/${dev}/${part}/AUTH_db/${c}?format=json`);
  assert.equal(r.status, 200, `listing on ${port}: ${r.status}`);
  return (JSON.parse(r.body.toString()) as { name: string }[]).map((e) => e.name);
}

const putRow = (port: number, dev: string, part: number, c: string, o: string) =>
  backend(port, 'PUT', `/${dev}/${part}/AUTH_db/${c}/${o}`, {
    'X-Timestamp': nextTimestamp(), 'X-Size': '1', 'X-Content-Type': 'text/plain', 'X-Etag': 'd41d8cd98f00b204e9800998ecf8427e',
  });

const replicateContainers = () => cluster.runOnEveryNode('container', 'container-replicator', createContainerReplicator);

test('rows converge between replicas; a missing replica gets the whole DB', async () => {
  const { partition, nodes } = containerNodes('c1');
  for (const n of nodes.slice(0, 2)) {
    assert.equal((await backend(n.port, 'PUT', `/${n.device}/${partition}/AUTH_db/c1`, { 'X-Timestamp': nextTimestamp() })).status, 201);
  }
  assert.equal((await putRow(nodes[0].port, nodes[0].device, partition, 'c1', 'a')).status, 201);
  assert.equal((await putRow(nodes[1].port, nodes[1].device, partition, 'c1', 'b')).status, 201);
  await replicateContainers();
  for (const n of nodes) assert.deepEqual(await listing(n.port, n.device, partition, 'c1'), ['a', 'b']);
  // Later rows travel as diffs from the sync points.
  for (let i = 0; i < 5; i++) assert.equal((await putRow(nodes[2].port, nodes[2].device, partition, 'c1', `z${i}`)).status, 201);
  await replicateContainers();
  for (const n of nodes) assert.deepEqual(await listing(n.port, n.device, partition, 'c1'), ['a', 'b', 'z0', 'z1', 'z2', 'z3', 'z4']);
});

test('a handoff DB is moved home and removed', async () => {
  const { partition, nodes } = containerNodes('c2');
  const handoff = cluster.nodes.find((n) => !nodes.some((p) => p.node === n))!;
  const port = handoff.ports.container;
  assert.equal((await backend(port, 'PUT', `/sda/${partition}/AUTH_db/c2`, { 'X-Timestamp': nextTimestamp() })).status, 201);
  assert.equal((await putRow(port, 'sda', partition, 'c2', 'h')).status, 201);
  const hash = cluster.hash('AUTH_db', 'c2');
  const dbFile = join(handoff.devices, 'sda', 'containers', String(partition), hash.slice(-3), hash, `${hash}.db`);
  assert.ok(existsSync(dbFile));
  await replicateContainers();
  for (const n of nodes) assert.deepEqual(await listing(n.port, n.device, partition, 'c2'), ['h']);
  assert.ok(!existsSync(dbFile), 'handoff DB still there');
});

test('account DBs replicate too', async () => {
  const { partition, nodes } = cluster.ring('account').getNodes('AUTH_acct');
  const first = nodes[0];
  assert.equal((await backend(first.port, 'PUT', `/${first.device}/${partition}/AUTH_acct`, { 'X-Timestamp': nextTimestamp() })).status, 201);
  const r = await backend(first.port, 'PUT', `/${first.device}/${partition}/AUTH_acct/cont`, {
    'X-Put-Timestamp': nextTimestamp(), 'X-Delete-Timestamp': '0', 'X-Object-Count': '3', 'X-Bytes-Used': '30',
    'X-Backend-Storage-Policy-Index': '0',
  });
  assert.equal(r.status, 201);
  await cluster.runOnEveryNode('account', 'account-replicator', createAccountReplicator);
  for (const n of nodes) {
    const res = await backend(n.port, 'GET', `/${n.device}/${partition}/AUTH_acct?format=json`);
    assert.equal(res.status, 200);
    assert.deepEqual((JSON.parse(res.body.toString()) as { name: string }[]).map((e) => e.name), ['cont']);
  }
});

test('a replica far behind gets the whole DB merged in (rsync_then_merge)', async () => {
  const { partition, nodes } = containerNodes('c3');
  for (const n of nodes) {
    assert.equal((await backend(n.port, 'PUT', `/${n.device}/${partition}/AUTH_db/c3`, { 'X-Timestamp': nextTimestamp() })).status, 201);
  }
  for (let i = 0; i < 30; i++) assert.equal((await putRow(nodes[0].port, nodes[0].device, partition, 'c3', `r${String(i).padStart(2, '0')}`)).status, 201);
  assert.equal((await putRow(nodes[1].port, nodes[1].device, partition, 'c3', 'only-on-1')).status, 201);
  const [replicator] = await cluster.runOnEveryNode('container', 'container-replicator', createContainerReplicator, { per_diff: '10' },
    [nodes[0].node]);
  assert.ok((replicator as unknown as { stats: { remote_merge: number } }).stats.remote_merge >= 1, 'expected a whole-DB merge');
  const want = [...Array.from({ length: 30 }, (_, i) => `r${String(i).padStart(2, '0')}`), 'only-on-1'].sort();
  assert.deepEqual(await listing(nodes[1].port, nodes[1].device, partition, 'c3'), want);
});

test('a corrupt container DB is quarantined by the auditor and restored by the replicator', async () => {
  const { partition, nodes } = containerNodes('c4');
  for (const n of nodes) {
    assert.equal((await backend(n.port, 'PUT', `/${n.device}/${partition}/AUTH_db/c4`, { 'X-Timestamp': nextTimestamp() })).status, 201);
  }
  assert.equal((await putRow(nodes[0].port, nodes[0].device, partition, 'c4', 'keep')).status, 201);
  await replicateContainers();
  const hash = cluster.hash('AUTH_db', 'c4');
  const bad = nodes[1];
  const dbFile = join(bad.node.devices, bad.device, 'containers', String(partition), hash.slice(-3), hash, `${hash}.db`);
  // The server may hold it open: stop it, scribble over the header, start it again.
  await cluster.stopNode(bad.node);
  const { openSync, writeSync, closeSync, rmSync } = await import('node:fs');
  rmSync(`${dbFile}-wal`, { force: true });
  rmSync(`${dbFile}-shm`, { force: true });
  const fd = openSync(dbFile, 'r+');
  writeSync(fd, Buffer.alloc(512, 0x41), 0, 512, 0);
  closeSync(fd);
  await cluster.startNode(bad.node);
  const [auditor] = await cluster.runOnEveryNode('container', 'container-auditor', createContainerAuditor, {}, [bad.node]);
  assert.equal((auditor as unknown as { stats: { quarantined: number } }).stats.quarantined, 1);
  assert.ok(existsSync(join(bad.node.devices, bad.device, 'quarantined', 'containers', hash)));
  await replicateContainers();
  assert.deepEqual(await listing(bad.port, bad.device, partition, 'c4'), ['keep']);
});

test("a synced container is in every replica's sync store once replicated; clearing its target takes the links away", async () => {
  const { partition, nodes } = containerNodes('c5');
  const hash = cluster.hash('AUTH_db', 'c5');
  const link = (n: (typeof nodes)[number]) => join(n.node.devices, n.device, 'sync_containers', String(partition), hash.slice(-3), hash, `${hash}.db`);
  for (const n of nodes) assert.equal((await backend(n.port, 'PUT', `/${n.device}/${partition}/AUTH_db/c5`, { 'X-Timestamp': nextTimestamp() })).status, 201);
  const first = nodes[0];
  const post = (headers: Record<string, string>) => backend(first.port, 'POST', `/${first.device}/${partition}/AUTH_db/c5`, { 'X-Timestamp': nextTimestamp(), ...headers });
  assert.equal((await post({ 'X-Container-Sync-To': 'http://127.0.0.1/v1/AUTH_other/c5', 'X-Container-Sync-Key': 'k' })).status, 204);
  assert.equal(readlinkSync(link(first)), join(first.node.devices, first.device, 'containers', String(partition), hash.slice(-3), hash, `${hash}.db`));
  assert.ok(!existsSync(link(nodes[1])), 'only the replica that took the POST so far');
  // A replica takes the metadata in one pass and links its DB in its own next one.
  await replicateContainers();
  await replicateContainers();
  for (const n of nodes) assert.ok(lstatSync(link(n)).isSymbolicLink(), `no sync store link on ${n.port}`);
  assert.equal((await post({ 'X-Container-Sync-To': '' })).status, 204);
  assert.ok(!existsSync(join(first.node.devices, first.device, 'sync_containers', String(partition))), 'the link and its emptied dirs go');
  await replicateContainers();
  await replicateContainers();
  for (const n of nodes) assert.ok(!existsSync(link(n)), `sync store link left on ${n.port}`);
});
