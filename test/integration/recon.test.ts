import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { StorageCluster, backend } from './storage-cluster.js';
import { ProxyWriter } from './fault-workload.js';
import { createContainerAuditor, createObjectReplicator, createObjectAuditor } from '../../consistency/index.js';

const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));

let cluster: StorageCluster;
before(async () => {
  cluster = await StorageCluster.start({ nodes: 3, partPower: 3 });
});
after(async () => {
  await cluster.close();
});

const recon = async (port: number, path: string): Promise<unknown> => {
  const r = await backend(port, 'GET', `/recon/${path}`);
  assert.equal(r.status, 200, `/recon/${path}: ${r.status}`);
  assert.match(r.headers['content-type'], /application\/json/);
  return JSON.parse(r.body.toString());
};

test('storage servers answer /recon/... with what the daemons recorded', async () => {
  const proxy = await ProxyWriter.start(cluster);
  await proxy.createContainer('rc');
  assert.ok(await proxy.put('rc', 'o', 'data'));
  const node = cluster.nodes[0];
  await cluster.runOnEveryNode('object', 'object-replicator', createObjectReplicator, {}, [node]);
  await cluster.runOnEveryNode('object', 'object-auditor', createObjectAuditor, { mode: 'all' }, [node]);
  const port = node.ports.object;
  const repl = (await recon(port, 'replication/object')) as Record<string, unknown>;
  assert.equal(typeof repl.object_replication_time, 'number');
  assert.equal(typeof (repl.replication_stats as Record<string, number>).attempted, 'number');
  const aud = (await recon(port, 'auditor/object')) as Record<string, { passes: number; quarantined: number; errors: number } | null>;
  // 3 nodes, 3 replicas: node 0 holds the one object, and the full pass verified it.
  assert.equal(aud.object_auditor_stats_ALL!.passes, 1);
  assert.equal(aud.object_auditor_stats_ALL!.quarantined, 0);
  assert.equal(aud.object_auditor_stats_ALL!.errors, 0);
  assert.deepEqual(await recon(port, 'async'), { async_pending: 0 });
  // A quarantined hash dir and an async pending show up in the counts.
  mkdirSync(join(node.devices, 'sda', 'quarantined', 'objects', 'abc'), { recursive: true });
  mkdirSync(join(node.devices, 'sda', 'async_pending', 'fff'), { recursive: true });
  writeFileSync(join(node.devices, 'sda', 'async_pending', 'fff', 'x-1'), '{}');
  assert.deepEqual(await recon(port, 'async'), { async_pending: 1 });
  assert.deepEqual(await recon(port, 'quarantined'), { objects: 1, containers: 0, accounts: 0, policies: { 0: { objects: 1 } } });
  const md5 = createHash('md5').update(readFileSync(join(cluster.swiftDir, 'object.ring.gz'))).digest('hex');
  assert.equal((await recon(port, 'ringmd5') as Record<string, string>)[join(cluster.swiftDir, 'object.ring.gz')], md5);
  const disk = (await recon(port, 'diskusage')) as { device: string; mounted: boolean; size: number }[];
  assert.equal(disk[0].device, 'sda');
  assert.ok(disk[0].mounted && disk[0].size > 0);
  assert.deepEqual(await recon(port, 'unmounted'), []);
  assert.ok('1m' in ((await recon(port, 'load')) as object));
  assert.equal((await backend(port, 'GET', '/recon/nonsense')).status, 404);
  // The container and account servers answer too.
  assert.ok('replication_time' in ((await recon(node.ports.container, 'replication/container')) as object));
  await cluster.runOnEveryNode('container', 'container-auditor', createContainerAuditor, {}, [node]);
  const caud = (await recon(node.ports.container, 'auditor/container')) as Record<string, number>;
  assert.equal(typeof caud.container_audits_passed, 'number');
  assert.equal(caud.container_audits_failed, 0);
});

test('swiftly recon summarises the cluster', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [SWIFTLY, 'recon', 'object', '--all', '--swiftdir', cluster.swiftDir], { timeout: 30_000 });
  assert.match(stdout, /Starting reconnaissance on 3 hosts \(object\)/);
  assert.match(stdout, /\[async_pending\] low: 0, high: 1, avg: 0.3, total: 1, Failed: 0%, no_result: 0, reported: 3/);
  assert.match(stdout, /\[quarantined_objects\] low: 0, high: 1, avg: 0.3, total: 1/);
  assert.match(stdout, /3\/3 hosts matched, 0 error\[s\] while checking hosts\./);
  assert.match(stdout, /\[replication_time\] .* reported: 1/);
});
