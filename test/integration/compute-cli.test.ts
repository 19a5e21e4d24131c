/** `swiftly compute flavor|server …` against a running compute API (noauth2 tokens). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startTestCloud, type TestCloud } from '../helpers/compute-cloud.js';

const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
const run = promisify(execFile);
let cloud: TestCloud;

before(async () => { cloud = await startTestCloud(); });
after(() => cloud.close());

function cli(...args: string[]) {
  return run(process.execPath, [SWIFTLY, 'compute', ...args, '--compute-url', cloud.url, '--token', 'admin:admin', '--project', 'admin'], { env: { ...process.env, NO_COLOR: '1' } });
}

test('flavor list/create/show/delete print tables', async () => {
  const list = await cli('flavor', 'list');
  assert.match(list.stdout, /^\+-+\+/);
  assert.match(list.stdout, /\| 1 +\| m1\.tiny +\| 512 +\|/);
  const made = await cli('flavor', 'create', 'cli.one', '--ram', '256', '--vcpus', '1', '--disk', '1', '--id', 'c1');
  assert.match(made.stdout, /\| ram +\| 256 +\|/);
  assert.match((await cli('flavor', 'show', 'cli.one')).stdout, /\| id +\| c1 +\|/);
  assert.match((await cli('flavor', 'delete', 'c1')).stdout, /Flavor c1 \(cli\.one\) deleted/);
  await assert.rejects(cli('flavor', 'show', 'c1'), /No flavor with a name or ID of 'c1' exists/);
});

test('server create --wait, list, stop --wait, console, delete --wait; --debug shows requests and responses', async () => {
  const created = await cli('server', 'create', 'cli-vm', '--image', 'cirros-0.6.2-x86_64-disk', '--flavor', 'm1.tiny', '--wait', '--meta', 'k=v');
  assert.match(created.stdout, /\| status +\| ACTIVE +\|/);
  assert.match(created.stderr, /Building server .*ACTIVE — done/);
  const id = /\| id +\| ([0-9a-f-]{36}) +\|/.exec(created.stdout)![1];
  assert.match((await cli('server', 'list')).stdout, new RegExp(`\\| ${id} \\| cli-vm +\\| ACTIVE +\\|`));
  const stopped = await cli('server', 'stop', 'cli-vm', '--wait');
  assert.match(stopped.stderr, /SHUTOFF — done/);
  assert.match((await cli('server', 'show', id)).stdout, /\| OS-EXT-STS:vm_state +\| stopped +\|/);
  const dbg = await cli('server', 'start', id, '--debug');
  assert.match(dbg.stderr, /REQ: curl -g -i -X POST http:\/\/.*\/v2\.1\/admin\/servers\/.*\/action .*X-Auth-Token: \{SHA256\}[0-9a-f]{64}.* -d '\{"os-start":null\}'/);
  assert.match(dbg.stderr, /RESP: \[202\] .*x-compute-request-id: req-/);
  await assert.rejects(cli('server', 'start', id), (e: { stderr: string; code: number }) => {
    assert.match(e.stderr, /^ERROR \(NovaClientError\): Cannot 'start' instance .* while it is in (vm|task)_state .*\(HTTP 409\) \(Request-ID: req-/);
    assert.equal(e.code, 1);
    return true;
  });
  for (let i = 0; i < 100; i++) {
    if (/\| status +\| ACTIVE +\|/.test((await cli('server', 'show', id)).stdout)) break;
  }
  assert.match((await cli('server', 'console', id, '--length', '1')).stdout, /^login: cli-vm is up\n$/);
  const del = await cli('server', 'delete', id, '--wait');
  assert.match(del.stdout, /Request to delete server .* has been accepted/);
  assert.doesNotMatch((await cli('server', 'list')).stdout, new RegExp(id));
});

test('server create --config-drive true --user-data <file> sends both: the server has a config drive and the file as its user data', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-cli-ud-'));
  try {
    const file = join(dir, 'user-data');
    writeFileSync(file, Buffer.from('#!/bin/sh\necho \xe9\n', 'latin1'));
    const created = await cli('server', 'create', 'cli-cd', '--image', 'cirros-0.6.2-x86_64-disk', '--flavor', 'm1.tiny', '--config-drive', 'true', '--user-data', file, '--debug');
    assert.match(created.stdout, /\| config_drive +\| True +\|/);
    assert.match(created.stderr, new RegExp(`"config_drive":true,"user_data":"${Buffer.from('#!/bin/sh\necho \xe9\n', 'latin1').toString('base64').replace(/[+/]/g, '\\$&')}"`));
    const id = /\| id +\| ([0-9a-f-]{36}) +\|/.exec(created.stdout)![1];
    const { openComputeDb } = await import('../../compute/db/index.js');
    const db = await openComputeDb(cloud.dbPath);
    try {
      const inst = (await db.getInstance(id))!;
      assert.equal(inst.config_drive, true);
      assert.deepEqual(Buffer.from(inst.user_data!, 'base64'), Buffer.from('#!/bin/sh\necho \xe9\n', 'latin1'));
    } finally {
      await db.close();
    }
    await cli('server', 'delete', id, '--wait');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
