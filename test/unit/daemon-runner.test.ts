import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIni, silentLogger, swiftConfFromIni } from '../../common/index.js';
import { commonDaemonConf, readDaemonSection, runDaemon, startDaemon, type Daemon } from '../../consistency/index.js';
import { RateLimiter } from '../../consistency/rate-limit.js';

function countingDaemon(opts: { failFirst?: boolean; onRun?: (n: number) => void } = {}): Daemon & { runs: number; closed: boolean } {
  return {
    name: 'test-daemon',
    runs: 0,
    closed: false,
    async runOnce() {
      this.runs++;
      opts.onRun?.(this.runs);
      if (opts.failFirst && this.runs === 1) throw new Error('boom');
    },
    async close() {
      this.closed = true;
    },
  };
}

test('--once runs one pass and closes the daemon', async () => {
  const d = countingDaemon();
  await runDaemon(d, { once: true, interval: 1000, logger: silentLogger });
  assert.equal(d.runs, 1);
  assert.ok(d.closed);
});

test('forever: passes every interval, a failed pass does not stop it, abort ends it', async () => {
  const ac = new AbortController();
  const d = countingDaemon({ failFirst: true, onRun: (n) => n === 3 && ac.abort() });
  const started = Date.now();
  await runDaemon(d, { interval: 0.05, logger: silentLogger, signal: ac.signal });
  assert.equal(d.runs, 3);
  assert.ok(Date.now() - started >= 90, 'waited between passes');
  assert.ok(d.closed);
});

test('abort during the wait between passes stops at once', async () => {
  const ac = new AbortController();
  const d = countingDaemon({ onRun: () => setTimeout(() => ac.abort(), 20) });
  const started = Date.now();
  await runDaemon(d, { interval: 3600, logger: silentLogger, signal: ac.signal });
  assert.equal(d.runs, 1);
  assert.ok(Date.now() - started < 2000);
});

test("--once propagates a failed pass (exit status)", async () => {
  await assert.rejects(runDaemon(countingDaemon({ failFirst: true }), { once: true, interval: 1, logger: silentLogger }), /boom/);
});

test("a daemon's section: [DEFAULT] under [<name>], Swift's names and defaults", () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-daemon-conf-'));
  try {
    const conf = join(dir, 'object-server.conf');
    writeFileSync(conf, '[DEFAULT]\ndevices = /srv/x\nmount_check = false\nbind_port = 6010\n[app:object-server]\nuse = egg:swift#object\n' +
      '[object-replicator]\nconcurrency = 4\nhandoffs_first = yes\n[object-updater]\ninterval = 5\n');
    const repl = commonDaemonConf(readDaemonSection(conf, 'object-replicator'));
    assert.equal(repl.devices, '/srv/x');
    assert.equal(repl.mountCheck, false);
    assert.equal(repl.concurrency, 4);
    assert.equal(repl.interval, 30);
    assert.equal(repl.reclaimAge, 604800);
    assert.equal(repl.bindPort, 6010);
    assert.equal(readDaemonSection(conf, 'object-replicator').handoffs_first, 'yes');
    assert.equal(commonDaemonConf(readDaemonSection(conf, 'object-updater')).interval, 5);
    assert.throws(() => readDaemonSection(conf, 'object-auditor'), /Unable to find object-auditor config section/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('startDaemon builds the daemon from its section with overrides', async () => {
  let seen: Record<string, string> = {};
  const swiftConf = swiftConfFromIni(parseIni('[swift-hash]\nswift_hash_path_suffix = x\n'));
  await startDaemon((ctx) => {
    seen = { ...ctx.conf };
    return countingDaemon();
  }, 'object-replicator', { interval: '7', devices: '/a' }, { once: true, overrides: { partitions: '1,2' }, logger: silentLogger, swiftConf });
  assert.equal(seen.partitions, '1,2');
  assert.deepEqual([...commonDaemonConf(seen).onlyPartitions!], [1, 2]);
});

test('rate limiter keeps the long-run rate under its limit', async () => {
  const limiter = new RateLimiter(100, 0);
  const started = Date.now();
  for (let i = 0; i < 21; i++) await limiter.take(1);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 180, `21 takes at 100/s took ${elapsed} ms`);
  // without a limit, take() never waits on a timer: with the clock frozen
  // (mocked timers) every take still resolves before the next turn of the loop
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const unlimited = new RateLimiter(0);
    const limited = new RateLimiter(1, 0);
    const nextTurn = (): Promise<string> => new Promise((resolve) => setImmediate(() => resolve('waiting')));
    for (let i = 0; i < 1000; i++) {
      assert.equal(await Promise.race([unlimited.take(1).then(() => 'done'), nextTurn()]), 'done');
    }
    await limited.take(1);
    assert.equal(await Promise.race([limited.take(1).then(() => 'done'), nextTurn()]), 'waiting', 'a limited take does wait');
  } finally {
    mock.timers.reset();
  }
});
