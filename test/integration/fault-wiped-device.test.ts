import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { StorageCluster } from './storage-cluster.js';
import { ProxyWriter, checkListings, checkObjects, runWorkload, settle } from './fault-workload.js';

let cluster: StorageCluster;
before(async () => {
  cluster = await StorageCluster.start({ nodes: 4, partPower: 4 });
});
after(async () => {
  await cluster.close();
});

test('a wiped device is rebuilt by the replicators', async () => {
  const proxy = await ProxyWriter.start(cluster);
  await proxy.createContainer('wipe');
  const result = await runWorkload(proxy, 'wipe', { objects: 40, ops: 60, concurrency: 4 });
  assert.equal(result.failed, 0);
  cluster.wipeDevice(cluster.nodes[2], 'sda');
  assert.ok((await checkObjects(cluster, 'wipe', result)).length > 0);
  await settle(cluster);
  assert.deepEqual(await checkObjects(cluster, 'wipe', result), []);
  assert.deepEqual(await checkListings(cluster, 'wipe', result), []);
});
