/**
 * Volume backup and restore throughput (issue 25): a volume of random
 * bytes (incompressible: the worst case) backed up into an in-process
 * swiftly cluster (3 nodes, 3 replicas) with a user's token, as Cinder's
 * Swift backup driver lays it out (`backup_swift_object_size` objects,
 * sha256 per `backup_swift_block_size` block), with zlib and without; an
 * incremental backup after 1% of the blocks changed; a restore of the
 * chain onto a new file, verified by sha256 (the read-back included).
 * Run: `npm run bench:volumes -- [MiB, default 1024] [object size MiB, default 32]`
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, rmSync, ftruncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwiftStore } from '../../compute/image/index.js';
import { getJson, objectPrefix, restoreBackup, sha256fileName, writeBackup, type BackupSha256File, type Compression } from '../../compute/volume/backup/index.js';
import { login, startSwiftlyCluster } from '../../test/integration/helpers/swiftly-cluster.js';

const MIB = Number(process.argv[2] ?? 1024);
const OBJECT_MIB = Number(process.argv[3] ?? 32);
const SIZE = MIB << 20;
const BLOCK = 32 * 1024;

function writeRandomFile(path: string): void {
  const fd = openSync(path, 'w');
  for (let o = 0; o < SIZE; o += 8 << 20) writeSync(fd, randomBytes(Math.min(8 << 20, SIZE - o)), 0, undefined, o);
  closeSync(fd);
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await fn();
  const s = (performance.now() - t) / 1000;
  console.log(`${label.padEnd(44)} ${s.toFixed(1).padStart(6)} s  ${(MIB / s).toFixed(1).padStart(6)} MiB/s`);
  return r;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'swiftly-bench-vol-'));
  const cluster = await startSwiftlyCluster();
  try {
    const user = await login(cluster.authUrl, 'test:tester', 'testing');
    const store = new SwiftStore({ token: user.token, storageUrl: user.storageUrl, container: 'volumebackups', segmentsContainer: null });
    const vol = join(tmp, 'volume');
    writeRandomFile(vol);
    console.log(`volume ${MIB} MiB random, objects ${OBJECT_MIB} MiB, blocks ${BLOCK / 1024} KiB, rss ${(process.memoryUsage().rss >> 20)} MiB`);
    const backup = (id: string, compression: Compression, parent?: Parameters<typeof writeBackup>[1]['parent']) => writeBackup(store, {
      backupId: id, volumeId: 'bench', prefix: objectPrefix('bench', id, 'nova', new Date()), source: { path: vol, sizeBytes: SIZE, format: 'raw' },
      objectSize: OBJECT_MIB << 20, blockSize: BLOCK, compression, parent,
    });
    const full = await timed('full backup, no compression', () => backup('full', 'none'));
    await timed('full backup, zlib', () => backup('full-zlib', 'zlib'));
    // 1% of the blocks changed, spread over the volume.
    const fd = openSync(vol, 'r+');
    const blocks = SIZE / BLOCK;
    for (let i = 0; i < blocks / 100; i++) writeSync(fd, randomBytes(512), 0, 512, Math.floor((i * 100 + 37) % blocks) * BLOCK);
    closeSync(fd);
    const shaFile = await getJson<BackupSha256File>(store, sha256fileName(full.metadata.prefix));
    const incr = await timed('incremental backup (1% of blocks changed)', () => backup('incr', 'none', { metadata: full.metadata, sha256s: shaFile.sha256s }));
    console.log(`  incremental stored ${incr.objectCount} objects, ${(incr.storedBytes / 1048576).toFixed(1)} MiB`);
    const target = join(tmp, 'restored');
    const tfd = openSync(target, 'w');
    ftruncateSync(tfd, SIZE);
    closeSync(tfd);
    await timed('restore of full + incremental, verified', () => restoreBackup([{ metadata: full.metadata, store }, { metadata: incr.metadata, store }], { target: { path: target } }));
    console.log(`rss at end ${(process.memoryUsage().rss >> 20)} MiB`);
  } finally {
    await cluster.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
