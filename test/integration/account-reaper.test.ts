import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { StorageCluster, backend, nextTimestamp } from './storage-cluster.js';
import { createAccountReaper } from '../../consistency/index.js';

let cluster: StorageCluster;
before(async () => {
  cluster = await StorageCluster.start({ nodes: 4, partPower: 3 });
});
after(async () => {
  await cluster.close();
});

const ACCOUNT = 'AUTH_reap';

test("a deleted account's containers and objects are reaped", async () => {
  const a = cluster.ring('account').getNodes(ACCOUNT);
  for (const n of a.nodes) assert.equal((await backend(n.port, 'PUT', `/${n.device}/${a.partition}/${ACCOUNT}`, { 'X-Timestamp': nextTimestamp() })).status, 201);
  const objects: { c: string; o: string }[] = [];
  for (const c of ['c1', 'c2', 'c3']) {
    const cn = cluster.ring('container').getNodes(ACCOUNT, c);
    const ts = nextTimestamp();
    for (const [i, n] of cn.nodes.entries()) {
      const r = await backend(n.port, 'PUT', `/${n.device}/${cn.partition}/${ACCOUNT}/${c}`, {
        'X-Timestamp': ts, 'X-Account-Host': `127.0.0.1:${a.nodes[i].port}`, 'X-Account-Device': a.nodes[i].device,
        'X-Account-Partition': String(a.partition),
      });
      assert.equal(r.status, 201);
    }
    for (const o of ['x', 'y']) {
      const on = cluster.ring('object').getNodes(ACCOUNT, c, o);
      const ots = nextTimestamp();
      for (const [i, n] of on.nodes.entries()) {
        const r = await backend(n.port, 'PUT', `/${n.device}/${on.partition}/${ACCOUNT}/${c}/${o}`, {
          'X-Timestamp': ots, 'Content-Type': 'text/plain', 'Content-Length': '1',
          'X-Container-Host': `127.0.0.1:${cn.nodes[i].port}`, 'X-Container-Device': cn.nodes[i].device, 'X-Container-Partition': String(cn.partition),
        }, 'z');
        assert.equal(r.status, 201);
      }
      objects.push({ c, o });
    }
  }
  const delTs = nextTimestamp();
  for (const n of a.nodes) assert.equal((await backend(n.port, 'DELETE', `/${n.device}/${a.partition}/${ACCOUNT}`, { 'X-Timestamp': delTs })).status, 204);

  const reapers = await cluster.runOnEveryNode('account', 'account-reaper', createAccountReaper);
  const deleted = reapers.reduce((s, r) => s + (r as unknown as { stats: { objects_deleted: number } }).stats.objects_deleted, 0);
  assert.equal(deleted, objects.length, 'each object reaped once, by one account replica');
  for (const { c, o } of objects) {
    const on = cluster.ring('object').getNodes(ACCOUNT, c, o);
    for (const n of on.nodes) assert.equal((await backend(n.port, 'GET', `/${n.device}/${on.partition}/${ACCOUNT}/${c}/${o}`)).status, 404);
  }
  for (const c of ['c1', 'c2', 'c3']) {
    const cn = cluster.ring('container').getNodes(ACCOUNT, c);
    for (const n of cn.nodes) assert.equal((await backend(n.port, 'GET', `/${n.device}/${cn.partition}/${ACCOUNT}/${c}`)).status, 404);
  }
});
