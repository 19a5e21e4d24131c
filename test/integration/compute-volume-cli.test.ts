/** `swiftly compute volume …` against a fake-driver cloud with a volume service (noauth2 tokens, real qemu-img files). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { computeConfig } from '../../compute/index.js';
import { startTestCloud, novaClient, type TestCloud } from '../helpers/compute-cloud.js';

const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
const run = promisify(execFile);
let skip: string | false = false;
try {
  execFileSync('qemu-img', ['--version'], { stdio: 'ignore' });
} catch {
  skip = process.env.CI ? false : 'qemu-img is not installed';
}
let cloud: TestCloud;

before(async () => {
  if (skip) return;
  cloud = await startTestCloud();
  await cloud.addCompute('vol1', { volume: { ...computeConfig().volume, volumesDir: join(cloud.dir, 'volumes') } }, { run: ['volume'] });
});
after(() => cloud?.close());

const demo = (...args: string[]) =>
  run(process.execPath, [SWIFTLY, 'compute', ...args, '--compute-url', cloud.url, '--token', 'demo:demo', '--project', 'demo'], { env: { ...process.env, NO_COLOR: '1' } });

test('create --wait, list, show, extend, attach to a server by name, detach, delete — from the CLI', { skip }, async () => {
  const made = await demo('volume', 'create', 'data', '--size', '1', '--property', 'purpose=test', '--wait');
  assert.match(made.stdout, /\| status +\| available +\|/);
  assert.match(made.stdout, /\| metadata +\| \{"purpose":"test"\} +\|/);
  const id = /\| id +\| ([0-9a-f-]{36}) +\|/.exec(made.stdout)![1];
  assert.match((await demo('volume', 'list')).stdout, new RegExp(`\\| ${id} \\| data +\\| available +\\| 1 +\\|`));
  assert.match((await demo('volume', 'extend', 'data', '2', '--wait')).stdout, /to 2 GiB has been accepted/);
  assert.match((await demo('volume', 'show', 'data')).stdout, /\| size +\| 2 +\|/);

  const nova = novaClient(cloud.url);
  const image = (await nova.call('GET', '/images')).body.images[0].id;
  const srv = (await nova.call('POST', '/servers', { server: { name: 'vm', imageRef: image, flavorRef: '1' } })).body.server.id as string;
  await nova.waitStatus(srv, 'ACTIVE');
  assert.match((await demo('volume', 'attach', 'vm', 'data')).stdout, new RegExp(`Volume ${id} attached to server ${srv} as /dev/vdb`));
  assert.match((await demo('volume', 'show', id)).stdout, new RegExp(`\\| attachments +\\| ${srv} on /dev/vdb +\\|`));
  await assert.rejects(demo('volume', 'delete', 'data'), /Volume status must be available .*\(HTTP 400\)/);
  assert.match((await demo('volume', 'detach', 'vm', 'data')).stdout, /detached/);
  assert.match((await demo('volume', 'delete', 'data', '--wait')).stdout, /has been accepted/);
  assert.doesNotMatch((await demo('volume', 'list')).stdout, new RegExp(id));
  await nova.call('DELETE', `/servers/${srv}`);
});
