import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timestamp, InvalidTimestampError } from '../../common/index.js';

test('normal form is zero padded to 16 characters with 5 decimals', () => {
  assert.equal(Timestamp.parse('1700000000').normal, '1700000000.00000');
  assert.equal(Timestamp.parse(1.5).normal, '0000000001.50000');
  assert.equal(Timestamp.parse('1402436408.91203').normal, '1402436408.91203');
  assert.equal(Timestamp.parse('1402436408.912035').normal, '1402436408.91204', 'rounded to 10 µs');
});

test('internal form carries the offset as 16 hex digits, short form without padding', () => {
  const t = Timestamp.parse('1402436408.91203_00000000000000f0');
  assert.equal(t.offset, 0xf0n);
  assert.equal(t.internal, '1402436408.91203_00000000000000f0');
  assert.equal(t.short, '1402436408.91203_f0');
  assert.equal(Timestamp.parse('1402436408.91203').internal, '1402436408.91203');
});

test('ordering: time first, then offset', () => {
  const a = Timestamp.parse('1000.00001');
  const b = Timestamp.parse('1000.00001_1');
  const c = Timestamp.parse('1000.00002');
  assert.ok(a.compare(b) < 0);
  assert.ok(b.compare(c) < 0);
  assert.ok(c.isNewerThan(a));
  assert.ok(a.equals(Timestamp.parse('1000.000010')));
  assert.equal(Timestamp.max(a, c, b), c);
  // the internal string form sorts like the timestamps
  const sorted = [c, b, a].map((t) => t.internal).sort();
  assert.deepEqual(sorted, [a.internal, b.internal, c.internal]);
});

test('bad timestamps are rejected', () => {
  for (const bad of ['', 'abc', '-1', '1.2.3', '10000000000', '1_zz', 'NaN', 'Infinity', '1e']) {
    assert.throws(() => Timestamp.parse(bad), InvalidTimestampError, bad);
  }
  assert.equal(Timestamp.tryParse('nope'), undefined);
});

test('delta and now with an injected clock', () => {
  assert.equal(Timestamp.parse('1', { delta: 1 }).normal, '0000000001.00001');
  assert.equal(Timestamp.now(() => 1700000000123).normal, '1700000000.12300');
  assert.equal(Timestamp.parse('1700000000.5').httpDate, 'Tue, 14 Nov 2023 22:13:21 GMT');
  assert.equal(Timestamp.parse('1700000000.12345').isoformat, '2023-11-14T22:13:20.123450');
});
