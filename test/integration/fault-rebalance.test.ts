import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { StorageCluster } from './storage-cluster.js';
import { ProxyWriter, checkListings, checkObjects, handoffPartitions, runWorkload, settle } from './fault-workload.js';

let cluster: StorageCluster;
before(async () => {
  cluster = await StorageCluster.start({ nodes: 4, partPower: 4 });
});
after(async () => {
  await cluster.close();
});

test('a device added and the ring rebalanced: data moves to its new primaries, nothing lost, handoffs emptied', async () => {
  const proxy = await ProxyWriter.start(cluster);
  await proxy.createContainer('grow');
  const result = await runWorkload(proxy, 'grow', { objects: 40, ops: 60, concurrency: 4 });
  assert.equal(result.failed, 0);
  const ring = cluster.ring('object');
  const placement = (): string[] => Array.from({ length: ring.partCount }, (_, p) => ring.getPartNodes(p).map((n) => n.id).sort().join());
  const before = placement();
  cluster.addDevice(cluster.nodes[0], 'sdb');
  const after = placement();
  const moved = before.filter((b, p) => b !== after[p]).length;
  assert.ok(moved > 0, 'rebalance moved nothing');
  assert.ok((await checkObjects(cluster, 'grow', result)).length > 0, 'new primaries should start empty');
  assert.ok(handoffPartitions(cluster).length > 0);
  await settle(cluster);
  assert.deepEqual(await checkObjects(cluster, 'grow', result), []);
  assert.deepEqual(await checkListings(cluster, 'grow', result), []);
  assert.deepEqual(handoffPartitions(cluster), []);
});
