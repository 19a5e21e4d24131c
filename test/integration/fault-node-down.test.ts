import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { StorageCluster } from './storage-cluster.js';
import { ProxyWriter, checkListings, checkObjects, handoffPartitions, runWorkload, settle } from './fault-workload.js';

let cluster: StorageCluster;
before(async () => {
  // Node 1 runs as child processes so it can be killed with SIGKILL.
  cluster = await StorageCluster.start({ nodes: 4, partPower: 4, childNodes: [1] });
});
after(async () => {
  await cluster.close();
});

test('a node killed (SIGKILL) during a PUT/overwrite/DELETE workload catches up: objects and listings converge', async () => {
  const proxy = await ProxyWriter.start(cluster);
  await proxy.createContainer('work');
  const victim = cluster.nodes[1];
  let stop: Promise<void> | undefined;
  const result = await runWorkload(proxy, 'work', {
    objects: 40, ops: 160, concurrency: 4,
    during: async (i) => {
      // kill -9 mid-flight (requests to it in progress are cut), restart later.
      if (i === 50) stop = cluster.killNode(victim);
      if (i === 120) {
        await stop;
        await cluster.startNode(victim);
      }
    },
  });
  assert.ok(result.acked > 100, `acked ${result.acked}`);
  // Before repair the victim misses writes (so the test proves something).
  assert.ok((await checkObjects(cluster, 'work', result)).length > 0, 'expected stale replicas before repair');
  // The proxy stood a handoff in for the dead node's replicas.
  assert.ok(handoffPartitions(cluster).length > 0, 'expected writes on handoffs before repair');
  await settle(cluster);
  assert.deepEqual(await checkObjects(cluster, 'work', result), []);
  assert.deepEqual(await checkListings(cluster, 'work', result), []);
  assert.deepEqual(handoffPartitions(cluster), []);
});
