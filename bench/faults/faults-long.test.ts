/**
 * The long fault set (`npm run test:faults`): the short fault tests of
 * test/integration at a larger scale and with repeated faults, written
 * through swiftly's proxy. Each test has a proxy of its own, so none
 * inherits another's error limiting (a node killed in one is skipped by
 * that proxy for error_suppression_interval).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, openSync, readdirSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { StorageCluster } from '../../test/integration/storage-cluster.js';
import {
  ACCOUNT, ProxyWriter, checkListings, checkObjects, handoffPartitions, runWorkload, settle,
} from '../../test/integration/fault-workload.js';
import { createObjectAuditor } from '../../consistency/index.js';

let cluster: StorageCluster;
before(async () => {
  cluster = await StorageCluster.start({ nodes: 5, partPower: 6, childNodes: [1, 3] });
});
after(async () => {
  await cluster.close();
});

test('two nodes killed (SIGKILL) in turn during a long mixed workload; everything converges', async () => {
  const proxy = await ProxyWriter.start(cluster);
  await proxy.createContainer('long');
  let pending: Promise<void> | undefined;
  const result = await runWorkload(proxy, 'long', {
    objects: 150, ops: 600, concurrency: 6, seed: 7,
    during: async (i) => {
      if (i === 100) pending = cluster.stopNode(cluster.nodes[1]);
      if (i === 250) {
        await pending;
        await cluster.startNode(cluster.nodes[1]);
        pending = cluster.stopNode(cluster.nodes[3]);
      }
      if (i === 450) {
        await pending;
        await cluster.startNode(cluster.nodes[3]);
      }
    },
  });
  assert.ok(result.acked > 500, `acked ${result.acked}`);
  await settle(cluster);
  assert.deepEqual(await checkObjects(cluster, 'long', result), []);
  assert.deepEqual(await checkListings(cluster, 'long', result), []);
  assert.deepEqual(handoffPartitions(cluster), []);
});

test('bit rot on many replicas, a wiped device and a new device at once', async () => {
  const proxy = await ProxyWriter.start(cluster);
  await proxy.createContainer('mix');
  const result = await runWorkload(proxy, 'mix', { objects: 100, ops: 200, concurrency: 6, seed: 11 });
  // Rot one replica of every tenth live object (on its first primary that
  // holds one: a write the proxy sent to a handoff is not on its primary).
  let rotted = 0;
  for (const [name, e] of result.expected) {
    if (e.kind !== 'put' || Number(name.slice(4)) % 10 !== 0) continue;
    const { partition, nodes } = cluster.objectNodes(ACCOUNT, 'mix', name);
    const hash = cluster.hash(ACCOUNT, 'mix', name);
    const dataIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.data')) : undefined);
    const dir = nodes
      .map((n) => join(n.node.devices, n.device, 'objects', String(partition), hash.slice(-3), hash))
      .find((d) => dataIn(d) !== undefined);
    if (!dir) continue;
    const data = dataIn(dir)!;
    const fd = openSync(join(dir, data), 'r+');
    writeSync(fd, Buffer.from('\0'), 0, 1, 3);
    closeSync(fd);
    rotted++;
  }
  assert.ok(rotted > 0);
  const audits = await cluster.runOnEveryNode('object', 'object-auditor', createObjectAuditor, { mode: 'all', files_per_second: '0', bytes_per_second: '0' });
  const quarantined = audits.reduce((n, a) => n + (a as unknown as { stats: { ALL: { quarantined: number } } }).stats.ALL.quarantined, 0);
  assert.equal(quarantined, rotted);
  cluster.wipeDevice(cluster.nodes[4], 'sda');
  cluster.addDevice(cluster.nodes[2], 'sdb');
  await settle(cluster);
  await settle(cluster);
  assert.deepEqual(await checkObjects(cluster, 'mix', result), []);
  assert.deepEqual(await checkListings(cluster, 'mix', result), []);
  assert.deepEqual(handoffPartitions(cluster), []);
});
