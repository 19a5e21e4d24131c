import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapFlags } from '../../common/heap-flags.js';

test('each tuned value becomes its flag; an undefined one is left to V8', () => {
  assert.deepEqual(heapFlags({ semiSpaceMib: 8, heapGrowingPercent: 300 }, []), ['--max-semi-space-size=8', '--heap-growing-percent=300']);
  assert.deepEqual(heapFlags({ semiSpaceMib: 2 }, []), ['--max-semi-space-size=2']);
  assert.deepEqual(heapFlags({}, []), []);
});

test('a flag already given in node flags or NODE_OPTIONS wins, in either spelling', () => {
  const t = { semiSpaceMib: 8, heapGrowingPercent: 300 };
  assert.deepEqual(heapFlags(t, ['--max-semi-space-size=32']), ['--heap-growing-percent=300']);
  assert.deepEqual(heapFlags(t, ['--heap_growing_percent=50']), ['--max-semi-space-size=8']);
  assert.deepEqual(heapFlags(t, ['--inspect', '--max-old-space-size=512 --heap-growing-percent=100']), ['--max-semi-space-size=8']);
});
