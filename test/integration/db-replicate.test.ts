import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hashPath } from '../../common/index.js';
import { ContainerBroker, REPLICATE_UPLOAD_HEADER, dbPath } from '../../storage/index.js';
import { startDbServers, http, nextTs, replicate, type DbServers } from './db-test-servers.js';

let one: DbServers;
let two: DbServers;
before(async () => {
  [one, two] = await Promise.all([startDbServers(), startDbServers()]);
});
after(async () => {
  await one.close();
  await two.close();
});

const row = { 'X-Size': '4', 'X-Content-Type': 'text/plain', 'X-Etag': 'e' };
const hashOf = (c: string): string => hashPath(one.swiftConf.hashPath, 'AUTH_r', c);
/** A consistent copy of one's DB of container `c`, as a replicator would upload it. */
async function snapshot(c: string): Promise<Buffer> {
  const broker = new ContainerBroker(dbPath(one.swiftConf.hashPath, one.devices, 'sda', 'containers', '1', 'AUTH_r', c), 'AUTH_r', c);
  const out = join(one.root, `snap-${c}.db`);
  await broker.backup(out);
  broker.close();
  const bytes = readFileSync(out);
  rmSync(out);
  return bytes;
}
const info = async (s: DbServers, c: string) => JSON.parse((await replicate(s.container.port, `/sda/1/${hashOf(c)}`, JSON.stringify(['sync', -1, '', 'nobody', '0', '0', '0', '']))).body);

test('sync answers the replication info; merge_items and merge_syncs bring a peer in step', async () => {
  const C1 = one.container.port;
  const C2 = two.container.port;
  const t = nextTs();
  await http(C1, 'PUT', '/sda/1/AUTH_r/c', { 'X-Timestamp': t });
  await http(C2, 'PUT', '/sda/1/AUTH_r/c', { 'X-Timestamp': t });
  for (const o of ['a', 'b', 'c']) await http(C1, 'PUT', `/sda/1/AUTH_r/c/${o}`, { 'X-Timestamp': nextTs(), ...row });
  await http(C2, 'PUT', '/sda/1/AUTH_r/c/z', { 'X-Timestamp': nextTs(), ...row });
  const local = await info(one, 'c');
  assert.equal(local.count, 3);
  assert.equal(local.max_row, 3);
  assert.equal(local.point, -1);
  // push rows 1..3 of one to two, as a replicator does with get_items_since
  const items = await http(C1, 'GET', '/sda/1/AUTH_r/c?format=json');
  assert.equal(JSON.parse(items.body).length, 3);
  const rows = ['a', 'b', 'c'].map((name, i) => ({
    name, created_at: `${1700000100 + i}.00000`, size: 4, content_type: 'text/plain', etag: 'e', deleted: 0, storage_policy_index: 0, ROWID: i + 1,
  }));
  let r = await replicate(C2, `/sda/1/${hashOf('c')}`, JSON.stringify(['merge_items', rows, local.id]));
  assert.equal(r.status, 202);
  r = await replicate(C2, `/sda/1/${hashOf('c')}`, JSON.stringify(['sync', 3, local.hash, local.id, local.created_at, local.put_timestamp, local.delete_timestamp, local.metadata]));
  assert.equal(r.status, 200);
  const remote = JSON.parse(r.body);
  assert.equal(remote.point, 3, 'the sender\'s rows up to 3 are recorded as merged');
  assert.equal(remote.count, 4);
  r = await replicate(C2, `/sda/1/${hashOf('c')}`, JSON.stringify(['merge_syncs', [{ remote_id: 'other', sync_point: 9 }]]));
  assert.equal(r.status, 202);
  assert.equal((await http(C2, 'GET', '/sda/1/AUTH_r/c')).body, 'a\nb\nc\nz\n');
  // metadata and timestamps travel with sync
  r = await replicate(C2, `/sda/1/${hashOf('c')}`, JSON.stringify(['sync', 3, 'x', local.id, '1600000000.00000', '1700000999.00000', '0',
    JSON.stringify({ 'X-Container-Meta-R': ['v', '1700000999.00000'] })]));
  r = await http(C2, 'HEAD', '/sda/1/AUTH_r/c');
  assert.equal(r.headers['x-container-meta-r'], 'v');
  assert.equal(r.headers['x-put-timestamp'], '1700000999.00000');
  assert.equal(r.headers['x-timestamp'], '1600000000.00000');
});

test('a missing DB is 404; bad bodies are 400; missing device is 507', async () => {
  const C1 = one.container.port;
  assert.equal((await replicate(C1, `/sda/1/${hashOf('none')}`, '["sync", -1]')).status, 404);
  assert.equal((await replicate(C1, `/sda/1/${hashOf('none')}`, 'not json')).status, 400);
  assert.equal((await replicate(C1, `/sda/1/${hashOf('none')}`, '{"a": 1}')).status, 400);
  assert.equal((await replicate(C1, `/nodev/1/${hashOf('none')}`, '["sync"]')).status, 507);
  assert.equal((await replicate(one.account.port, `/sda/1/${hashOf('none')}`, '["sync"]')).status, 404);
});

test('whole-DB transfer: upload then complete_rsync publishes a copy with a new id', async () => {
  const C1 = one.container.port;
  const C2 = two.container.port;
  await http(C1, 'PUT', '/sda/1/AUTH_r/whole', { 'X-Timestamp': nextTs() });
  await http(C1, 'PUT', '/sda/1/AUTH_r/whole/x', { 'X-Timestamp': nextTs(), ...row });
  const before = await info(one, 'whole');
  const bytes = await snapshot('whole');
  const tmp = `${hashOf('whole')}.tmp1`;
  let r = await replicate(C2, `/sda/1/${hashOf('whole')}`, bytes, { [REPLICATE_UPLOAD_HEADER]: tmp });
  assert.equal(r.status, 201);
  assert.ok(existsSync(join(two.devices, 'sda', 'tmp', tmp)));
  r = await replicate(C2, `/sda/1/${hashOf('whole')}`, JSON.stringify(['complete_rsync', tmp]));
  assert.equal(r.status, 204);
  const copy = await info(two, 'whole');
  assert.notEqual(copy.id, before.id);
  assert.equal(copy.hash, before.hash);
  assert.equal((await http(C2, 'GET', '/sda/1/AUTH_r/whole')).body, 'x\n');
  r = await replicate(C2, `/sda/1/${hashOf('whole')}`, JSON.stringify(['complete_rsync', tmp]));
  assert.equal(r.status, 404, 'the DB exists now');
});

test('rsync_then_merge: the uploaded copy gains the local rows and replaces the DB', async () => {
  const C1 = one.container.port;
  const C2 = two.container.port;
  const t = nextTs();
  await http(C1, 'PUT', '/sda/1/AUTH_r/rtm', { 'X-Timestamp': t });
  await http(C2, 'PUT', '/sda/1/AUTH_r/rtm', { 'X-Timestamp': t });
  await http(C1, 'PUT', '/sda/1/AUTH_r/rtm/from-one', { 'X-Timestamp': nextTs(), ...row });
  await http(C2, 'PUT', '/sda/1/AUTH_r/rtm/from-two', { 'X-Timestamp': nextTs(), ...row });
  const bytes = await snapshot('rtm');
  const tmp = 'rtm-upload';
  assert.equal((await replicate(C2, `/sda/1/${hashOf('rtm')}`, bytes, { [REPLICATE_UPLOAD_HEADER]: tmp })).status, 201);
  const r = await replicate(C2, `/sda/1/${hashOf('rtm')}`, JSON.stringify(['rsync_then_merge', tmp]));
  assert.equal(r.status, 204);
  assert.equal((await http(C2, 'GET', '/sda/1/AUTH_r/rtm')).body, 'from-one\nfrom-two\n');
  assert.equal((await http(C2, 'HEAD', '/sda/1/AUTH_r/rtm')).headers['x-container-object-count'], '2');
  assert.equal((await replicate(C2, `/sda/1/${hashOf('rtm')}`, '["rsync_then_merge", "nothing-here"]')).status, 404);
  assert.equal((await replicate(C2, `/sda/1/${hashOf('rtm')}`, '["rsync_then_merge", "../escape"]')).status, 400);
});

test('account DBs answer the same RPC', async () => {
  const A1 = one.account.port;
  await http(A1, 'PUT', '/sda/1/AUTH_r', { 'X-Timestamp': nextTs() });
  await http(A1, 'PUT', '/sda/1/AUTH_r/c', { 'X-Put-Timestamp': nextTs(), 'X-Delete-Timestamp': '0', 'X-Object-Count': '1', 'X-Bytes-Used': '2' });
  const h = hashPath(one.swiftConf.hashPath, 'AUTH_r');
  const r = await replicate(A1, `/sda/1/${h}`, JSON.stringify(['sync', -1, '', 'peer', '0', '0', '0', '']));
  assert.equal(r.status, 200);
  const body = JSON.parse(r.body);
  assert.equal(body.count, 1);
  assert.equal(body.object_count, 1);
  assert.equal(body.account, 'AUTH_r');
});

test('replication_server splits the verbs as Swift does', async () => {
  const [repl, plain] = await Promise.all([startDbServers({ replication_server: 'true' }), startDbServers({ replication_server: 'false' })]);
  try {
    assert.equal((await http(repl.container.port, 'GET', '/sda/1/AUTH_r/c')).status, 405);
    assert.equal((await replicate(repl.container.port, `/sda/1/${hashOf('none')}`, '["sync"]')).status, 404);
    assert.equal((await replicate(plain.account.port, `/sda/1/${hashOf('none')}`, '["sync"]')).status, 405);
    assert.equal((await http(plain.account.port, 'HEAD', '/sda/1/AUTH_r')).status, 404);
  } finally {
    await repl.close();
    await plain.close();
  }
});
