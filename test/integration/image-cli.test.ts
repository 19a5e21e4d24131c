/** `swiftly compute image upload|list|show|download|delete` against the image API over a swiftly cluster. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../common/index.js';
import { startImageService, type ImageServiceHandle } from '../../compute/image/index.js';
import { startSwiftlyCluster, type SwiftlyCluster } from './helpers/swiftly-cluster.js';

const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
const run = promisify(execFile);
let cluster: SwiftlyCluster;
let images: ImageServiceHandle;
let tmp: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'swiftly-img-cli-'));
  cluster = await startSwiftlyCluster();
  images = await startImageService({
    config: {
      bindHost: '127.0.0.1', bindPort: 0, dbPath: join(tmp, 'images.sqlite'),
      auth: { strategy: 'tempauth', proxyUrl: cluster.proxyUrl, adminProjects: ['admin'], resellerPrefix: 'AUTH' },
      store: { authUrl: cluster.authUrl, user: 'admin:admin', key: 'admin', container: 'glance', largeObjectSize: 64 << 20, largeObjectChunkSize: 200 << 20 },
    },
    logger: silentLogger,
  });
});

after(async () => {
  await images?.stop();
  await cluster?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function cli(...args: string[]) {
  return run(process.execPath, [SWIFTLY, 'compute', 'image', ...args, '--image-url', images.url, '-A', cluster.authUrl, '-U', 'test:tester', '-K', 'testing'], { env: { ...process.env, NO_COLOR: '1' } });
}

test('image upload (progress), list, show, download (verified), delete', async () => {
  const file = join(tmp, 'disk.raw');
  const data = randomBytes(2 * 1024 * 1024 + 7);
  writeFileSync(file, data);
  const up = await cli('upload', file, '--name', 'cli-img', '--property', 'architecture=x86_64', '--min-disk', '1');
  assert.match(up.stderr, /uploading [0-9a-f-]{36} \[#+\s*\] 100% 2\.0\/2\.0 MiB/);
  assert.match(up.stdout, /\| status +\| active +\|/);
  assert.match(up.stdout, /\| architecture +\| x86_64 +\|/);
  assert.match(up.stdout, /\| os_hash_algo +\| sha512 +\|/);
  const id = /\| id +\| ([0-9a-f-]{36}) +\|/.exec(up.stdout)![1];
  assert.match((await cli('list')).stdout, new RegExp(`\\| ${id} \\| cli-img +\\| active +\\| raw +\\| ${data.length} \\| private +\\|`));
  assert.match((await cli('show', 'cli-img')).stdout, new RegExp(`\\| id +\\| ${id} +\\|`));
  const out = join(tmp, 'back.raw');
  const down = await cli('download', id, '--file', out);
  assert.match(down.stderr, /downloading .* 100%/);
  assert.ok(readFileSync(out).equals(data));
  assert.match((await cli('delete', 'cli-img')).stdout, new RegExp(`Image ${id} deleted`));
  await assert.rejects(cli('show', id), (e: { stderr: string; code: number }) => {
    assert.match(e.stderr, /No image with a name or ID of/);
    assert.equal(e.code, 1);
    return true;
  });
  assert.deepEqual(await images.store.list(), []);
});
