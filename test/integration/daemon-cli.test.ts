import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
let dir: string;
let conf: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swiftly-daemon-cli-'));
  mkdirSync(join(dir, 'devices', 'sda'), { recursive: true });
  writeFileSync(join(dir, 'swift.conf'), '[swift-hash]\nswift_hash_path_suffix = cli\n[storage-policy:0]\nname = gold\ndefault = yes\n');
  conf = join(dir, 'object-server.conf');
  writeFileSync(conf, `[DEFAULT]\ndevices = ${join(dir, 'devices')}\nmount_check = false\nswift_dir = ${dir}\n` +
    `recon_cache_path = ${join(dir, 'cache')}\nlog_level = info\n[app:object-server]\nuse = egg:swift#object\n[object-updater]\ninterval = 3600\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('swiftly daemon <name> --once <conf> runs one pass and exits 0', async () => {
  const { stderr } = await promisify(execFile)(process.execPath, [SWIFTLY, 'daemon', 'object-updater', '--once', conf], { timeout: 20_000 });
  assert.match(stderr, /"daemon":"object-updater"/);
  assert.match(stderr, /Object update sweep completed/);
  const cache = JSON.parse(readFileSync(join(dir, 'cache', 'object.recon'), 'utf8')) as Record<string, unknown>;
  assert.equal(typeof cache.object_updater_sweep, 'number');
});

test('swiftly daemon runs forever until SIGTERM, then stops cleanly', async () => {
  const child = spawn(process.execPath, [SWIFTLY, 'daemon', 'object-updater', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const deadline = Date.now() + 15_000;
  while (!err.includes('sweep completed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.match(err, /sweep completed/);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('an unknown daemon name is refused', async () => {
  await assert.rejects(promisify(execFile)(process.execPath, [SWIFTLY, 'daemon', 'object-nonsense', conf], { timeout: 20_000 }), /Expected object-nonsense to be one of/);
});

test('swiftly daemons runs every daemon a set of confs names, in one process', async () => {
  const conf2 = join(dir, 'object-server-2.conf');
  writeFileSync(conf2, `[DEFAULT]\ndevices = ${join(dir, 'devices')}\nmount_check = false\nswift_dir = ${dir}\n` +
    `recon_cache_path = ${join(dir, 'cache2')}\n[app:object-server]\nuse = egg:swift#object\n[object-auditor]\nmode = zbf\n[container-auditor]\n`);
  const { stderr } = await promisify(execFile)(process.execPath, [SWIFTLY, 'daemons', '--once', conf, conf2], { timeout: 20_000 });
  assert.match(stderr, /"daemon":"object-updater"/);
  assert.match(stderr, /"daemon":"object-auditor"/);
  const cache = JSON.parse(readFileSync(join(dir, 'cache2', 'object.recon'), 'utf8')) as Record<string, unknown>;
  assert.ok(cache.object_auditor_stats_ZBF);
});
