import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageCluster, backend, nextTimestamp, type ClusterNode } from './storage-cluster.js';
import { createObjectUpdater } from '../../consistency/index.js';

let cluster: StorageCluster;
before(async () => {
  cluster = await StorageCluster.start({ nodes: 4, partPower: 3 });
});
after(async () => {
  await cluster.close();
});

const containerNodes = () => {
  const { partition, nodes } = cluster.ring('container').getNodes('AUTH_test', 'cu');
  return { partition, nodes: nodes.map((n) => ({ ...n, node: cluster.nodes.find((x) => x.ports.container === n.port)! })) };
};

function asyncPendings(node: ClusterNode): string[] {
  const dir = join(node.devices, 'sda', 'async_pending');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((s) => readdirSync(join(dir, s)).map((f) => `${s}/${f}`));
}

async function listing(port: number, dev: string, part: number): Promise<string[]> {
  const r = await backend(port, 'GET', `/${dev}/${part}/AUTH_test/cu?format=json`);
  assert.equal(r.status, 200);
  return (JSON.parse(r.body.toString()) as { name: string }[]).map((e) => e.name);
}

test('updates a container server missed are retried until they land, then removed', async () => {
  const c = containerNodes();
  for (const n of c.nodes) {
    assert.equal((await backend(n.port, 'PUT', `/${n.device}/${c.partition}/AUTH_test/cu`, { 'X-Timestamp': nextTimestamp() })).status, 201);
  }
  const down = c.nodes[0].node;
  await down.servers.container!.close();
  delete down.servers.container;
  const o = cluster.objectNodes('AUTH_test', 'cu', 'obj');
  const ts = nextTimestamp();
  for (const n of o.nodes) {
    const r = await backend(n.port, 'PUT', `/${n.device}/${o.partition}/AUTH_test/cu/obj`, {
      'X-Timestamp': ts, 'Content-Type': 'text/plain', 'Content-Length': '2',
      'X-Container-Host': c.nodes.map((x) => `127.0.0.1:${x.port}`).join(','),
      'X-Container-Device': c.nodes.map((x) => x.device).join(','),
      'X-Container-Partition': String(c.partition),
    }, 'hi');
    assert.equal(r.status, 201);
  }
  // An update slower than container_update_timeout goes on after the 201
  // (as in Swift) and lands in async_pending when it fails: wait for it.
  let pending: number[] = [];
  for (let i = 0; i < 150; i++) {
    pending = o.nodes.map((n) => asyncPendings(n.node).length);
    if (pending.every((p) => p >= 1)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(pending.every((p) => p >= 1), `async pendings: ${pending}`);
  await cluster.startNode(down);
  assert.deepEqual(await listing(c.nodes[0].port, c.nodes[0].device, c.partition), []);

  await cluster.runOnEveryNode('object', 'object-updater', createObjectUpdater);
  for (const n of c.nodes) assert.deepEqual(await listing(n.port, n.device, c.partition), ['obj']);
  for (const n of o.nodes) assert.deepEqual(asyncPendings(n.node), []);
});

test('older pendings for the same object are obsolete; unreadable ones are quarantined', async () => {
  const node = cluster.nodes[0];
  const hash = cluster.hash('AUTH_test', 'cu', 'obj2');
  const dir = join(node.devices, 'sda', 'async_pending', hash.slice(-3));
  mkdirSync(dir, { recursive: true });
  const t1 = nextTimestamp();
  const t2 = nextTimestamp();
  const update = (ts: string) => JSON.stringify({ op: 'PUT', account: 'AUTH_test', container: 'cu', obj: 'obj2',
    headers: { 'x-timestamp': ts, 'x-size': '1', 'x-content-type': 'text/plain', 'x-etag': 'x' } });
  writeFileSync(join(dir, `${hash}-${t1}`), update(t1));
  writeFileSync(join(dir, `${hash}-${t2}`), update(t2));
  const bad = cluster.hash('AUTH_test', 'cu', 'bad');
  mkdirSync(join(node.devices, 'sda', 'async_pending', bad.slice(-3)), { recursive: true });
  writeFileSync(join(node.devices, 'sda', 'async_pending', bad.slice(-3), `${bad}-${t1}`), 'not json');
  await cluster.runOnEveryNode('object', 'object-updater', createObjectUpdater, {}, [node]);
  assert.deepEqual(asyncPendings(node), []);
  assert.deepEqual(readdirSync(join(node.devices, 'sda', 'quarantined', 'async_pending')), [`${bad}-${t1}`]);
  const c = containerNodes();
  const r = await backend(c.nodes[1].port, 'GET', `/${c.nodes[1].device}/${c.partition}/AUTH_test/cu?format=json`);
  const row = (JSON.parse(r.body.toString()) as { name: string; last_modified: string }[]).find((e) => e.name === 'obj2');
  assert.ok(row, 'newest update applied');
});
