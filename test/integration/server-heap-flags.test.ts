/**
 * `swiftly server object` with `workers = 1` forks its worker with the
 * object server's heap flags, and a node flag given on the command line
 * wins over its own (common/heap-flags.ts).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'bin', 'swiftly.js');
const root = mkdtempSync(join(tmpdir(), 'swiftly-heap-flags-'));
after(() => rmSync(root, { recursive: true, force: true }));

function objectConf(): string {
  const etc = join(root, 'etc');
  mkdirSync(join(root, 'node', 'sda'), { recursive: true });
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, 'swift.conf'),
    '[swift-hash]\nswift_hash_path_prefix = p\nswift_hash_path_suffix = s\n[storage-policy:0]\nname = gold\ndefault = yes\n');
  const conf = join(etc, 'object-server.conf');
  // Port 0: the worker's flags are the point here, not serving.
  writeFileSync(conf, `[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = 0\ndevices = ${join(root, 'node')}\nmount_check = false\n` +
    `workers = 1\nswift_dir = ${etc}\nlog_level = error\n[app:object-server]\n`);
  return conf;
}

/**
 * The command line of the worker `pid` forks, once it runs the worker's
 * entry: until its exec the forked child still shows the primary's.
 */
async function childArgv(pid: number): Promise<string[]> {
  for (let i = 0; i < 300; i++) {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    const argv = kids.length ? readFileSync(`/proc/${kids[0]}/cmdline`, 'utf8').split('\0').filter(Boolean) : [];
    if (argv.some((a) => a.endsWith('storage-worker.js'))) return argv;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no worker forked by ${pid}`);
}

async function workerArgvOf(nodeFlags: string[]): Promise<string[]> {
  const proc = spawn(process.execPath, [...nodeFlags, bin, 'server', 'object', objectConf()], { stdio: 'ignore' });
  try {
    return await childArgv(proc.pid!);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
}

test('an object worker runs with 8 MiB semi-spaces and a 300% heap growing factor', async () => {
  const argv = await workerArgvOf([]);
  assert.ok(argv.includes('--max-semi-space-size=8'), argv.join(' '));
  assert.ok(argv.includes('--heap-growing-percent=300'), argv.join(' '));
});

test('a node flag on the command line is passed on instead of the server\'s own', async () => {
  const argv = await workerArgvOf(['--heap-growing-percent=150']);
  assert.ok(argv.includes('--heap-growing-percent=150'), argv.join(' '));
  assert.ok(!argv.includes('--heap-growing-percent=300'), argv.join(' '));
  assert.ok(argv.includes('--max-semi-space-size=8'), argv.join(' '));
});
