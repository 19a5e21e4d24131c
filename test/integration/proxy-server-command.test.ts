/**
 * `swiftly server proxy <conf>` with `workers = 2`: tokens from one worker
 * work on the others (the shared cache), and SIGTERM stops it cleanly.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../helpers/swift-cluster.js';
import { FIXED_SWIFT_CONF as TEST_SWIFT_CONF } from '../../cli/cluster/layout.js';
import { writeRingFile } from '../../ring/index.js';
import { makeDevice } from '../helpers/ring-fixtures.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../../cli/bin/swiftly.js');

describe('swiftly server proxy', () => {
  let dir: string;
  let proc: ChildProcess;
  let port: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'swiftly-proxycmd-'));
    writeFileSync(join(dir, 'swift.conf'), TEST_SWIFT_CONF);
    // One device (nothing listens on port 9), every partition on it: written directly rather than by nine
    // swift-ring-builder runs (a Python start each); Swift's format either way.
    const ring = { devs: [makeDevice(0, 1, 1, '127.0.0.1', 9, 'sdb1', 100)], replica2part2dev: [new Uint16Array(16)], partShift: 28, version: 1 };
    for (const kind of ['account', 'container', 'object']) writeRingFile(join(dir, `${kind}.ring.gz`), ring);
    port = await freePort();
    const conf = join(dir, 'proxy-server.conf');
    writeFileSync(
      conf,
      `[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = ${port}\nworkers = 2\nlog_level = error\n\n` +
        `[pipeline:main]\npipeline = catch_errors healthcheck cache tempauth proxy-server\n\n` +
        `[filter:catch_errors]\nuse = egg:swift#catch_errors\n\n[filter:healthcheck]\nuse = egg:swift#healthcheck\n\n` +
        `[filter:cache]\nuse = egg:swift#memcache\n\n[filter:tempauth]\nuse = egg:swift#tempauth\nuser_test_tester = testing .admin\n\n` +
        `[app:proxy-server]\nuse = egg:swift#proxy\nswift_dir = ${dir}\nconn_timeout = 0.2\n`,
    );
    proc = spawn(process.execPath, [bin, 'server', 'proxy', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.resume();
    // Generous: a loaded machine can take many seconds to start node and fork the workers.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      if (proc.exitCode !== null) throw new Error(`proxy exited (${proc.exitCode})`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthcheck`)).ok) return;
      } catch {
        // not yet
      }
      await sleep(100);
    }
    throw new Error('proxy did not start');
  });

  after(() => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shares tokens across workers and stops on SIGTERM', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
    const token = res.headers.get('x-auth-token')!;
    // Fresh connections land on either worker; none may answer 401.
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`http://127.0.0.1:${port}/v1/AUTH_test`, { headers: { 'x-auth-token': token, connection: 'close' } });
      await r.arrayBuffer();
      assert.notEqual(r.status, 401);
    }
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
