/**
 * The bench's per-server CPU (`ProcessGroup.cpuByName`), which the README's
 * "what bounds each figure" reads: each server's seconds are its own tree's
 * (forked workers included), and an idle server's stay near zero.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessGroup } from '../../bench/cluster/procs.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftly-procs-'));
const group = new ProcessGroup(dir);
after(async () => {
  await group.stop(1000);
  rmSync(dir, { recursive: true, force: true });
});

// 0.7 s of its own CPU, however busy the machine is.
const spin = 'while (process.cpuUsage().user < 700000) {}';
const stay = 'setInterval(() => {}, 1000);';

test('CPU is counted per spawned server, its forked children in its own figure', async () => {
  group.spawn('busy', process.execPath, ['-e', spin + stay]);
  group.spawn('idle', process.execPath, ['-e', stay]);
  // A primary that idles while its forked worker spins (workers = 1).
  group.spawn('primary', process.execPath, ['-e',
    `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(spin + stay)}], { stdio: 'ignore' }); ${stay}`]);
  let cpu = group.cpuByName();
  for (let i = 0; i < 150 && !(cpu.busy >= 0.7 && cpu.primary >= 0.7); i++) {
    await new Promise((r) => setTimeout(r, 100));
    cpu = group.cpuByName();
  }
  assert.deepEqual(Object.keys(cpu).sort(), ['busy', 'idle', 'primary']);
  assert.ok(cpu.busy >= 0.7, `busy: ${cpu.busy} s`);
  assert.ok(cpu.primary >= 0.7, `primary with its spinning worker: ${cpu.primary} s`);
  assert.ok(cpu.idle < cpu.busy / 2, `idle: ${cpu.idle} s against busy ${cpu.busy} s`);
  // The group's total is the same trees, read together.
  const total = group.usage().cpu;
  const sum = cpu.busy + cpu.idle + cpu.primary;
  assert.ok(Math.abs(total - sum) < 0.2, `total ${total} s, per-server sum ${sum} s`);
  const rss = group.rssByName();
  assert.equal(rss.find((r) => r.name === 'primary')?.workers.length, 1);
  assert.equal(rss.find((r) => r.name === 'busy')?.workers.length, 0);
});
