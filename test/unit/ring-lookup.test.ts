import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RingError } from '../../common/index.js';
import { Ring, writeRingFile, type RingData, type RingNode } from '../../ring/index.js';
import { makeDevice, sampleNames, sampleRingData } from '../helpers/ring-fixtures.js';

const hashPath = { prefix: '', suffix: 'endcap' };

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swiftly-ring-lookup-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('the partition is the top part_power bits of md5(prefix/a/c/o suffix)', () => {
  const ring = new Ring(sampleRingData(10, 3), { hashPath });
  assert.equal(ring.partPower, 10);
  assert.equal(ring.partCount, 1024);
  assert.equal(ring.replicaCount, 3);
  for (const [a, c, o] of sampleNames(30)) {
    const path = '/' + [a, c, o].filter((x) => x !== undefined).join('/');
    const top = createHash('md5').update('' + path + 'endcap').digest().readUInt32BE(0);
    assert.equal(ring.getPart(a, c, o), Math.floor(top / 2 ** 22));
    assert.equal(ring.getNodes(a, c, o).partition, ring.getPart(a, c, o));
  }
  // Part power 0: one partition, and no 32-bit shift wrap-around.
  const tiny: RingData = { devs: [makeDevice(0, 1, 1, '1.1.1.1', 6200, 'sda', 1)], replica2part2dev: [new Uint16Array(1)], partShift: 32 };
  assert.equal(new Ring(tiny, { hashPath }).getPart('AUTH_x', 'c', 'o'), 0);
});

test('primaries are in replica order, a device holding two replicas listed once', () => {
  const data = sampleRingData(4, 3);
  data.replica2part2dev[0][5] = 3;
  data.replica2part2dev[1][5] = 7;
  data.replica2part2dev[2][5] = 3;
  const ring = new Ring(data, { hashPath });
  const nodes = ring.getPartNodes(5);
  assert.deepEqual(nodes.map((n) => [n.id, n.index]), [[3, 0], [7, 1]]);
  assert.equal(nodes[0].ip, '10.0.1.3');
  // Nodes are fresh objects: changing one does not change the ring.
  nodes[0].port = 1;
  assert.equal(ring.getPartNodes(5)[0].port, 6200);
  assert.deepEqual(ring.getPartNodes(16), []);
  assert.deepEqual(ring.getPartNodes(-1), []);
  assert.deepEqual(ring.getPartNodes(1.5), []);
});

test('with a fractional replica count, later partitions have fewer primaries', () => {
  const data = sampleRingData(4, 2.5);
  const ring = new Ring(data, { hashPath });
  assert.equal(ring.replicaCount, 2.5);
  const distinct = (p: number): number => new Set(data.replica2part2dev.filter((a) => p < a.length).map((a) => a[p])).size;
  for (let p = 0; p < 16; p++) assert.equal(ring.getPartNodes(p).length, distinct(p));
  assert.ok(data.replica2part2dev[2].length === 8);
});

function checkHandoffs(ring: Ring, data: RingData, part: number): RingNode[] {
  const primaries = ring.getPartNodes(part);
  const handoffs = [...ring.moreNodes(part)];
  const primaryIds = new Set(primaries.map((n) => n.id));
  const handoffIds = handoffs.map((n) => n.id);
  assert.equal(new Set(handoffIds).size, handoffIds.length, 'no handoff twice');
  for (const id of handoffIds) assert.ok(!primaryIds.has(id), 'no primary as handoff');
  const assigned = new Set<number>();
  for (const a of data.replica2part2dev) for (const id of a) assigned.add(id);
  const expected = [...assigned].filter((id) => !primaryIds.has(id)).sort((x, y) => x - y);
  assert.deepEqual([...handoffIds].sort((x, y) => x - y), expected, 'every other device that holds partitions');
  handoffs.forEach((n, i) => {
    assert.equal(n.handoff_index, i);
    assert.equal(n.index, primaries.length + i);
  });
  return handoffs;
}

test('handoffs never repeat primaries and cover every other device with partitions', () => {
  const data = sampleRingData(8, 3, 5);
  const ring = new Ring(data, { hashPath });
  for (let part = 0; part < 256; part += 7) {
    const handoffs = checkHandoffs(ring, data, part);
    // Device 12 holds no partitions and device 5 is removed: never handoffs.
    assert.ok(!handoffs.some((n) => n.id === 12 || n.id === 5));
    // Tier dispersion first: the first handoff is in a region no primary is
    // in, when there is one.
    const primaryRegions = new Set(ring.getPartNodes(part).map((n) => n.region));
    if (primaryRegions.size < 3) assert.ok(!primaryRegions.has(handoffs[0].region));
  }
});

test('handoffs are lazy: taking one does not walk the rest', () => {
  const ring = new Ring(sampleRingData(12, 3), { hashPath });
  const it = ring.moreNodes(99)[Symbol.iterator]();
  const first = it.next();
  assert.equal(first.done, false);
  assert.equal(first.value.handoff_index, 0);
});

test('a ring with no assignments is refused', () => {
  const data: RingData = { devs: [makeDevice(0, 1, 1, '1.1.1.1', 6200, 'sda', 1)], replica2part2dev: [], partShift: 22 };
  assert.throws(() => new Ring(data, { hashPath }), RingError);
  const bad = sampleRingData(4, 1);
  bad.replica2part2dev[0][3] = 5; // the removed device
  assert.throws(() => new Ring(bad, { hashPath }), RingError);
});

test('reads <swiftDir>/<ringName>.ring.gz and reloads when it changes, at most every reload_time', () => {
  const swiftDir = join(dir, 'swift');
  rmSync(swiftDir, { recursive: true, force: true });
  mkdirSync(swiftDir);
  const first = sampleRingData(6, 3, 21);
  const second = sampleRingData(6, 3, 22);
  second.version = 8;
  writeRingFile(join(swiftDir, 'container.ring.gz'), first);
  let now = 1_000_000;
  const ring = new Ring(swiftDir, { ringName: 'container', hashPath, reloadTime: 15, clock: () => now });
  assert.equal(ring.serializedPath, join(swiftDir, 'container.ring.gz'));
  assert.equal(ring.version, 7);
  const ids = (r: RingData, p: number): number[] => [...new Set(r.replica2part2dev.map((a) => a[p]))];
  const part = [...Array(64).keys()].find((p) => ids(first, p).join() !== ids(second, p).join())!;
  assert.deepEqual(ring.getPartNodes(part).map((n) => n.id), ids(first, part));

  writeRingFile(join(swiftDir, 'container.ring.gz'), second);
  now += 10_000; // within reload_time: the old ring still answers
  assert.deepEqual(ring.getPartNodes(part).map((n) => n.id), ids(first, part));
  now += 5_001;
  assert.deepEqual(ring.getPartNodes(part).map((n) => n.id), ids(second, part));
  assert.equal(ring.version, 8);
  const md5 = ring.md5;

  // A broken file keeps the loaded ring and records why.
  writeFileSync(join(swiftDir, 'container.ring.gz'), 'garbage');
  now += 15_001;
  assert.deepEqual(ring.getPartNodes(part).map((n) => n.id), ids(second, part));
  assert.ok(ring.lastReloadError instanceof RingError);
  assert.equal(ring.md5, md5);
  writeRingFile(join(swiftDir, 'container.ring.gz'), first);
  now += 15_001;
  assert.equal(ring.getPart('a'), ring.getPart('a'));
  assert.deepEqual(ring.getPartNodes(part).map((n) => n.id), ids(first, part));
  assert.equal(ring.lastReloadError, undefined);
});

test('a missing ring file fails at construction', () => {
  assert.throws(() => new Ring(join(dir, 'nope'), { ringName: 'object', hashPath }), RingError);
});
