/**
 * ringSummary reads from a `.ring.gz`'s data what the builder knows: each
 * device's partitions and balance, the worst balance and the dispersion,
 * the same numbers as the builder that made the ring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRing, RingBuilder, ringSummary, serializeRing } from '../../ring/index.js';

test('a ring file gives the builder\'s balance, dispersion and partitions per device', () => {
  const builder = RingBuilder.create(8, 3, 0);
  // Uneven weights and two devices in one zone: not perfectly balanced, nor perfectly dispersed.
  builder.addDev({ region: 1, zone: 1, ip: '10.0.0.1', port: 6200, device: 'sda', weight: 100 });
  builder.addDev({ region: 1, zone: 1, ip: '10.0.0.1', port: 6200, device: 'sdb', weight: 300 });
  builder.addDev({ region: 1, zone: 2, ip: '10.0.0.2', port: 6200, device: 'sda', weight: 100 });
  builder.addDev({ region: 1, zone: 3, ip: '10.0.0.3', port: 6200, device: 'sda', weight: 50 });
  builder.rebalance({ seed: 1 });
  const summary = ringSummary(parseRing(serializeRing(builder.getRing())));
  assert.equal(summary.part_power, 8);
  assert.equal(summary.replicas, 3);
  assert.ok(builder.getBalance() > 1);
  assert.equal(summary.balance.toFixed(6), builder.getBalance().toFixed(6));
  assert.equal(summary.dispersion.toFixed(6), (builder.dispersion ?? 0).toFixed(6));
  const perDev = builder.balancePerDev();
  assert.equal(summary.devices.length, 4);
  for (const d of summary.devices) {
    assert.equal(d.balance.toFixed(6), perDev.get(d.id)!.toFixed(6));
    assert.equal(d.parts, builder.state.devs[d.id]!.parts);
  }
  assert.equal(summary.devices.reduce((n, d) => n + d.parts, 0), 256 * 3);
});
