/**
 * Interop the other way round: Swift 2.30's own `swift-container-sync`,
 * over a cluster of Swift's storage servers (A), syncs a container into a
 * cluster of swiftly's (B) through swiftly's proxy and its container_sync
 * filter: Swift's signatures are taken, the copies keep their metadata and
 * times, a delete follows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, type SwiftCluster } from '../helpers/swift-cluster.js';
import { startSyncClusters, type SyncSide } from '../helpers/sync-clusters.js';

let A: SwiftCluster;
let B: SwiftCluster;
let onA: SyncSide['fetch'];
let onB: SyncSide['fetch'];

before(async () => {
  const { a, b } = await startSyncClusters({ a: 'swift', b: 'swiftly' });
  ({ cluster: A, fetch: onA } = a);
  ({ cluster: B, fetch: onB } = b);
});
after(async () => {
  await Promise.all([A?.stop(), B?.stop()]);
});

/** `swift-container-sync --once` for each of A's container servers, reading local objects through its internal client. */
async function swiftSyncPass(): Promise<void> {
  const icConf = join(A.swiftDir, 'internal-client.conf');
  writeFileSync(icConf, `[DEFAULT]\nswift_dir = ${A.swiftDir}\nlog_udp_host = 127.0.0.1\nlog_udp_port = 9\n\n`
    + '[pipeline:main]\npipeline = catch_errors proxy-logging cache symlink proxy-server\n\n'
    + '[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n\n[filter:cache]\nuse = egg:swift#memcache\n\n'
    + '[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n\n[filter:catch_errors]\nuse = egg:swift#catch_errors\n\n'
    + '[filter:symlink]\nuse = egg:swift#symlink\n');
  for (const node of A.nodes.filter((n) => n.kind === 'container')) {
    const conf = `${node.conf}.sync`;
    writeFileSync(conf, `${readFileSync(node.conf, 'utf8')}\n[container-sync]\ninternal_client_conf_path = ${icConf}\n`);
    const proc = spawnTracked('swift-container-sync', [conf, '--once'], join(A.logDir, `container-sync-${node.index}.log`));
    const code = await new Promise((resolve) => proc.once('exit', resolve));
    assert.equal(code, 0, `swift-container-sync on node ${node.index} exited ${code}:\n${A.tailLogs()}`);
  }
}

test("Swift's container-sync daemon sends into swiftly: its signed PUTs and DELETEs are taken", async () => {
  assert.equal((await onB('/dst', { method: 'PUT', headers: { 'x-container-sync-key': 'secret' } })).status, 201);
  const put = await onA('/src', { method: 'PUT', headers: { 'x-container-sync-to': '//test/b/AUTH_test/dst', 'x-container-sync-key': 'secret' } });
  assert.equal(put.status, 201, await put.text());
  assert.equal((await onA('/src/o1', { method: 'PUT', body: 'from swift', headers: { 'x-object-meta-origin': 'python' } })).status, 201);
  assert.equal((await onA('/src/o2', { method: 'PUT', body: 'second' })).status, 201);
  let got: Response | undefined;
  for (let pass = 0; pass < 3; pass++) {
    await swiftSyncPass();
    got = await onB('/dst/o1');
    if (got.status === 200 && (await onB('/dst/o2', { method: 'HEAD' })).status === 200) break;
  }
  assert.equal(got!.status, 200, A.tailLogs());
  assert.equal(await got!.text(), 'from swift');
  assert.equal(got!.headers.get('x-object-meta-origin'), 'python');
  assert.equal(got!.headers.get('x-timestamp'), (await onA('/src/o1', { method: 'HEAD' })).headers.get('x-timestamp'));

  assert.equal((await onA('/src/o2', { method: 'DELETE' })).status, 204);
  let gone = 200;
  for (let pass = 0; pass < 3 && gone !== 404; pass++) {
    await swiftSyncPass();
    gone = (await onB('/dst/o2', { method: 'HEAD' })).status;
  }
  assert.equal(gone, 404);
});
