/**
 * `swiftly server <kind> <conf>` with `workers = 2`: the primary forks two
 * workers that share the port, and SIGTERM stops them all with exit 0.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from '../helpers/swift-cluster.js';
import { FIXED_SWIFT_CONF as TEST_SWIFT_CONF } from '../../cli/cluster/layout.js';

const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'swiftly-server-cmd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Pids whose parent is `ppid`, from /proc. */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) out.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

test('workers = 2 forks two workers on one port; SIGTERM stops all with exit 0', async () => {
  const port = await freePort();
  mkdirSync(join(dir, 'srv', 'sdb1'), { recursive: true });
  writeFileSync(join(dir, 'swift.conf'), TEST_SWIFT_CONF);
  const conf = join(dir, 'account-server.conf');
  writeFileSync(conf, `[DEFAULT]\ndevices = ${join(dir, 'srv')}\nmount_check = false\nbind_ip = 127.0.0.1\nbind_port = ${port}\nworkers = 2\nswift_dir = ${dir}\n\n[app:account-server]\nuse = egg:swift#account\n`);
  const child = spawn(process.execPath, [SWIFTLY, 'server', 'account', conf], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitForPort(port, child, "account-server", 60_000);
    let workers: number[] = [];
    for (let i = 0; i < 100 && workers.length < 2; i++) {
      workers = childrenOf(child.pid!);
      if (workers.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(workers.length, 2, 'two worker processes');
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/sdb1/1/AUTH_nobody`, { method: 'HEAD' });
      assert.equal(res.status, 404);
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), 'worker is gone');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/sdb1/1/AUTH_nobody`, { method: 'HEAD' }));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
