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
import { freePort, spawnTracked, SwiftCluster } from '../helpers/swift-cluster.js';

const PIPELINE = 'catch_errors gatekeeper healthcheck proxy_logging cache listing_formats container_sync tempauth copy slo dlo symlink proxy-server';

let A: SwiftCluster;
let B: SwiftCluster;
let urlA: string;
let urlB: string;
let tokenA: string;
let tokenB: string;

before(async () => {
  const [portA, portB] = [await freePort(), await freePort()];
  const realms = `[test]\nkey = realm-secret\ncluster_a = http://127.0.0.1:${portA}/v1/\ncluster_b = http://127.0.0.1:${portB}/v1/\n`;
  const files = { 'container-sync-realms.conf': realms };
  [A, B] = await Promise.all([
    SwiftCluster.start({ backend: 'swift', swiftDirFiles: files }),
    SwiftCluster.start({ backend: 'swiftly', swiftDirFiles: files }),
  ]);
  await A.startProxy('', PIPELINE, { container_sync: { swift_dir: A.swiftDir } }, portA);
  tokenA = await A.token();
  await B.startProxy('', PIPELINE, { container_sync: { swift_dir: B.swiftDir } }, portB);
  tokenB = await B.token();
  urlA = `http://127.0.0.1:${portA}/v1/AUTH_test`;
  urlB = `http://127.0.0.1:${portB}/v1/AUTH_test`;
});
after(async () => {
  await Promise.all([A?.stop(), B?.stop()]);
});

const on = (url: string, token: string) => (path: string, init: RequestInit = {}) =>
  fetch(`${url}${path}`, { ...init, headers: { 'x-auth-token': token, ...(init.headers as Record<string, string>) } });

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
  const onA = on(urlA, tokenA);
  const onB = on(urlB, tokenB);
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
