import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerBroker } from '../../storage/index.js';

const root = mkdtempSync(join(tmpdir(), 'swiftly-cbroker-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function newBroker(policy = 0): ContainerBroker {
  const b = new ContainerBroker(join(root, 'sda', 'containers', '1', 'abc', `h${++n}`, `h${n}.db`), 'a', 'c');
  b.initialize('1700000000.00000', policy);
  return b;
}
const ts = (s: number): string => `${1700000000 + s}.00000`;

function names(entries: { name: string; subdir: boolean }[]): string[] {
  return entries.map((e) => (e.subdir ? `${e.name}(dir)` : e.name));
}

test('initialize refuses an existing DB and the stat row starts as Swift\'s', () => {
  const b = newBroker(0);
  assert.throws(() => b.initialize(ts(1), 0), /already exists/);
  const info = b.getInfo();
  assert.equal(info.put_timestamp, '1700000000.00000');
  assert.equal(info.delete_timestamp, '0');
  assert.equal(info.object_count, 0);
  assert.equal(info.hash, '00000000000000000000000000000000');
  assert.match(info.id, /^[0-9a-f-]{36}-sda$/);
  assert.equal(b.isDeleted(), false);
});

test('newest row wins per name; older updates and deletes are ignored', () => {
  const b = newBroker();
  b.putObject('o', ts(10), 5, 'text/plain', 'e1');
  b.putObject('o', ts(5), 99, 'text/old', 'old');
  let rows = b.getItemsSince(-1, 10);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].size, 5);
  b.deleteObject('o', ts(9));
  assert.equal(b.getInfo().object_count, 1);
  b.putObject('o', ts(20), 7, 'text/new', 'e2');
  assert.deepEqual([b.getInfo().object_count, b.getInfo().bytes_used], [1, 7]);
  b.deleteObject('o', ts(30));
  assert.deepEqual([b.getInfo().object_count, b.getInfo().bytes_used], [0, 0]);
  rows = b.getItemsSince(-1, 10);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].deleted, 1);
  assert.equal(rows[0].content_type, 'application/deleted');
});

test('content-type and metadata timestamps merge independently of the data (fast-POST)', () => {
  const b = newBroker();
  b.putObject('o', ts(1), 3, 'text/a', 'e1');
  // a POST changed the content type at t5 and metadata at t6
  b.putObject('o', ts(1), 3, 'text/b', 'e1', 0, 0, ts(5), ts(6));
  // a newer PUT of the data at t3 keeps the newer content type
  b.putObject('o', ts(3), 9, 'text/c', 'e2');
  const [row] = b.getItemsSince(-1, 10);
  assert.equal(row.size, 9);
  assert.equal(row.etag, 'e2');
  assert.equal(row.content_type, 'text/b');
  assert.equal(row.created_at, `${ts(3)}+30d40+186a0`);
});

test('swift_bytes follows the data timestamp, the content type its own', () => {
  const b = newBroker();
  b.putObject('o', ts(1), 0, 'application/x;swift_bytes=100', 'e');
  b.putObject('o', ts(1), 0, 'text/new', 'e', 0, 0, ts(2), ts(2));
  assert.equal(b.getItemsSince(-1, 1)[0].content_type, 'text/new;swift_bytes=100');
});

test('merge of replicated rows is order independent and keeps the DB hash in step', () => {
  const rows = [
    { name: 'x', created_at: ts(1), size: 1, content_type: 't', etag: 'a', deleted: 0, storage_policy_index: 0 },
    { name: 'y', created_at: ts(2), size: 2, content_type: 't', etag: 'b', deleted: 0, storage_policy_index: 0 },
    { name: 'x', created_at: ts(3), size: 0, content_type: 'application/deleted', etag: 'noetag', deleted: 1, storage_policy_index: 0 },
  ];
  const b1 = newBroker();
  const b2 = newBroker();
  b1.mergeItems(rows.map((r) => ({ ...r })));
  b2.mergeItems([...rows].reverse().map((r) => ({ ...r })));
  assert.equal(b1.getInfo().hash, b2.getInfo().hash);
  assert.notEqual(b1.getInfo().hash, '00000000000000000000000000000000');
  assert.equal(b1.getInfo().object_count, 1);
  // with a source, the sender's last ROWID becomes its incoming sync point
  const b3 = newBroker();
  b3.mergeItems(b1.getItemsSince(-1, 10) as never[], 'remote-1');
  assert.equal(b3.getSync('remote-1'), b1.getMaxRow());
  assert.equal(b3.getInfo().hash, b1.getInfo().hash);
});

test('listings: prefix, delimiter, markers, reverse, path and limit as Swift', async () => {
  const b = newBroker();
  for (const name of ['a', 'a/b', 'a/c', 'a/c/d', 'b', 'b-c', 'c/x/y', 'd']) b.putObject(name, ts(1), 1, 't', 'e');
  const list = async (p: Record<string, unknown>): Promise<string[]> =>
    names(await b.listObjects({ limit: 10000, marker: '', ...p } as never, 0));
  assert.deepEqual(await list({}), ['a', 'a/b', 'a/c', 'a/c/d', 'b', 'b-c', 'c/x/y', 'd']);
  assert.deepEqual(await list({ delimiter: '/' }), ['a', 'a/(dir)', 'b', 'b-c', 'c/(dir)', 'd']);
  assert.deepEqual(await list({ delimiter: '/', reverse: true }), ['d', 'c/(dir)', 'b-c', 'b', 'a/(dir)', 'a']);
  assert.deepEqual(await list({ prefix: 'a/', delimiter: '/' }), ['a/b', 'a/c', 'a/c/(dir)']);
  assert.deepEqual(await list({ path: 'a' }), ['a/b', 'a/c']);
  assert.deepEqual(await list({ marker: 'a/c', endMarker: 'b-c' }), ['a/c/d', 'b']);
  assert.deepEqual(await list({ marker: 'b-c', endMarker: 'a/c', reverse: true }), ['b', 'a/c/d']);
  assert.deepEqual(await list({ limit: 2, delimiter: '/' }), ['a', 'a/(dir)']);
  assert.deepEqual(await list({ delimiter: '/', marker: 'a/' }), ['b', 'b-c', 'c/(dir)', 'd']);
  assert.deepEqual(await list({ prefix: 'zz' }), []);
  assert.deepEqual(await list({ delimiter: '-' }), ['a', 'a/b', 'a/c', 'a/c/d', 'b', 'b-(dir)', 'c/x/y', 'd']);
});

test('listings order names by code point (UTF-8), not UTF-16', async () => {
  const b = newBroker();
  for (const name of ['\u{1F600}', '\uFF21', 'z']) b.putObject(name, ts(1), 1, 't', 'e');
  assert.deepEqual(names(await b.listObjects({ limit: 100 }, 0)), ['z', '\uFF21', '\u{1F600}']);
  assert.deepEqual(names(await b.listObjects({ limit: 100, marker: '\uFF21' }, 0)), ['\u{1F600}']);
});

test('a 10,000-row listing pages through the DB and lets the event loop run', async () => {
  const b = newBroker();
  const rows = Array.from({ length: 10000 }, (_, i) => ({
    name: `obj-${String(i).padStart(5, '0')}`, created_at: ts(1), size: 1, content_type: 't', etag: 'e', deleted: 0, storage_policy_index: 0,
  }));
  b.mergeItems(rows);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const listed = await b.listObjects({ limit: 10000 }, 0);
  clearInterval(timer);
  assert.equal(listed.length, 10000);
  assert.equal(listed[9999].name, 'obj-09999');
  assert.ok(ticks >= 1, 'the loop ran between pages');
  const rev = await b.listObjects({ limit: 3, reverse: true, marker: 'obj-00003' }, 0);
  assert.deepEqual(names(rev), ['obj-00002', 'obj-00001', 'obj-00000']);
});

test('per-policy stats and a policy change on re-create', () => {
  const b = newBroker(1);
  assert.equal(b.storagePolicyIndex, 1);
  b.putObject('o1', ts(1), 10, 't', 'e', 0, 1);
  b.putObject('o2', ts(1), 5, 't', 'e', 0, 0); // a misplaced row in policy 0
  assert.deepEqual(b.getPolicyStats(), { 0: { object_count: 1, bytes_used: 5 }, 1: { object_count: 1, bytes_used: 10 } });
  assert.deepEqual([b.getInfo().object_count, b.getInfo().bytes_used], [1, 10]);
  assert.equal(b.empty(), false);
  b.setStoragePolicyIndex(0, ts(5));
  assert.equal(b.getInfo().storage_policy_index, 0);
  assert.equal(b.getInfo().status_changed_at, ts(5));
  assert.deepEqual([b.getInfo().object_count, b.getInfo().bytes_used], [1, 5]);
});

test('delete, metadata per-key timestamps and reclaim after reclaim_age', () => {
  const b = newBroker();
  b.updateMetadata({ 'X-Container-Meta-A': ['1', ts(1)], 'X-Container-Meta-B': ['2', ts(1)] });
  b.updateMetadata({ 'X-Container-Meta-A': ['old', ts(0)], 'X-Container-Meta-B': ['', ts(2)] });
  assert.deepEqual(b.metadata, { 'X-Container-Meta-A': ['1', ts(1)], 'X-Container-Meta-B': ['', ts(2)] });
  b.putObject('gone', ts(1), 1, 't', 'e');
  b.deleteObject('gone', ts(2));
  b.putObject('kept', ts(1), 1, 't', 'e');
  b.deleteDb(ts(3));
  assert.equal(b.isDeleted(), false, 'not deleted while it holds an object');
  b.deleteObject('kept', ts(4));
  b.deleteDb(ts(5));
  assert.equal(b.isDeleted(), true);
  assert.equal(b.metadata['X-Container-Meta-A'][0], '');
  // nothing is old enough yet
  assert.equal(b.reclaim(1700000000 + 100, 1000).reclaimed, 0);
  assert.equal(b.isReclaimable(1700000000 + 100, 1000), false);
  const later = 1700000000 + 100000;
  assert.equal(b.reclaim(later, 1000).reclaimed, 2);
  assert.equal(b.getItemsSince(-1, 10).length, 0);
  assert.deepEqual(b.metadata, {});
  assert.equal(b.isReclaimable(later, 1000), true);
});

test('merge_timestamps keeps the oldest created_at and newest put/delete', () => {
  const b = newBroker();
  b.mergeTimestamps('1600000000.00000', ts(10), ts(20));
  const info = b.getInfo();
  assert.equal(info.created_at, '1600000000.00000');
  assert.equal(info.put_timestamp, ts(10));
  assert.equal(info.delete_timestamp, ts(20));
  assert.equal(b.isDeleted(), true);
  b.mergeSyncs([{ remote_id: 'r', sync_point: 5 }, { remote_id: 'r', sync_point: 3 }]);
  assert.equal(b.getSync('r'), 5);
});

test('the DB hash matches Swift 2.30\'s for the same rows', () => {
  // Oracle: Debian's swift.container.backend.ContainerBroker given these rows
  // reports hash eab8e6f3b8fb3b5d0032b1ab1e6ea367.
  const b = newBroker();
  b.putObject('o1', '1700000001.00000', 5, 'text/plain', 'e');
  b.putObject('o2', '1700000002.00000', 7, 'text/plain', 'e', 0, 0, '1700000003.00000', '1700000004.00000');
  assert.equal(b.getInfo().hash, 'eab8e6f3b8fb3b5d0032b1ab1e6ea367');
});

test('a write through a connection whose DB was removed meanwhile fails instead of landing in the removed file', () => {
  const server = newBroker();
  server.putObject('before', ts(1), 1, 'text/plain', 'e');
  // A replicator (its own connection) removes the handoff copy.
  const replicator = new ContainerBroker(server.dbFile, 'a', 'c');
  assert.equal(replicator.removeIfUnchanged(replicator.getMaxRow()), true);
  assert.throws(() => server.putObject('after', ts(2), 1, 'text/plain', 'e'), { name: 'DatabaseGoneError' });
  server.close();
});

test('a DB that got a row since the replicator read max_row is not removed', () => {
  const server = newBroker();
  server.putObject('one', ts(1), 1, 'text/plain', 'e');
  const replicator = new ContainerBroker(server.dbFile, 'a', 'c');
  const maxRow = replicator.getMaxRow();
  server.putObject('two', ts(2), 1, 'text/plain', 'e');
  assert.equal(replicator.removeIfUnchanged(maxRow), false);
  assert.deepEqual(server.getItemsSince(-1, 10).map((r) => r.name), ['one', 'two']);
  server.close();
});

test('stat row updates through a connection whose DB was removed fail too', () => {
  const server = newBroker();
  server.putObject('o', ts(1), 1, 'text/plain', 'e');
  const replicator = new ContainerBroker(server.dbFile, 'a', 'c');
  assert.equal(replicator.removeIfUnchanged(replicator.getMaxRow()), true);
  assert.throws(() => server.updatePutTimestamp(ts(5)), { name: 'DatabaseGoneError' });
  assert.throws(() => server.deleteDb(ts(6)), { name: 'DatabaseGoneError' });
  server.close();
});
