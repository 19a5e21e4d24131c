/**
 * Every promise compute makes is awaited (or `void`ed on purpose): its DB
 * is async (SQLite or PostgreSQL), and a dropped `db.updateInstance(...)`
 * or an `if (!db.getInstance(id))` compiles but is wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { findFloatingPromises } from '../helpers/floating-promises.js';

test('compute awaits every promise it makes', { timeout: 120_000 }, () => {
  const base = fileURLToPath(new URL('../../../', import.meta.url));
  const found = findFloatingPromises(base, ['compute/', 'cli/commands/compute/', 'cli/cluster/compute', 'test/integration/compute-', 'test/unit/compute-', 'test/helpers/compute-']);
  assert.deepEqual(found.map((f) => `${f.file}:${f.line} ${f.why}: ${f.text}`), []);
});
