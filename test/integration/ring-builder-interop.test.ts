/**
 * A ring made by our builder (rebalance + write_ring) is loaded by Debian's
 * Swift 2.30 and gives the same partitions, primaries and handoffs as our
 * `Ring` for 1,000 names, including after a later rebalance, a removal and
 * a fractional replica count.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ring, RingBuilder, writeRingFile } from '../../ring/index.js';
import { addDevices } from '../helpers/builder-fixtures.js';
import { sampleNames } from '../helpers/ring-fixtures.js';
import { swiftLookups, type SwiftLookup } from '../helpers/swift-python.js';

const secrets = { prefix: 'swiftly-pre', suffix: 'builder-suf' };
const NAMES = sampleNames(1000, 5);

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swiftly-builder-interop-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function ours(ring: Ring): SwiftLookup[] {
  return NAMES.map(([a, c, o]) => {
    const { partition, nodes } = ring.getNodes(a, c, o);
    return [partition, nodes.map((n) => [n.id, n.index]), [...ring.moreNodes(partition)].map((n) => [n.id, n.handoff_index!])];
  });
}

function assertSwiftAgrees(b: RingBuilder, name: string): void {
  const path = join(dir, `${name}.ring.gz`);
  writeRingFile(path, b.getRing());
  const swift = swiftLookups(path, secrets, NAMES);
  assert.equal(swift.partition_count, b.parts);
  assert.ok(Math.abs(swift.replica_count - b.replicas) < 1e-12);
  assert.equal(swift.version, b.version);
  assert.deepEqual(ours(new Ring(path, { hashPath: secrets })), swift.results);
  // The partitions Swift computes hold the devices our builder assigned.
  for (const [part, primaries] of swift.results.slice(0, 50)) {
    assert.deepEqual(primaries.map(([id]) => id), b.getPartDevices(part).map((d) => d.id));
  }
}

test('builder rings read by Swift: same lookups as swiftly for 1000 names', () => {
  const b = RingBuilder.create(12, 3, 1);
  addDevices(b, { regions: 2, zonesPerRegion: 3, serversPerZone: 2, devsPerServer: 3, weights: [80, 200] }, 11);
  b.rebalance({ seed: 1, now: 1_700_000_000 });
  assertSwiftAgrees(b, 'first');

  b.removeDev(4);
  b.setDevWeight(9, 0);
  addDevices(b, { regions: 1, zonesPerRegion: 1, serversPerZone: 1, devsPerServer: 2, weights: [300, 301] }, 12, 50);
  b.setReplicas(2.5);
  b.rebalance({ seed: 2, now: 1_700_000_000 + 7200 });
  assert.equal(b.devs[4], null);
  assertSwiftAgrees(b, 'second');
});
