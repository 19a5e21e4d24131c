/**
 * RingBuilder rebalance invariants over seeded random device sets: distinct
 * devices per partition, no tier over the replica plan, counts at their
 * targets, min_part_hours honoured, at most one replica of a partition moved
 * per rebalance, removals moving only the removed device's replicas,
 * fractional replica counts and replica count changes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RingBuilder } from '../../ring/index.js';
import { buildReplicaPlan, partsByTier } from '../../ring/replica-plan.js';
import { buildTierTree, TIERS_PER_DEV } from '../../ring/tier-tree.js';
import {
  addDevices,
  assertRingInvariants,
  changedSlots,
  randomTopology,
  snapshot,
  type Topology,
} from '../helpers/builder-fixtures.js';

const HOUR = 3600;
const T0 = 1_700_000_000;

const EVEN: Topology = { regions: 1, zonesPerRegion: 4, serversPerZone: 2, devsPerServer: 3, weights: [100, 101] };

/** Each device's part count minus its target from the replica plan. */
function offTarget(b: RingBuilder): number[] {
  const tree = buildTierTree(b.state.devs);
  const targets = partsByTier(tree, buildReplicaPlan(tree, b.state), b.state);
  return b.liveDevs().filter((d) => d.weight > 0).map((d) => d.parts - targets[tree.devPath[d.id * TIERS_PER_DEV + 3]]);
}

describe('initial rebalance', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const topo = randomTopology(seed);
    const replicas = [3, 2, 4, 2.5][seed % 4];
    test(`seed ${seed}: ${JSON.stringify(topo)} × ${replicas} replicas`, (t) => {
      const b = RingBuilder.create(9, replicas, 1);
      addDevices(b, topo, seed);
      const weighted = b.liveDevs().length;
      if (weighted < replicas) {
        assert.throws(() => b.rebalance({ seed, now: T0 }), /requires more than/);
        return;
      }
      const result = b.rebalance({ seed, now: T0 });
      assert.equal(result.changedParts, Math.floor(b.parts * replicas));
      assertRingInvariants(b);
      // Every device ends at its target count (the plan's integer split of the weights).
      const off = offTarget(b);
      t.diagnostic(`balance ${result.balance.toFixed(3)}, dispersion ${b.dispersion}, worst off-target ${Math.max(...off.map(Math.abs))}`);
      assert.ok(off.every((x) => x === 0), `off target: ${off}`);
      if (b.getRequiredOverload() === 0) assert.equal(b.dispersion, 0);
    });
  }

  test('is deterministic for a seed', () => {
    const build = (seed: number) => {
      const b = RingBuilder.create(8, 3, 1);
      addDevices(b, EVEN, 5);
      b.rebalance({ seed, now: T0 });
      return snapshot(b);
    };
    assert.deepEqual(build(42), build(42));
    assert.notDeepEqual(build(42), build(43));
  });

  test('matches Swift on a ring that cannot balance: 3 devices, 3 replicas', () => {
    const b = RingBuilder.create(8, 3, 1);
    b.addDev({ region: 1, zone: 1, ip: '127.0.0.1', port: 6200, device: 'sdb1', weight: 100 });
    b.addDev({ region: 1, zone: 2, ip: '127.0.0.2', port: 6200, device: 'sdb1', weight: 100 });
    b.addDev({ region: 1, zone: 3, ip: '127.0.0.3', port: 6200, device: 'sdc', weight: 50 });
    const r = b.rebalance({ seed: 1, now: T0 });
    assert.equal(r.changedParts, 768);
    assert.equal(r.balance.toFixed(2), '66.67');
    assert.deepEqual(b.liveDevs().map((d) => d.parts), [256, 256, 256]);
  });

  test('refuses fewer weighted devices than replicas', () => {
    const b = RingBuilder.create(6, 3, 1);
    addDevices(b, { ...EVEN, zonesPerRegion: 1, serversPerZone: 1, devsPerServer: 2 }, 1);
    assert.throws(() => b.rebalance({ now: T0 }), /Replica count of 3\.0 requires more than 2 devices/);
  });
});

describe('later rebalances', () => {
  test('min_part_hours: nothing moves again until the hours pass or are pretended to', () => {
    const b = RingBuilder.create(9, 3, 24);
    addDevices(b, EVEN, 2);
    b.rebalance({ seed: 1, now: T0 });
    addDevices(b, { ...EVEN, zonesPerRegion: 1 }, 3, 100); // zone 1 grows by 6 devices
    const before = snapshot(b);
    const soon = b.rebalance({ seed: 2, now: T0 + 2 * HOUR });
    assert.equal(soon.changedParts, 0);
    assert.deepEqual(snapshot(b), before);
    assert.ok(b.minPartSecondsLeft(T0 + 2 * HOUR) > 0);

    b.pretendMinPartHoursPassed();
    const later = b.rebalance({ seed: 3, now: T0 + 3 * HOUR });
    assert.ok(later.changedParts > 0);
    assertRingInvariants(b);
    // The partitions just moved stay put at the next rebalance within min_part_hours.
    const movedNow = new Set(changedSlots(before, snapshot(b)).map((c) => c.part));
    b.setDevWeight(0, 300);
    const mid = snapshot(b);
    b.rebalance({ seed: 4, now: T0 + 5 * HOUR });
    const again = changedSlots(mid, snapshot(b));
    assert.ok(again.length > 0, 'the weight change moves something');
    for (const c of again) assert.ok(!movedNow.has(c.part), `part ${c.part} moved twice within min_part_hours`);
    assertRingInvariants(b);
  });

  test('moves at most one replica of a partition per rebalance', () => {
    for (const seed of [1, 2, 3]) {
      const b = RingBuilder.create(9, 3, 1);
      addDevices(b, randomTopology(seed + 20), seed);
      if (b.liveDevs().length < 4) continue;
      b.rebalance({ seed, now: T0 });
      addDevices(b, { regions: 1, zonesPerRegion: 2, serversPerZone: 1, devsPerServer: 2, weights: [150, 300] }, seed + 1, 100);
      let now = T0;
      for (let round = 0; round < 3; round++) {
        now += 2 * HOUR;
        const before = snapshot(b);
        b.rebalance({ seed: seed + round, now });
        const perPart = new Map<number, number>();
        for (const c of changedSlots(before, snapshot(b))) perPart.set(c.part, (perPart.get(c.part) ?? 0) + 1);
        for (const [part, n] of perPart) assert.equal(n, 1, `part ${part} had ${n} replicas moved`);
        assertRingInvariants(b);
      }
      // Settled: every device at its target.
      assert.ok(offTarget(b).every((x) => x === 0), `off target ${offTarget(b)}`);
    }
  });

  test("removing a device moves its replicas, and others only to settle the last few", () => {
    for (const [seed, victim] of [[9, 7], [10, 0], [11, 20]]) {
      const b = RingBuilder.create(10, 3, 1);
      addDevices(b, { regions: 1, zonesPerRegion: 5, serversPerZone: 2, devsPerServer: 3, weights: [80, 200] }, seed);
      b.rebalance({ seed: 1, now: T0 });
      const before = snapshot(b);
      const held = b.devs[victim]!.parts;
      b.removeDev(victim);
      const r = b.rebalance({ seed: 2, now: T0 + 2 * HOUR });
      assert.equal(r.removedDevs, 1);
      assert.equal(b.devs[victim], null);
      const changed = changedSlots(before, snapshot(b));
      const fromVictim = changed.filter((c) => c.from === victim);
      assert.equal(fromVictim.length, held, 'every replica of the removed device moved');
      // A replica whose only homes with room clash with its partition's other
      // replicas lands one over target somewhere, and one other replica moves
      // on to settle it: a handful at most.
      assert.ok(changed.length - held <= Math.ceil(held * 0.05), `${changed.length - held} other moves for ${held}`);
      assert.ok(offTarget(b).every((x) => x === 0), `off target ${offTarget(b)}`);
      assertRingInvariants(b);
    }
  });

  test('a big weight shift settles in one rebalance (relaying through devices at target)', () => {
    for (const seed of [2, 3, 6]) {
      const b = RingBuilder.create(12, 3, 1);
      addDevices(b, randomTopology(seed), seed);
      const devs = b.liveDevs();
      b.rebalance({ seed, now: T0 });
      b.setDevWeight(devs[0].id, 300);
      b.setDevWeight(devs[devs.length - 1].id, 20);
      const before = snapshot(b);
      b.rebalance({ seed, now: T0 + 2 * HOUR });
      assert.ok(offTarget(b).every((x) => x === 0), `seed ${seed}: off target ${offTarget(b)}`);
      const perPart = new Map<number, number>();
      for (const c of changedSlots(before, snapshot(b))) perPart.set(c.part, (perPart.get(c.part) ?? 0) + 1);
      assert.ok([...perPart.values()].every((n) => n === 1));
      assertRingInvariants(b);
    }
  });

  test('a zero-weight device drains as min_part_hours allow', () => {
    const b = RingBuilder.create(9, 3, 1);
    addDevices(b, EVEN, 4);
    b.rebalance({ seed: 1, now: T0 });
    b.setDevWeight(3, 0);
    const r = b.rebalance({ seed: 2, now: T0 + 2 * HOUR });
    assert.ok(r.changedParts > 0);
    assert.equal(b.devs[3]!.parts, 0);
    assert.equal(b.balancePerDev().get(3), 0);
    assertRingInvariants(b);
  });

  test('a second rebalance with nothing to do moves nothing', () => {
    const b = RingBuilder.create(8, 3, 0);
    addDevices(b, EVEN, 6);
    b.rebalance({ seed: 1, now: T0 });
    const before = snapshot(b);
    assert.equal(b.rebalance({ seed: 2, now: T0 + HOUR }).changedParts, 0);
    assert.deepEqual(snapshot(b), before);
  });

  test('overload buys dispersion for an underweight zone', () => {
    const make = (overload: number) => {
      const b = RingBuilder.create(9, 3, 1);
      for (const [zone, weight] of [[1, 100], [2, 100], [3, 100], [3, 100], [4, 20]] as const) {
        b.addDev({ region: 1, zone, ip: `10.0.0.${zone}`, port: 6200, device: `sd${b.devs.length}`, weight });
      }
      b.setOverload(overload);
      b.rebalance({ seed: 1, now: T0 });
      assertRingInvariants(b);
      return b;
    };
    const none = make(0);
    assert.ok(none.getRequiredOverload() > 0);
    assert.ok(none.dispersion! > 0, 'zone 3 holds two replicas of some partitions');
    const enough = make(none.getRequiredOverload() + 0.01);
    assert.equal(enough.dispersion, 0);
    assert.ok(enough.getBalance() > none.getBalance());
  });
});

describe('replica counts', () => {
  test('fractional replicas: the last replica covers its fraction of the partitions', () => {
    const b = RingBuilder.create(8, 2.5, 1);
    addDevices(b, EVEN, 7);
    b.rebalance({ seed: 1, now: T0 });
    assert.deepEqual(b.state.replica2part2dev!.map((a) => a.length), [256, 256, 128]);
    const total = b.liveDevs().reduce((s, d) => s + d.parts, 0);
    assert.equal(total, 640);
    assertRingInvariants(b);
    assert.equal(b.getRing().replica2part2dev[2].length, 128);
  });

  test('set_replicas grows and shrinks the replica arrays', () => {
    const b = RingBuilder.create(8, 3, 1);
    addDevices(b, EVEN, 8);
    b.rebalance({ seed: 1, now: T0 });
    const three = snapshot(b);

    b.setReplicas(3.25);
    assert.equal(b.devsChanged, true);
    const grow = b.rebalance({ seed: 2, now: T0 + 2 * HOUR });
    assert.deepEqual(b.state.replica2part2dev!.map((a) => a.length), [256, 256, 256, 64]);
    assert.ok(grow.changedParts >= 64);
    // The first three replicas only move for balance, one per partition at most.
    for (const c of changedSlots(three, snapshot(b).slice(0, 3))) assert.ok(c.replica < 3);
    assertRingInvariants(b);

    b.setReplicas(4);
    b.rebalance({ seed: 3, now: T0 + 4 * HOUR });
    assert.deepEqual(b.state.replica2part2dev!.map((a) => a.length), [256, 256, 256, 256]);
    assertRingInvariants(b);

    b.setReplicas(2);
    b.rebalance({ seed: 4, now: T0 + 6 * HOUR });
    assert.deepEqual(b.state.replica2part2dev!.map((a) => a.length), [256, 256]);
    assert.equal(b.liveDevs().reduce((s, d) => s + d.parts, 0), 512);
    assertRingInvariants(b);
  });

  test('a replica count change that keeps the slot count is not a device change', () => {
    const b = RingBuilder.create(4, 3, 1);
    b.setReplicas(3.01); // 16 * 3.01 = 48.16 → still 48 slots
    assert.equal(b.devsChanged, false);
    assert.throws(() => b.setReplicas(0.5), /at least 1/);
  });
});

describe('devices', () => {
  test('ids: the lowest free id, or the given one; duplicates refused', () => {
    const b = RingBuilder.create(4, 1, 1);
    const dev = { region: 1, zone: 1, ip: '10.0.0.1', port: 6200, device: 'sda', weight: 1 };
    assert.equal(b.addDev(dev), 0);
    assert.equal(b.addDev({ ...dev, id: 3, device: 'sdd' }), 3);
    assert.equal(b.addDev({ ...dev, device: 'sdb' }), 1);
    assert.throws(() => b.addDev({ ...dev, id: 3, device: 'sde' }), /Duplicate device id: 3/);
    assert.equal(b.devs.length, 4);
    assert.equal(b.devs[1]!.replication_ip, '10.0.0.1');
    assert.equal(b.devs[1]!.replication_port, 6200);
  });

  test('weights of devices marked for removal cannot change; set_info refuses a clash', () => {
    const b = RingBuilder.create(4, 1, 1);
    b.addDev({ region: 1, zone: 1, ip: '10.0.0.1', port: 6200, device: 'sda', weight: 1 });
    b.addDev({ region: 1, zone: 1, ip: '10.0.0.1', port: 6200, device: 'sdb', weight: 1 });
    b.removeDev(0);
    assert.throws(() => b.setDevWeight(0, 5), /marked for removal/);
    assert.throws(() => b.setDevInfo(1, { device: 'sda' }), /Device 0 already uses 10\.0\.0\.1:6200\/sda/);
    const version = b.version;
    b.setDevInfo(1, { ip: '10.0.0.2', meta: 'moved' });
    assert.equal(b.devs[1]!.ip, '10.0.0.2');
    assert.equal(b.version, version, 'set_info is not a device change');
  });

  test('search and list_parts', () => {
    const b = RingBuilder.create(6, 3, 1);
    addDevices(b, EVEN, 9);
    b.setDevInfo(5, { meta: 'shiny new' });
    b.rebalance({ seed: 1, now: T0 });
    assert.deepEqual(b.searchDevs({ zone: 2 }).map((d) => d.id), [6, 7, 8, 9, 10, 11]);
    assert.deepEqual(b.searchDevs({ ip: '10.1.1.1', device: 'sdb' }).map((d) => d.id), [4]);
    assert.deepEqual(b.searchDevs({ meta: 'shiny' }).map((d) => d.id), [5]);
    const parts = b.listParts([0, 1]);
    const expected = new Map<number, number>();
    b.state.replica2part2dev!.forEach((p2d) => p2d.forEach((d, p) => d <= 1 && expected.set(p, (expected.get(p) ?? 0) + 1)));
    assert.equal(parts.length, expected.size);
    for (const [p, n] of parts) assert.equal(n, expected.get(p));
    for (let i = 1; i < parts.length; i++) assert.ok(parts[i - 1][1] >= parts[i][1]);
  });

  test('getRing leaves builder fields out and copies the assignment', () => {
    const b = RingBuilder.create(4, 2, 1);
    addDevices(b, { ...EVEN, zonesPerRegion: 2, serversPerZone: 1, devsPerServer: 1 }, 1);
    b.rebalance({ seed: 1, now: T0 });
    const ring = b.getRing();
    assert.equal(ring.partShift, 28);
    assert.equal(ring.version, b.version);
    assert.deepEqual(Object.keys(ring.devs[0]!).sort(), ['device', 'id', 'ip', 'meta', 'port', 'region', 'replication_ip', 'replication_port', 'weight', 'zone']);
    ring.replica2part2dev[0][0] = 99;
    assert.notEqual(b.state.replica2part2dev![0][0], 99);
  });
});
