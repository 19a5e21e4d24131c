import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, openSync, readSync, writeSync, closeSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StorageCluster, backend } from './storage-cluster.js';
import { ACCOUNT, ProxyWriter } from './fault-workload.js';
import { createObjectAuditor, createObjectReplicator } from '../../consistency/index.js';

let cluster: StorageCluster;
let proxy: ProxyWriter;
before(async () => {
  cluster = await StorageCluster.start({ nodes: 4, partPower: 3 });
  proxy = await ProxyWriter.start(cluster);
});
after(async () => {
  await cluster.close();
});

test('a flipped byte: the auditor quarantines the replica, peers still serve it, the replicator restores it', async () => {
  await proxy.createContainer('rot');
  const body = 'precious bytes '.repeat(100);
  assert.ok(await proxy.put('rot', 'victim', body));
  const { partition, nodes } = cluster.objectNodes(ACCOUNT, 'rot', 'victim');
  const hash = cluster.hash(ACCOUNT, 'rot', 'victim');
  const bad = nodes[0];
  const hashDir = join(bad.node.devices, bad.device, 'objects', String(partition), hash.slice(-3), hash);
  const data = readdirSync(hashDir).find((f) => f.endsWith('.data'))!;
  const fd = openSync(join(hashDir, data), 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, 10);
  b[0] ^= 0x01;
  writeSync(fd, b, 0, 1, 10);
  closeSync(fd);

  // The zero-byte pass leaves it (it has data); the full pass catches it.
  await cluster.runOnEveryNode('object', 'object-auditor', createObjectAuditor, { mode: 'zbf' }, [bad.node]);
  assert.ok(existsSync(hashDir));
  const [auditor] = await cluster.runOnEveryNode('object', 'object-auditor', createObjectAuditor,
    { mode: 'all', files_per_second: '0', bytes_per_second: '0' }, [bad.node]);
  assert.equal((auditor as unknown as { stats: { ALL: { quarantined: number } } }).stats.ALL.quarantined, 1);
  assert.ok(!existsSync(hashDir), 'hash dir still in place');
  assert.ok(existsSync(join(bad.node.devices, bad.device, 'quarantined', 'objects', hash)));

  const path = `/${bad.device}/${partition}/${ACCOUNT}/rot/victim`;
  assert.equal((await backend(bad.port, 'GET', path)).status, 404);
  for (const n of nodes.slice(1)) {
    const r = await backend(n.port, 'GET', `/${n.device}/${partition}/${ACCOUNT}/rot/victim`);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), body);
  }
  await cluster.runOnEveryNode('object', 'object-replicator', createObjectReplicator);
  const r = await backend(bad.port, 'GET', path);
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), body);
});

test('the receiver refuses a corrupt file a peer tries to push', async () => {
  assert.ok(await proxy.put('rot', 'spread', 'do not spread rot'));
  const { partition, nodes } = cluster.objectNodes(ACCOUNT, 'rot', 'spread');
  const hash = cluster.hash(ACCOUNT, 'rot', 'spread');
  const dirOf = (i: number) => join(nodes[i].node.devices, nodes[i].device, 'objects', String(partition), hash.slice(-3), hash);
  // Corrupt node 0's copy and remove node 1's: node 0 must not seed node 1 with rot.
  const data = readdirSync(dirOf(0)).find((f) => f.endsWith('.data'))!;
  const fd = openSync(join(dirOf(0), data), 'r+');
  writeSync(fd, Buffer.from('X'), 0, 1, 0);
  closeSync(fd);
  const { rmSync } = await import('node:fs');
  rmSync(dirOf(1), { recursive: true });
  await cluster.runOnEveryNode('object', 'object-replicator', createObjectReplicator, {}, [nodes[0].node]);
  const r = await backend(nodes[1].port, 'GET', `/${nodes[1].device}/${partition}/${ACCOUNT}/rot/spread`);
  assert.equal(r.status, 404);
  // The healthy replica fills it in.
  await cluster.runOnEveryNode('object', 'object-replicator', createObjectReplicator, {}, [nodes[2].node]);
  const r2 = await backend(nodes[1].port, 'GET', `/${nodes[1].device}/${partition}/${ACCOUNT}/rot/spread`);
  assert.equal(r2.body.toString(), 'do not spread rot');
});
