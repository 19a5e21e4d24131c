/** Builder files: JSON with deflated typed arrays, written atomically, loaded back identically. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '../../common/index.js';
import { loadBuilder, RingBuilder, saveBuilder } from '../../ring/index.js';
import { addDevices } from '../helpers/builder-fixtures.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swiftly-builder-file-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a rebalanced builder round-trips, id assigned on first save', () => {
  const b = RingBuilder.create(10, 2.5, 6);
  addDevices(b, { regions: 1, zonesPerRegion: 3, serversPerZone: 2, devsPerServer: 2, weights: [50, 150] }, 3);
  b.setOverload(0.05);
  b.rebalance({ seed: 7, now: 1_700_000_000 });
  b.removeDev(2);
  const path = join(dir, 'object.builder');
  assert.equal(b.state.id, null);
  saveBuilder(b, path);
  assert.match(b.state.id!, /^[0-9a-f]{32}$/);
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(doc.format, 'swiftly-ring-builder');
  assert.equal(doc.part_power, 10);
  assert.deepEqual(doc._remove_devs, [2]);
  const back = loadBuilder(path);
  const { replica2part2dev, lastPartMoves, ...rest } = back.state;
  const { replica2part2dev: r0, lastPartMoves: l0, ...rest0 } = b.state;
  assert.deepEqual(rest, rest0);
  assert.deepEqual(replica2part2dev, r0);
  assert.deepEqual(lastPartMoves, l0);
  assert.deepEqual(replica2part2dev!.map((a) => a.length), [1024, 1024, 512]);
  // The same result from the same seed after a reload.
  const again = loadBuilder(path);
  back.rebalance({ seed: 9, now: 1_700_100_000 });
  again.rebalance({ seed: 9, now: 1_700_100_000 });
  assert.deepEqual(back.state.replica2part2dev, again.state.replica2part2dev);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('missing, pickled and corrupt files give clear errors', () => {
  assert.throws(() => loadBuilder(join(dir, 'nope.builder')), (err) => hasCode(err, 'ERR_NOT_FOUND') && /Ring Builder file does not exist/.test(err.message));
  const pickle = join(dir, 'pickled.builder');
  writeFileSync(pickle, Buffer.from([0x80, 0x02, 0x7d, 0x71]));
  assert.throws(() => loadBuilder(pickle), /Ring Builder file is invalid: .*pickled/);
  const bad = join(dir, 'bad.builder');
  writeFileSync(bad, '{"format": "swiftly-ring-builder", "format_version": 1, "part_power": 4}');
  assert.throws(() => loadBuilder(bad), /Ring Builder file is invalid/);
});
