import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StorageCluster, backend, nextTimestamp } from './storage-cluster.js';
import { ProxyWriter } from './fault-workload.js';
import { createContainerUpdater, ObjectExpirer } from '../../consistency/index.js';
import { expirerContainer } from '../../common/index.js';

let cluster: StorageCluster;
before(async () => {
  cluster = await StorageCluster.start({ nodes: 4, partPower: 3 });
});
after(async () => {
  await cluster.close();
});

const ACCOUNT = 'AUTH_fault';

async function putExpiring(name: string, deleteAt: number, body: string): Promise<void> {
  const { partition, nodes } = cluster.ring('object').getNodes(ACCOUNT, 'exp', name);
  const c = cluster.ring('container').getNodes(ACCOUNT, 'exp');
  const slot = expirerContainer(deleteAt, 86400, cluster.swiftConf.hashPath, ACCOUNT, 'exp', name);
  const q = cluster.ring('container').getNodes('.expiring_objects', slot);
  const ts = nextTimestamp();
  for (const [i, n] of nodes.entries()) {
    const r = await backend(n.port, 'PUT', `/${n.device}/${partition}/${ACCOUNT}/exp/${name}`, {
      'X-Timestamp': ts, 'Content-Type': 'text/plain', 'Content-Length': String(body.length), 'X-Delete-At': String(deleteAt),
      'X-Container-Host': `127.0.0.1:${c.nodes[i].port}`, 'X-Container-Device': c.nodes[i].device, 'X-Container-Partition': String(c.partition),
      'X-Delete-At-Host': `127.0.0.1:${q.nodes[i].port}`, 'X-Delete-At-Device': q.nodes[i].device,
      'X-Delete-At-Partition': String(q.partition), 'X-Delete-At-Container': slot,
    }, body);
    assert.equal(r.status, 201);
  }
}

async function listing(account: string, container: string): Promise<string[]> {
  const { partition, nodes } = cluster.ring('container').getNodes(account, container);
  const r = await backend(nodes[0].port, 'GET', `/${nodes[0].device}/${partition}/${account}/${container}?format=json`);
  if (r.status === 404) return [];
  return (JSON.parse(r.body.toString()) as { name: string }[]).map((e) => e.name);
}

test('due objects are deleted through the .expiring_objects queue; later ones stay', async () => {
  await (await ProxyWriter.start(cluster)).createContainer('exp');
  const now = Math.floor(Date.now() / 1000);
  await putExpiring('soon', now + 5, 'short-lived');
  await putExpiring('later', now + 100_000, 'long-lived');
  assert.deepEqual(await listing(ACCOUNT, 'exp'), ['later', 'soon']);
  // The container-updater reports the queue containers to the queue account.
  await cluster.runOnEveryNode('container', 'container-updater', createContainerUpdater);

  const expirer = new ObjectExpirer({ conf: cluster.conf(cluster.nodes[0], 'object'), swiftConf: cluster.swiftConf, logger: (await import('../../common/index.js')).silentLogger });
  expirer.now = () => now + 10;
  try {
    await expirer.runOnce(new AbortController().signal);
  } finally {
    await expirer.close();
  }
  assert.equal(expirer.stats.objects, 1);
  assert.equal(expirer.stats.pops, 1);
  const soonSlot = expirerContainer(now + 5, 86400, cluster.swiftConf.hashPath, ACCOUNT, 'exp', 'soon');
  const laterSlot = expirerContainer(now + 100_000, 86400, cluster.swiftConf.hashPath, ACCOUNT, 'exp', 'later');
  assert.deepEqual(await listing('.expiring_objects', soonSlot), []);
  assert.deepEqual(await listing('.expiring_objects', laterSlot), [`${now + 100_000}-${ACCOUNT}/exp/later`]);
  assert.deepEqual(await listing(ACCOUNT, 'exp'), ['later']);
  const { partition, nodes } = cluster.objectNodes(ACCOUNT, 'exp', 'soon');
  const hash = cluster.hash(ACCOUNT, 'exp', 'soon');
  for (const n of nodes) {
    const files = readdirSync(join(n.node.devices, n.device, 'objects', String(partition), hash.slice(-3), hash));
    assert.ok(files.some((f) => f.endsWith('.ts')), `no tombstone on ${n.port}: ${files}`);
  }
  const later = cluster.objectNodes(ACCOUNT, 'exp', 'later');
  const r = await backend(later.nodes[0].port, 'GET', `/${later.nodes[0].device}/${later.partition}/${ACCOUNT}/exp/later`);
  assert.equal(r.body.toString(), 'long-lived');
});
