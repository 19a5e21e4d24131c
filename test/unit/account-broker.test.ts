import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountBroker } from '../../storage/index.js';

const root = mkdtempSync(join(tmpdir(), 'swiftly-abroker-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function newBroker(): AccountBroker {
  const b = new AccountBroker(join(root, 'sda', 'accounts', '1', 'abc', `h${++n}`, `h${n}.db`), 'AUTH_t');
  b.initialize('1700000000.00000');
  return b;
}
const ts = (s: number): string => `${1700000000 + s}.00000`;

test('container rows: newest put and delete timestamps win, totals follow', () => {
  const b = newBroker();
  b.putContainer('c1', ts(1), '0', 3, 30, 0);
  b.putContainer('c2', ts(2), '0', 1, 5, 1);
  assert.deepEqual([b.getInfo().container_count, b.getInfo().object_count, b.getInfo().bytes_used], [2, 4, 35]);
  // a late report with an older put keeps the newer put timestamp but takes the counts
  b.putContainer('c1', ts(0), '0', 7, 70, 0);
  const row = b.getItemsSince(-1, 10).find((r) => r.name === 'c1')!;
  assert.equal(row.put_timestamp, ts(1));
  assert.equal(row.object_count, 7);
  assert.deepEqual(b.getPolicyStats(), {
    0: { container_count: 1, object_count: 7, bytes_used: 70 },
    1: { container_count: 1, object_count: 1, bytes_used: 5 },
  });
  // deleted once the delete is newest and it is empty
  b.putContainer('c2', ts(2), ts(3), 0, 0, 1);
  assert.equal(b.getInfo().container_count, 1);
  assert.equal(b.getPolicyStats()[1].container_count, 0);
  // an older put arriving later cannot resurrect it
  b.putContainer('c2', ts(1), '0', 0, 0, 1);
  assert.equal(b.getInfo().container_count, 1);
});

test('account listings with prefix, delimiter, markers and reverse', async () => {
  const b = newBroker();
  for (const name of ['a', 'a-b', 'a/b', 'a/c', 'b', 'c']) b.putContainer(name, ts(1), '0', 0, 0, 0);
  const list = async (p: Record<string, unknown>): Promise<string[]> =>
    (await b.listContainers({ limit: 100, ...p })).map((e) => (e.subdir ? `${e.name}(dir)` : e.name));
  assert.deepEqual(await list({ delimiter: '/' }), ['a', 'a-b', 'a/(dir)', 'b', 'c']);
  assert.deepEqual(await list({ delimiter: '/', reverse: true }), ['c', 'b', 'a/(dir)', 'a-b', 'a']);
  assert.deepEqual(await list({ prefix: 'a', delimiter: '-' }), ['a', 'a-(dir)', 'a/b', 'a/c']);
  assert.deepEqual(await list({ marker: 'a-b', endMarker: 'b' }), ['a/b', 'a/c']);
  assert.deepEqual(await list({ limit: 2 }), ['a', 'a-b']);
});

test('DELETE marks the account deleted (status) and reclaim drops old rows', () => {
  const b = newBroker();
  b.putContainer('old', ts(1), ts(2), 0, 0, 0);
  b.updateMetadata({ 'X-Account-Meta-K': ['v', ts(1)] });
  assert.equal(b.isStatusDeleted(), false);
  b.deleteDb(ts(5));
  assert.equal(b.isStatusDeleted(), true);
  assert.equal(b.isDeleted(), true);
  assert.deepEqual(b.metadata, { 'X-Account-Meta-K': ['', ts(5)] });
  assert.equal(b.reclaim(1700000000 + 10, 100).reclaimed, 0);
  assert.equal(b.reclaim(1700000000 + 1000, 100).reclaimed, 1);
  assert.deepEqual(b.metadata, {});
  assert.equal(b.isReclaimable(1700000000 + 1000, 100), true);
});

test('the DB hash matches Swift 2.30\'s for the same rows', () => {
  // Oracle: Debian's swift.account.backend.AccountBroker after
  // put_container('c', '1700000001.00000', '0', 2, 12, 0).
  const b = newBroker();
  b.putContainer('c', '1700000001.00000', '0', 2, 12, 0);
  assert.equal(b.getInfo().hash, '8746f16dd2b6e81ac297b95427327017');
});
