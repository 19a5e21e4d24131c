/**
 * The proxy's write quorum is Swift's (n + 1) // 2: with 2 replicas a write
 * succeeds on one, with 4 on two (and fails on one), for objects,
 * containers and accounts alike.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { StorageCluster, backend } from './storage-cluster.js';

const ACCOUNT = 'AUTH_quorum';

for (const { replicas, down, ok } of [
  { replicas: 2, down: [1], ok: true },
  { replicas: 4, down: [1, 3], ok: true },
  { replicas: 4, down: [0, 1, 3], ok: false },
]) {
  describe(`${replicas} replicas, ${down.length} down`, () => {
    let cluster: StorageCluster;
    let port: number;
    const call = async (method: string, path: string, body?: string) =>
      (await backend(port, method, `/v1/${ACCOUNT}${path}`, body === undefined ? {} : { 'content-type': 'text/plain' }, body)).status;

    before(async () => {
      // As many nodes as replicas: no handoff can stand in for a node that is down.
      cluster = await StorageCluster.start({ nodes: replicas, replicas, partPower: 2 });
      port = (await cluster.startProxy()).port;
      assert.equal(await call('PUT', '/c'), 201);
      assert.equal(await call('PUT', '/c/before', 'x'), 201);
      for (const i of down) await cluster.stopNode(cluster.nodes[i]);
    });
    after(async () => {
      await cluster?.close();
    });

    it(ok ? 'object PUT, POST and DELETE succeed' : 'object PUT, POST and DELETE answer 503', async () => {
      assert.equal(await call('PUT', '/c/o', 'data'), ok ? 201 : 503);
      assert.equal(await call('POST', '/c/before'), ok ? 202 : 503);
      assert.equal(await call('DELETE', '/c/before'), ok ? 204 : 503);
    });

    it(ok ? 'container and account writes succeed' : 'container and account writes answer 503', async () => {
      assert.equal(await call('PUT', '/c2'), ok ? 201 : 503);
      assert.equal(await call('POST', '/c'), ok ? 204 : 503);
      assert.equal(await call('POST', ''), ok ? 204 : 503);
    });
  });
}

describe('a fractional replica count (2.5): the quorum of each partition is that of its primaries', () => {
  let cluster: StorageCluster;
  let port: number;
  let name: string;
  const call = async (method: string, path: string, body?: string) =>
    (await backend(port, method, `/v1/${ACCOUNT}${path}`, body === undefined ? {} : { 'content-type': 'text/plain' }, body)).status;

  before(async () => {
    cluster = await StorageCluster.start({ nodes: 3, replicas: 2.5, partPower: 2 });
    port = (await cluster.startProxy()).port;
    assert.equal(await call('PUT', '/c'), 201);
    // An object whose partition has three primaries (the others have two).
    name = Array.from({ length: 100 }, (_, i) => `o${i}`).find((o) => cluster.ring('object').getNodes(ACCOUNT, 'c', o).nodes.length === 3)!;
    assert.ok(name);
  });
  after(async () => {
    await cluster?.close();
  });

  it('a PUT goes to all three primaries', async () => {
    assert.equal(await call('PUT', `/c/${name}`, 'three copies'), 201);
    const { partition, nodes } = cluster.ring('object').getNodes(ACCOUNT, 'c', name);
    for (const n of nodes) {
      const r = await backend(n.port, 'HEAD', `/${n.device}/${partition}/${ACCOUNT}/c/${name}`);
      assert.equal(r.status, 200, `${n.port}/${n.device}`);
    }
  });

  it('with two of its three primaries down, a PUT answers 503 (one copy is no quorum)', async () => {
    const { nodes } = cluster.ring('object').getNodes(ACCOUNT, 'c', name);
    for (const n of nodes.slice(0, 2)) await cluster.stopNode(cluster.nodes.find((x) => x.ports.object === n.port)!);
    assert.equal(await call('PUT', `/c/${name}`, 'one copy'), 503);
  });
});
