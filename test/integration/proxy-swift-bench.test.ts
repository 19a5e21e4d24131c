/**
 * Debian's `swift-bench` through our proxy over swiftly's storage servers:
 * a few hundred small objects PUT, read and deleted by 10 concurrent
 * clients, with no failures.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { runSwiftBench } from '../helpers/swift-bench.js';

let cluster: SwiftCluster | undefined;
before(async () => {
  cluster = await SwiftCluster.start({ backend: 'swiftly' });
  await cluster.startProxy();
});
after(() => cluster?.stop());

test('swift-bench: 300 PUTs, 300 GETs and the DELETEs at concurrency 10, no failures', { timeout: 180_000 }, async () => {
  const c = cluster!;
  const { phases, output } = await runSwiftBench(c.authUrl, c.user, c.key, ['-c', '10', '-s', '4096', '-l', '1', '-n', '300', '-g', '300', '--num-containers', '4']);
  assert.deepEqual(Object.keys(phases).sort(), ['DEL', 'GETS', 'PUTS'], output);
  for (const [name, count] of [['PUTS', 300], ['GETS', 300], ['DEL', 300]] as const) {
    assert.equal(phases[name].count, count, `${name}\n${output}`);
    assert.equal(phases[name].failures, 0, `${name}\n${output}`);
  }
});
