/**
 * The DB replicator and handoff DBs: a handoff copy is removed only when
 * no row arrived since its sync began, and a primary without its disk
 * (507) is replaced by the next handoff, as Swift's db_replicator does.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, renameSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { silentLogger } from '../../common/index.js';
import type { RingLookup, RingNode } from '../../ring/index.js';
import { DbReplicator } from '../../consistency/index.js';
import { listenOnEphemeralPort } from '../helpers/fake-nodes.js';
import { StorageCluster, backend, nextTimestamp, type ClusterNode } from './storage-cluster.js';

let cluster: StorageCluster;
before(async () => {
  cluster = await StorageCluster.start({ nodes: 4, partPower: 3 });
});
after(async () => {
  await cluster.close();
});

const placement = (c: string) => {
  const { partition, nodes } = cluster.ring('container').getNodes('AUTH_h', c);
  const primaries = nodes.map((n) => ({ ...n, node: cluster.nodes.find((x) => x.ports.container === n.port)! }));
  const handoff = cluster.nodes.find((n) => !primaries.some((p) => p.node === n))!;
  return { partition, primaries, handoff };
};

const putContainer = (port: number, dev: string, part: number, c: string) =>
  backend(port, 'PUT', `/${dev}/${part}/AUTH_h/${c}`, { 'X-Timestamp': nextTimestamp() });
const putRow = (port: number, dev: string, part: number, c: string, o: string) =>
  backend(port, 'PUT', `/${dev}/${part}/AUTH_h/${c}/${o}`, {
    'X-Timestamp': nextTimestamp(), 'X-Size': '1', 'X-Content-Type': 'text/plain', 'X-Etag': 'd41d8cd98f00b204e9800998ecf8427e',
  });

async function listing(port: number, dev: string, part: number, c: string): Promise<string[] | number> {
  const r = await backend(port, 'GET', `/${dev}/${part}/AUTH_h/${c}?format=json`);
  if (r.status !== 200) return r.status;
  return (JSON.parse(r.body.toString()) as { name: string }[]).map((e) => e.name);
}

const dbFileOn = (node: ClusterNode, part: number, c: string): string => {
  const hash = cluster.hash('AUTH_h', c);
  return join(node.devices, 'sda', 'containers', String(part), hash.slice(-3), hash, `${hash}.db`);
};

async function runReplicator(node: ClusterNode, ring?: RingLookup): Promise<DbReplicator> {
  const r = new DbReplicator({ conf: cluster.conf(node, 'container'), swiftConf: cluster.swiftConf, logger: silentLogger }, 'container', ring);
  try {
    await r.runOnce(new AbortController().signal);
  } finally {
    await r.close();
  }
  return r;
}

test('a primary answering 507 is replaced by the next handoff', async () => {
  const { partition, primaries, handoff } = placement('c507');
  const [home, peer, gone] = primaries;
  assert.equal((await putContainer(home.port, home.device, partition, 'c507')).status, 201);
  assert.equal((await putRow(home.port, home.device, partition, 'c507', 'row')).status, 201);
  const dev = join(gone.node.devices, gone.device);
  renameSync(dev, `${dev}.unmounted`);
  try {
    await runReplicator(home.node);
  } finally {
    renameSync(`${dev}.unmounted`, dev);
  }
  assert.deepEqual(await listing(peer.port, peer.device, partition, 'c507'), ['row']);
  assert.deepEqual(await listing(handoff.ports.container, 'sda', partition, 'c507'), ['row'], 'the handoff holds the replica the 507 node could not');
});

/** A TCP hop in front of `port` that runs `first` before passing on its first connection. */
async function hop(port: number, first: () => Promise<void>): Promise<{ port: number; close(): Promise<void> }> {
  let pending: (() => Promise<void>) | undefined = first;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.pause();
    const run = pending;
    pending = undefined;
    void (run ? run() : Promise.resolve()).then(() => {
      const up = net.connect(port, '127.0.0.1');
      sockets.add(up);
      up.on('error', () => sock.destroy());
      sock.on('error', () => up.destroy());
      sock.pipe(up).pipe(sock);
      sock.resume();
    });
  });
  const hopPort = await listenOnEphemeralPort(server);
  return {
    port: hopPort,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The cluster's container ring with one primary reached through `via` instead of its own port. */
function ringVia(target: RingNode, via: number): RingLookup {
  const base = cluster.ring('container');
  const swap = (n: RingNode): RingNode => (n.id === target.id ? { ...n, port: via, replication_port: via } : n);
  return {
    partPower: base.partPower, partCount: base.partCount, replicaCount: base.replicaCount, devs: base.devs,
    getPart: (a, c, o) => base.getPart(a, c, o),
    getPartNodes: (p) => base.getPartNodes(p).map(swap),
    getNodes: (a, c, o) => {
      const r = base.getNodes(a, c, o);
      return { partition: r.partition, nodes: r.nodes.map(swap) };
    },
    moreNodes: (p) => base.moreNodes(p),
  };
}

test('a handoff DB that got a row after its sync began is kept, and removed on a later pass', async () => {
  const { partition, primaries, handoff } = placement('clate');
  const hport = handoff.ports.container;
  assert.equal((await putContainer(hport, 'sda', partition, 'clate')).status, 201);
  assert.equal((await putRow(hport, 'sda', partition, 'clate', 'early')).status, 201);
  // The row lands on the handoff while the replicator talks to the first primary.
  const via = await hop(primaries[0].port, async () => {
    assert.equal((await putRow(hport, 'sda', partition, 'clate', 'late')).status, 201);
  });
  try {
    await runReplicator(handoff, ringVia(primaries[0], via.port));
  } finally {
    await via.close();
  }
  assert.ok(existsSync(dbFileOn(handoff, partition, 'clate')), 'the handoff DB was removed with a row it got during the pass');
  assert.deepEqual(await listing(hport, 'sda', partition, 'clate'), ['early', 'late']);
  // Nothing new since: the next pass moves everything home and removes it.
  const second = await runReplicator(handoff);
  assert.equal(second.stats.remove, 1);
  assert.ok(!existsSync(dbFileOn(handoff, partition, 'clate')));
  for (const p of primaries) assert.deepEqual(await listing(p.port, p.device, partition, 'clate'), ['early', 'late']);
});
