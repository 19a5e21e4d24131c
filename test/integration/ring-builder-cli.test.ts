/**
 * The swift-ring-builder binary: Swift's positional syntax, output and exit
 * codes (0 done, 1 warning, 2 error), and the same summary as Debian's
 * swift-ring-builder prints for the same operations.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRingFile } from '../../ring/index.js';
import { swiftRingBuilderBatch } from '../helpers/swift-python.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../cli/bin/swift-ring-builder.js');

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swiftly-rb-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function srb(cwd: string, ...args: string[]): { status: number; out: string; err: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', input: '' });
  if (run.error) throw run.error;
  return { status: run.status ?? -1, out: run.stdout, err: run.stderr };
}

const DEVICES = [
  'r1z1-10.0.0.1:6200/sda', '100', 'r1z1-10.0.0.1:6200/sdb', '100',
  'r1z2-10.0.0.2:6200/sda', '100', 'r1z2-10.0.0.2:6200R10.9.0.2:6300/sdb_fast', '100',
  'r1z3-10.0.0.3:6200/sda', '100', 'r1z3-10.0.0.3:6200/sdb', '100',
];

describe('swift-ring-builder', () => {
  let cwd: string;
  before(() => {
    cwd = join(dir, 'main');
    mkdirSync(cwd);
  });

  test('no arguments: usage, exit 0', () => {
    const r = srb(cwd);
    assert.equal(r.status, 0);
    assert.match(r.out, /Exit codes: 0 = operation successful/);
  });

  test('a missing builder is an error', () => {
    const r = srb(cwd, 'nothere.builder');
    assert.equal(r.status, 2);
    assert.equal(r.out, 'Ring Builder file does not exist: nothere.builder\n');
  });

  test('create, add (pairs and options), summary', () => {
    assert.equal(srb(cwd, 'object.builder', 'create', '8', '3', '1').status, 0);
    assert.ok(existsSync(join(cwd, 'object.builder')));
    assert.equal(readdirSync(join(cwd, 'backups')).length, 1);
    const add = srb(cwd, 'object.builder', 'add', ...DEVICES);
    assert.equal(add.status, 0, add.out);
    assert.match(add.out, /^Device d0r1z1-10\.0\.0\.1:6200R10\.0\.0\.1:6200\/sda_"" with 100\.0 weight got id 0$/m);
    assert.match(add.out, /^Device d3r1z2-10\.0\.0\.2:6200R10\.9\.0\.2:6300\/sdb_"fast" with 100\.0 weight got id 3$/m);
    const flags = srb(cwd, 'object.builder', 'add', '--region', '1', '--zone', '4', '--ip', '10.0.0.4', '--port', '6200', '--device', 'sda', '--weight', '100');
    assert.equal(flags.status, 0, flags.out);
    assert.match(flags.out, /got id 6/);
    const summary = srb(cwd, 'object.builder');
    assert.equal(summary.status, 0);
    const lines = summary.out.split('\n');
    assert.match(lines[0], /^object\.builder, build version 7, id [0-9a-f]{32}$/);
    assert.equal(lines[1], '256 partitions, 3.000000 replicas, 1 regions, 4 zones, 7 devices, 100.00 balance, 0.00 dispersion');
    assert.equal(lines[2], 'The minimum number of hours before a partition can be reassigned is 1 (0:00:00 remaining)');
    assert.equal(lines[3], 'The overload factor is 0.00% (0.000000)');
    assert.equal(lines[4], "Ring file object.ring.gz not found, probably it hasn't been written yet");
    assert.equal(lines[5], 'Devices:   id region zone ip address:port replication ip:port  name weight partitions balance flags meta');
    assert.equal(lines[9], '            3      1    2   10.0.0.2:6200       10.9.0.2:6300   sdb 100.00          0 -100.00       fast');
  });

  test('bad input: exit 2 and the builder unchanged', () => {
    const dup = srb(cwd, 'object.builder', 'add', 'r1z1-10.0.0.1:6200/sda', '100');
    assert.equal(dup.status, 2);
    assert.match(dup.out, /Device 0 already uses 10\.0\.0\.1:6200\/sda\./);
    const bad = srb(cwd, 'object.builder', 'add', 'bogus', '100');
    assert.equal(bad.status, 2);
    assert.match(bad.out, /Invalid add value: bogus\nThe on-disk ring builder is unchanged\./);
    assert.equal(srb(cwd, 'object.builder', 'add', 'r1z1-10.0.0.1:6200/sdx').status, 2);
    assert.equal(srb(cwd, 'object.builder', 'frobnicate').out, 'Unknown command: frobnicate\n');
    assert.equal(srb(cwd, 'object.builder', 'create', '8').status, 2);
    assert.equal(srb(cwd, 'object.builder', 'set_replicas', 'x').status, 2);
    assert.equal(srb(cwd, 'object.builder', 'search', 'd99').out, 'No matching devices found\n');
    assert.equal(srb(cwd, 'object.builder', 'list_parts', 'd0').status, 2);
    assert.match(srb(cwd, 'object.builder').out, /7 devices/);
  });

  test('rebalance, write_ring, validate, and a second rebalance that has nothing to do', () => {
    const r = srb(cwd, 'object.builder', 'rebalance', '--seed', '1');
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /^Reassigned 768 \(300\.00%\) partitions\. Balance is now \d+\.\d\d\.  Dispersion is now 0\.00$/m);
    assert.ok(existsSync(join(cwd, 'object.ring.gz')));
    const ring = readRingFile(join(cwd, 'object.ring.gz'));
    assert.equal(ring.partShift, 24);
    assert.equal(ring.replica2part2dev.length, 3);
    assert.match(srb(cwd, 'object.builder').out, /Ring file object\.ring\.gz is up-to-date/);
    assert.equal(srb(cwd, 'object.builder', 'validate').status, 0);
    const again = srb(cwd, 'object.builder', 'rebalance');
    assert.equal(again.status, 1);
    assert.match(again.out, /^No partitions could be reassigned\.\nThe time between rebalances must be at least min_part_hours: 1 hours \(\d:\d\d:\d\d remaining\)\n$/);
    const info = srb(cwd, 'object.builder', 'set_info', 'd6', '10.0.0.44:6201/sdq_new');
    assert.equal(info.status, 0, info.out);
    assert.match(srb(cwd, 'object.builder').out, /Ring file object\.ring\.gz is obsolete/);
    assert.equal(srb(cwd, 'object.builder', 'write_ring').status, 0);
    assert.equal(readRingFile(join(cwd, 'object.ring.gz')).devs[6]!.ip, '10.0.0.44');
  });

  test('search, list_parts, dispersion, set_* commands', () => {
    const s = srb(cwd, 'object.builder', 'search', 'z2');
    assert.equal(s.status, 0);
    assert.equal(s.out.split('\n').filter(Boolean).length, 3);
    const lp = srb(cwd, 'object.builder', 'list_parts', 'd0', 'd1');
    assert.equal(lp.status, 0);
    assert.match(lp.out, /^Partition   Matches\n/);
    const d = srb(cwd, 'object.builder', 'dispersion', '-v');
    assert.equal(d.status, 0);
    assert.match(d.out, /^Dispersion is 0\.000000, Balance is \d+\.\d{6}, Overload is 0\.00%\nRequired overload is 0\.000000%\n/);
    assert.match(d.out, /^r1z1 +\d+ +0\.00 +1 /m);
    const o = srb(cwd, 'object.builder', 'set_overload', '10%');
    assert.deepEqual([o.status, o.out], [0, 'The overload factor is now 10.00% (0.100000)\nThe change will take effect after the next rebalance.\n']);
    assert.equal(srb(cwd, 'object.builder', 'set_overload', '2').status, 1);
    assert.equal(srb(cwd, 'object.builder', 'set_overload', '0').status, 0);
    const sr = srb(cwd, 'object.builder', 'set_replicas', '2.5');
    assert.equal(sr.out, 'The replica count is now 2.500000.\nThe change will take effect after the next rebalance.\n');
    assert.equal(srb(cwd, 'object.builder', 'set_min_part_hours', '0').status, 0);
    assert.equal(srb(cwd, 'object.builder', 'pretend_min_part_hours_passed').status, 0);
    const w = srb(cwd, 'object.builder', 'set_weight', 'd0', '50');
    assert.equal(w.out, 'd0r1z1-10.0.0.1:6200R10.0.0.1:6200/sda_"" weight set to 50.0\n');
    assert.equal(srb(cwd, 'object.builder', 'set_weight', 'z1', '75').status, 2, 'two devices need --yes');
    assert.equal(srb(cwd, 'object.builder', 'set_weight', 'z1', '75', '--yes').status, 0);
    const rm = srb(cwd, 'object.builder', 'remove', 'd5');
    assert.match(rm.out, /marked for removal and will be removed next rebalance/);
    assert.match(srb(cwd, 'object.builder').out, /  DEL /);
    const r = srb(cwd, 'object.builder', 'rebalance', '--seed', '2');
    assert.ok(r.status === 0 || r.status === 1, r.out);
    assert.match(r.out, /^Reassigned \d+ /);
    const ring = readRingFile(join(cwd, 'object.ring.gz'));
    assert.deepEqual(ring.replica2part2dev.map((a) => a.length), [256, 256, 128]);
    assert.equal(ring.devs[5], null);
  });

  test('<name>.ring.gz: the builder when there is one, else the ring', () => {
    const viaRing = srb(cwd, 'object.ring.gz');
    assert.match(viaRing.out, /^Note: using object\.builder instead of object\.ring\.gz as builder file\nobject\.builder, build version/);
    const lone = join(dir, 'lone');
    mkdirSync(lone);
    spawnSync('cp', [join(cwd, 'object.ring.gz'), lone]);
    const r = srb(lone, 'object.ring.gz');
    assert.equal(r.status, 0);
    assert.match(r.out, /^object\.ring\.gz, build version \d+\n256 partitions, 2\.500000 replicas, 1 regions, 4 zones, 6 devices, /);
    assert.match(r.out, /^Devices: +id region zone/m);
  });

  test('set_zone and set_region', () => {
    assert.equal(srb(cwd, 'object.builder', 'set_zone', 'd0', '9').out, 'd0r1z9-10.0.0.1:6200R10.0.0.1:6200/sda_"" zone set to 9\n');
    assert.equal(srb(cwd, 'object.builder', 'set_region', 'd0', '2').out, 'd0r2z9-10.0.0.1:6200R10.0.0.1:6200/sda_"" region set to 2\n');
    assert.match(srb(cwd, 'object.builder').out, /, 2 regions, 5 zones, 6 devices, /);
    assert.equal(srb(cwd, 'object.builder', 'set_zone', 'd0', 'x').status, 2);
  });
});

type Run = { status: number; out: string };
/** Each of `commands` through our swift-ring-builder binary, a process each. */
const ours = (cwd: string, commands: string[][]): Run[] => commands.map((args) => srb(cwd, ...args));
/** Each of `commands` through Debian's swift-ring-builder code (one Python process runs them in turn, see swiftRingBuilderBatch). */
const swift = swiftRingBuilderBatch;

/** Runs `commands` with a tool in a fresh dir `name`: each command's arguments, exit status and output lines. */
function transcript(tool: typeof ours, name: string, commands: string[][]): string[] {
  const cwd = join(dir, name);
  mkdirSync(cwd);
  return tool(cwd, commands).flatMap((r, i) => [`${commands[i].slice(1).join(' ')} → ${r.status}`, ...r.out.split('\n')]);
}

describe('side by side with Debian swift-ring-builder', () => {
  test('the same summary for the same operations', () => {
    const commands = [
      ['o.builder', 'create', '8', '3', '1'],
      ['o.builder', 'add', ...DEVICES, 'r1z4-10.0.0.4:6200/sda', '100', 'r1z4-10.0.0.4:6200/sdb', '100'],
      ['o.builder', 'set_overload', '5%'],
      ['o.builder', 'rebalance', '--seed', '3'],
      ['o.builder', 'rebalance'],
      ['o.builder', 'search', 'z1'],
      ['o.builder'],
    ];
    // Ids and clocks differ between the two runs.
    const run = (tool: typeof ours, name: string): string[] => transcript(tool, name, commands)
      .map((l) => l.replace(/, id [0-9a-f]{32}$/, ', id X').replace(/\(\d+:\d\d:\d\d remaining\)/, '(T remaining)'));
    assert.deepEqual(run(ours, 'ours'), run(swift, 'swift'));
  });
});

describe('the flag forms of the set commands, beside Debian swift-ring-builder', () => {
  test('set_weight, set_zone and set_info choose devices by flags as Swift does', () => {
    const commands = [
      ['o.builder', 'create', '8', '3', '1'],
      ['o.builder', 'add', 'r1z1-10.0.0.1:6200/sda', '100', 'r1z1-10.0.0.1:6200/sdb', '100', 'r1z2-10.0.0.2:6200/sda', '100'],
      ['o.builder', 'set_weight', '--ip', '10.0.0.1', '--device', 'sdb', '80'],
      ['o.builder', 'set_weight', '--zone', '1', '--yes', '70'],
      ['o.builder', 'set_zone', '--ip', '10.0.0.2', '3'],
      ['o.builder', 'set_region', '--ip', '10.0.0.2', '--yes', '2'],
      ['o.builder', 'set_info', '--ip', '10.0.0.2', '--change-device', 'sdz'],
      ['o.builder', 'search', '--ip', '10.0.0.2'],
    ];
    assert.deepEqual(transcript(ours, 'flags-ours', commands), transcript(swift, 'flags-swift', commands));
  });

  test('a flag form with a value too many or missing is a usage error', () => {
    const cwd = join(dir, 'flags-ours');
    assert.equal(srb(cwd, 'o.builder', 'set_weight', '--ip', '10.0.0.2').status, 2);
    assert.equal(srb(cwd, 'o.builder', 'set_zone', '--ip', '10.0.0.2', '2', '3').status, 2);
    assert.match(srb(cwd, 'o.builder', 'set_zone', '--ip', '10.0.0.2', '2', '3').out, /set_zone/);
  });
});
