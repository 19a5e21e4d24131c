/**
 * python-swiftclient's `swift` CLI against our proxy, the same suite in
 * front of Debian's real Swift storage servers and in front of swiftly's:
 * stat, upload (file and tree), list with prefix/delimiter, post metadata,
 * download, copy, delete; a file uploaded in segments (a DLO, or an SLO
 * with --use-slo) downloads byte for byte.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwiftCluster, type Backend } from '../helpers/swift-cluster.js';
import type { ProxyServer } from '../../proxy/index.js';

const run = promisify(execFile);

for (const backend of ['swift', 'swiftly'] as Backend[]) describe(`swift CLI through the proxy over ${backend} storage nodes`, () => {
  let cluster: SwiftCluster | undefined;
  let proxy: ProxyServer;
  let work: string | undefined;
  const swift = async (...args: string[]) => {
    const { stdout } = await run('swift', ['-A', `http://127.0.0.1:${proxy.port}/auth/v1.0`, '-U', 'test:tester', '-K', 'testing', ...args], {
      cwd: work!,
      env: { ...process.env, PYTHONWARNINGS: 'ignore' },
    });
    return stdout;
  };

  before(async () => {
    cluster = await SwiftCluster.start({ backend });
    proxy = await cluster.startProxy();
    work = mkdtempSync(join(tmpdir(), 'swiftly-cli-'));
    mkdirSync(join(work!, 'tree/sub'), { recursive: true });
    writeFileSync(join(work!, 'hello.txt'), 'hello world\n');
    writeFileSync(join(work!, 'tree/a.txt'), 'a');
    writeFileSync(join(work!, 'tree/sub/b.txt'), 'bb');
  });

  after(async () => {
    await cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('stats an auto-created account', async () => {
    const out = await swift('stat');
    assert.match(out, /Account: AUTH_test/);
    assert.match(out, /Containers: 0/);
  });

  it('uploads a file and a tree, lists with prefix and delimiter', async () => {
    await swift('upload', 'c1', 'hello.txt');
    await swift('upload', 'c1', 'tree');
    assert.deepEqual((await swift('list', 'c1')).trim().split('\n'), ['hello.txt', 'tree/a.txt', 'tree/sub/b.txt']);
    assert.deepEqual((await swift('list', 'c1', '--prefix', 'tree/')).trim().split('\n'), ['tree/a.txt', 'tree/sub/b.txt']);
    assert.deepEqual((await swift('list', 'c1', '--delimiter', '/')).trim().split('\n'), ['hello.txt', 'tree/']);
    assert.match(await swift('list'), /^c1$/m);
  });

  it('posts metadata and shows it in stat', async () => {
    await swift('post', '-m', 'color:blue', 'c1', 'hello.txt');
    const out = await swift('stat', 'c1', 'hello.txt');
    assert.match(out, /Meta Color: blue/);
    assert.match(out, /Content Length: 12/);
  });

  it('downloads what it uploaded', async () => {
    const out = join(work!, 'out.txt');
    await swift('download', 'c1', 'hello.txt', '-o', out);
    assert.equal(readFileSync(out, 'utf8'), 'hello world\n');
  });

  it('copies an object server-side', async () => {
    await swift('copy', '--destination', '/c2/copied.txt', 'c1', 'hello.txt');
    const out = join(work!, 'copied.txt');
    await swift('download', 'c2', 'copied.txt', '-o', out);
    assert.equal(readFileSync(out, 'utf8'), 'hello world\n');
    assert.match(await swift('stat', 'c2', 'copied.txt'), /Meta Color: blue/);
  });

  for (const slo of [false, true]) {
    it(`uploads a file in segments${slo ? ' with --use-slo' : ''} and downloads it byte for byte`, async () => {
      const data = randomBytes(4500);
      const name = slo ? 'slo.bin' : 'dlo.bin';
      writeFileSync(join(work!, name), data);
      await swift('upload', '--segment-size', '1000', ...(slo ? ['--use-slo'] : []), 'big', name);
      const stat = await swift('stat', 'big', name);
      assert.match(stat, /Content Length: 4500/);
      assert.match(stat, slo ? /Manifest: True|X-Static-Large-Object: True/i : /Manifest: big_segments\//);
      const out = join(work!, `${name}.out`);
      await swift('download', 'big', name, '-o', out);
      assert.ok(readFileSync(out).equals(data), 'downloaded bytes differ from the uploaded file');
      assert.equal((await swift('list', 'big_segments')).trim().split('\n').filter((l) => l.startsWith(name)).length, 5);
      // Deleting the large object takes its segments with it.
      await swift('delete', 'big', name);
      assert.equal((await swift('list', 'big_segments')).trim().split('\n').filter((l) => l.startsWith(name)).length, 0);
    });
  }

  it('deletes objects and containers', async () => {
    await swift('delete', 'c1', 'hello.txt');
    assert.deepEqual((await swift('list', 'c1')).trim().split('\n'), ['tree/a.txt', 'tree/sub/b.txt']);
    await swift('delete', 'c1');
    await swift('delete', 'c2');
    await swift('delete', 'big');
    await swift('delete', 'big_segments');
    assert.equal((await swift('list')).trim(), '');
  });
});
