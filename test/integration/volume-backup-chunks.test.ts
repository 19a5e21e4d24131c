/**
 * Volume backups as Cinder's Swift backup driver lays them out, against a
 * real swiftly cluster with a user's token: a full backup (a chunk of
 * zeros not stored) → restore round trip with the same sha256, an
 * incremental backup that stores only the changed blocks (the objects PUT
 * are counted in the container), the chain restored onto an existing
 * volume holding other data, and a tampered object refused.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SwiftStore } from '../../compute/image/index.js';
import {
  getJson, metadataName, rawZeroBlocks, objectPrefix, restoreBackup, writeBackup, BackupChecksumError, type BackupMetadata, type BackupSha256File,
} from '../../compute/volume/backup/index.js';
import { startSwiftlyCluster, login, type SwiftlyCluster } from './helpers/swiftly-cluster.js';

const KIB = 1024;
const SIZE = 1024 * KIB + 5 * KIB; // not a multiple of the object size: a short last object and block
const OBJECT = 256 * KIB;
const BLOCK = 32 * KIB;

describe('volume backups in the object store', () => {
  let cluster: SwiftlyCluster;
  let store: SwiftStore;
  let tmp: string;
  const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
  const names = async (prefix: string) => (await store.list()).filter((n) => n.startsWith(prefix));
  const backup = (id: string, path: string, compression: 'zlib' | 'none', parent?: { metadata: BackupMetadata; sha256s: string[] }) =>
    writeBackup(store, {
      backupId: id, volumeId: 'vol-1', prefix: objectPrefix('vol-1', id, 'nova', new Date()), source: { path, sizeBytes: SIZE, format: 'raw' },
      objectSize: OBJECT, blockSize: BLOCK, compression, parent,
    });

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'swiftly-vol-backup-'));
    cluster = await startSwiftlyCluster();
    const user = await login(cluster.authUrl, 'test:tester', 'testing');
    store = new SwiftStore({ token: user.token, storageUrl: user.storageUrl, container: 'volumebackups', segmentsContainer: null });
  });
  after(async () => {
    await cluster?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a full backup restores to a new volume with the same sha256; incremental stores only changed blocks', async () => {
    const vol = join(tmp, 'volume');
    const data = randomBytes(SIZE);
    data.fill(0, OBJECT, 2 * OBJECT); // a sparse volume's unwritten part
    writeFileSync(vol, data);
    const full = await backup('b-full', vol, 'zlib');
    assert.equal(full.objectCount, 4, 'five chunks, the one of zeros not stored');
    assert.equal((await names(full.metadata.prefix)).length, 4 + 2, 'four chunks, _metadata and _sha256file');

    const restored = join(tmp, 'restored');
    writeFileSync(restored, '');
    truncateSync(restored, SIZE);
    assert.equal(await restoreBackup([{ metadata: full.metadata, store }], { target: { path: restored }, zeroBlocks: rawZeroBlocks }), full.metadata.volume_checksum);
    assert.equal(sha(restored), sha(vol));

    // Change two blocks far apart and three adjacent ones: three runs, three objects.
    const fd2 = openSync(vol, 'r+');
    writeSync(fd2, randomBytes(10), 0, 10, 3 * BLOCK + 7);
    writeSync(fd2, randomBytes(3 * BLOCK), 0, 3 * BLOCK, 12 * BLOCK);
    writeSync(fd2, randomBytes(1), 0, 1, SIZE - 1);
    closeSync(fd2);
    const shaFile = await getJson<BackupSha256File>(store, full.metadata.prefix + '_sha256file');
    assert.equal(shaFile.sha256s.length, Math.ceil(SIZE / BLOCK));
    const incr = await backup('b-incr', vol, 'none', { metadata: full.metadata, sha256s: shaFile.sha256s });
    assert.equal(incr.objectCount, 3);
    assert.equal(incr.storedBytes, BLOCK + 3 * BLOCK + (SIZE % BLOCK));
    assert.equal((await names(incr.metadata.prefix)).length, 3 + 2);
    assert.equal(incr.metadata.parent_id, 'b-full');

    // Restore the chain onto an existing volume holding other data (the zero chunk too).
    const existing = join(tmp, 'existing');
    writeFileSync(existing, randomBytes(SIZE + BLOCK));
    const chain = [{ metadata: full.metadata, store }, { metadata: await getJson<BackupMetadata>(store, metadataName(incr.metadata.prefix)), store }];
    assert.equal(await restoreBackup(chain, { target: { path: existing } }), incr.metadata.volume_checksum);
    assert.equal(createHash('sha256').update(readFileSync(existing).subarray(0, SIZE)).digest('hex'), sha(vol));
  });

  it('a tampered object fails the restore', async () => {
    const vol = join(tmp, 'volume2');
    writeFileSync(vol, randomBytes(SIZE));
    const full = await backup('b-tamper', vol, 'none');
    const [first] = Object.keys(full.metadata.objects[0]!);
    const bad = Buffer.from(randomBytes(OBJECT));
    await store.put(first!, Readable.from([bad]), bad.length);
    const target = join(tmp, 'target2');
    writeFileSync(target, Buffer.alloc(SIZE));
    await assert.rejects(restoreBackup([{ metadata: full.metadata, store }], { target: { path: target } }), BackupChecksumError);
  });
});
