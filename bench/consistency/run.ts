/**
 * Consistency figures on a loopback cluster (4 nodes, 3 replicas):
 *
 * - rebuild: N objects written through swiftly's proxy, one device wiped,
 *   then object replicators run on every node until the device holds all
 *   its replicas again — the time of that pass;
 * - audit: a full auditor pass (no rate limit) over one node's objects —
 *   objects/s and MB/s verified.
 *
 * `node dist/bench/consistency/run.js [objects=2000] [size=4096]`
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { StorageCluster } from '../../test/integration/storage-cluster.js';
import { ProxyWriter } from '../../test/integration/fault-workload.js';
import { createObjectAuditor, createObjectReplicator, type ObjectAuditor } from '../../consistency/index.js';

function countObjects(devPath: string): number {
  const objs = join(devPath, 'objects');
  if (!existsSync(objs)) return 0;
  let n = 0;
  for (const p of readdirSync(objs)) {
    for (const s of readdirSync(join(objs, p))) {
      if (/^[0-9a-f]{3}$/.test(s)) n += readdirSync(join(objs, p, s)).length;
    }
  }
  return n;
}

async function main(): Promise<void> {
  const objects = Number(process.argv[2] ?? 2000);
  const size = Number(process.argv[3] ?? 4096);
  const cluster = await StorageCluster.start({ nodes: 4, partPower: 8 });
  try {
    const proxy = await ProxyWriter.start(cluster);
    await proxy.createContainer('bench');
    const limit = pLimit(16);
    const body = 'b'.repeat(size);
    let t = Date.now();
    await Promise.all(Array.from({ length: objects }, (_, i) => limit(() => proxy.put('bench', `o${i}`, body))));
    console.log(`wrote ${objects} objects of ${size} B x3 replicas in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    const victim = cluster.nodes[2];
    const devPath = join(victim.devices, 'sda');
    const held = countObjects(devPath);
    cluster.wipeDevice(victim, 'sda');
    t = Date.now();
    let passes = 0;
    while (countObjects(devPath) < held && passes < 5) {
      passes++;
      await cluster.runOnEveryNode('object', 'object-replicator', createObjectReplicator, { concurrency: '4' }, cluster.nodes.filter((n) => n !== victim));
    }
    const rebuild = (Date.now() - t) / 1000;
    console.log(`rebuild: ${countObjects(devPath)}/${held} objects (${((held * size) / 1e6).toFixed(1)} MB) back on the wiped device in ${rebuild.toFixed(2)} s, ${passes} pass(es): ${(held / rebuild).toFixed(0)} objects/s`);

    const [auditor] = await cluster.runOnEveryNode('object', 'object-auditor', createObjectAuditor,
      { mode: 'all', files_per_second: '0', bytes_per_second: '0' }, [cluster.nodes[0]]);
    const stats = (auditor as ObjectAuditor).stats.ALL;
    console.log(`audit: ${stats.passes} objects, ${(stats.bytes_processed / 1e6).toFixed(1)} MB in ${stats.audit_time.toFixed(2)} s: ${(stats.passes / stats.audit_time).toFixed(0)} objects/s, ${(stats.bytes_processed / 1e6 / stats.audit_time).toFixed(1)} MB/s, ${stats.quarantined} quarantined`);
    const [zbf] = await cluster.runOnEveryNode('object', 'object-auditor', createObjectAuditor,
      { mode: 'zbf', zero_byte_files_per_second: '0' }, [cluster.nodes[0]]);
    const z = (zbf as ObjectAuditor).stats.ZBF;
    console.log(`zero-byte pass: walked ${countObjects(join(cluster.nodes[0].devices, 'sda'))} objects in ${z.audit_time.toFixed(2)} s`);
  } finally {
    await cluster.close();
  }
}

await main();
