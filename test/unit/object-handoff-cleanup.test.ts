/**
 * A handoff's removal of what it synced must leave the partition's suffix
 * hashes true to the disk: a stale cached suffix (files removed, hash kept)
 * matches the primaries' hashes, so once the device is a primary of the
 * partition (a ring change) no peer ever sends those objects back.
 */
import { createHash } from 'node:crypto';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Timestamp } from '../../common/index.js';
import { FsDiskFileManager, getHashes, type DiskFile } from '../../storage/object/index.js';
import { listPartitionFiles, removeSynced } from '../../consistency/handoff-cleanup.js';

const root = mkdtempSync(join(tmpdir(), 'swiftly-handoff-'));
mkdirSync(join(root, 'sda'));
after(() => rmSync(root, { recursive: true, force: true }));
const manager = new FsDiskFileManager({ devices: root, mountCheck: false, reclaimAge: 604800, diskChunkSize: 65536, hashSecrets: { prefix: 'p', suffix: 's' } });
const opts = { reclaimAge: 604800 };

async function writeObject(df: DiskFile, body: string): Promise<void> {
  const t = Timestamp.now();
  const w = await df.writer();
  await new Promise<void>((r) => w.stream.end(Buffer.from(body), () => r()));
  const etag = createHash('md5').update(body).digest('hex');
  await w.put({ 'X-Timestamp': t.internal, 'Content-Length': String(Buffer.byteLength(body)), ETag: etag, 'Content-Type': 'text/plain' });
  await w.commit(t);
}

/** Two objects of partition `part` in different suffixes. */
async function twoSuffixes(part: string): Promise<[DiskFile, DiskFile]> {
  const a = await manager.diskFile('sda', part, 'AUTH_a', 'c', 'k0', 0);
  for (let i = 1; ; i++) {
    const b = await manager.diskFile('sda', part, 'AUTH_a', 'c', `k${i}`, 0);
    if (b.suffix !== a.suffix) return [a, b];
  }
}

test('a suffix emptied by a handoff removal is gone from the hashes when a later write keeps the partition', async () => {
  const [synced, late] = await twoSuffixes('7');
  const part = join(root, 'sda', 'objects', '7');
  await writeObject(synced, 'pushed to the primaries');
  // The replicator hashed the partition to sync it (and cached the hash)...
  assert.deepEqual(Object.keys(await getHashes(part, [], opts)), [synced.suffix]);
  const snapshot = await listPartitionFiles(part);
  // ...a write landed meanwhile (the proxy already on a newer ring)...
  await writeObject(late, 'written after the snapshot');
  await removeSynced(part, snapshot);
  assert.ok(existsSync(join(part, late.suffix)), 'the late write is kept');
  assert.ok(!existsSync(join(part, synced.suffix)), 'the synced object is removed');
  // ...so the partition stays, and its hashes must say what it holds now.
  const hashes = await getHashes(part, [], opts);
  assert.deepEqual(Object.keys(hashes), [late.suffix], `a removed suffix still cached: ${JSON.stringify(hashes)}`);
});

test('a rehash that publishes while a handoff removal runs does not leave the removed suffix cached', async () => {
  const [synced] = await twoSuffixes('8');
  const part = join(root, 'sda', 'objects', '8');
  await writeObject(synced, 'pushed to the primaries');
  const before = await getHashes(part, [], opts);
  const snapshot = await listPartitionFiles(part);
  // A rehash (a peer's REPLICATE) holds the partition's lock: it hashed the
  // suffix before the removal and writes its hashes after it.
  mkdirSync(join(part, '.lock'));
  await removeSynced(part, snapshot);
  assert.ok(existsSync(part), 'the held lock keeps the partition');
  writeFileSync(join(part, 'hashes.json'), JSON.stringify({ hashes: before, updated: 0 }));
  rmdirSync(join(part, '.lock'));
  const hashes = await getHashes(part, [], opts);
  assert.deepEqual(hashes, {}, `a removed suffix still cached: ${JSON.stringify(hashes)}`);
});
