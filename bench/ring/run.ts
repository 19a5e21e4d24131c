/**
 * Ring builder benchmark: create, add 300 devices (10 zones × 5 servers × 6
 * devices, varied weights), rebalance at part power 18 and 20 with 3
 * replicas — swiftly's swift-ring-builder beside Debian's, both timed as
 * subprocesses, plus swiftly's rebalance timed in-process.
 *
 *   npm run bench:ring            (part powers 18 and 20)
 *   npm run bench:ring -- 16 18   (others)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { RingBuilder, type NewDevice } from '../../ring/index.js';

const OURS = join(dirname(fileURLToPath(import.meta.url)), '../../cli/bin/swift-ring-builder.js');
const SEED = '42';

/** 300 devices with weights 100..299 from a fixed LCG, so both tools get the same. */
function devices(): NewDevice[] {
  const out: NewDevice[] = [];
  let w = 1;
  for (let zone = 1; zone <= 10; zone++) {
    for (let i = 0; i < 30; i++) {
      w = (w * 7919 + 13) % 1000;
      out.push({ region: 1, zone, ip: `10.0.${zone}.${Math.floor(i / 6)}`, port: 6200, device: `sd${String.fromCharCode(97 + (i % 6))}`, weight: 100 + (w % 200) });
    }
  }
  return out;
}

function addArgs(): string[] {
  return devices().flatMap((d) => [`r${d.region}z${d.zone}-${d.ip}:${d.port}/${d.device}`, String(d.weight)]);
}

function timed(cmd: string[], cwd: string): { seconds: number; out: string; status: number } {
  const t = performance.now();
  const run = spawnSync(cmd[0], cmd.slice(1), { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw run.error;
  return { seconds: (performance.now() - t) / 1000, out: run.stdout + run.stderr, status: run.status ?? -1 };
}

interface ToolResult {
  setup: number;
  rebalance: number;
  balance: number;
  dispersion: number;
}

function runTool(bin: string[], power: number, root: string, name: string): ToolResult {
  const cwd = join(root, name);
  mkdirSync(cwd);
  const create = timed([...bin, 'o.builder', 'create', String(power), '3', '1'], cwd);
  const add = timed([...bin, 'o.builder', 'add', ...addArgs()], cwd);
  if (add.status !== 0) throw new Error(`${name} add: ${add.out}`);
  const reb = timed([...bin, 'o.builder', 'rebalance', '--seed', SEED], cwd);
  if (reb.status > 1) throw new Error(`${name} rebalance: ${reb.out}`);
  const report = timed([...bin, 'o.builder', 'dispersion'], cwd).out;
  const m = /Dispersion is ([\d.]+), Balance is ([\d.]+)/.exec(report);
  if (!m) throw new Error(`${name} dispersion: ${report}`);
  return { setup: create.seconds + add.seconds, rebalance: reb.seconds, balance: Number(m[2]), dispersion: Number(m[1]) };
}

function inProcess(power: number): { seconds: number; balance: number } {
  const b = RingBuilder.create(power, 3, 1);
  for (const d of devices()) b.addDev(d);
  const t = performance.now();
  const r = b.rebalance({ seed: SEED });
  return { seconds: (performance.now() - t) / 1000, balance: r.balance };
}

const powers = process.argv.slice(2).map(Number).filter((n) => n > 0);
const root = mkdtempSync(join(tmpdir(), 'swiftly-bench-ring-'));
const rows: string[][] = [];
try {
  for (const power of powers.length ? powers : [18, 20]) {
    process.stderr.write(`part power ${power}: swift-ring-builder…\n`);
    const swift = runTool(['swift-ring-builder'], power, root, `swift-${power}`);
    process.stderr.write(`part power ${power}: swiftly…\n`);
    const ours = runTool([process.execPath, OURS], power, root, `swiftly-${power}`);
    const mem = inProcess(power);
    rows.push([
      String(power),
      swift.rebalance.toFixed(2),
      ours.rebalance.toFixed(2),
      (swift.rebalance / ours.rebalance).toFixed(1) + '×',
      mem.seconds.toFixed(2),
      swift.balance.toFixed(6),
      ours.balance.toFixed(6),
      `${swift.dispersion} / ${ours.dispersion}`,
    ]);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
const header = ['part power', 'swift rebalance s', 'swiftly rebalance s', 'speed-up', 'swiftly in-process s', 'swift balance', 'swiftly balance', 'dispersion (swift / swiftly)'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
console.log('300 devices (10 zones × 5 servers × 6), 3 replicas, seed 42; CLI rebalance times include loading and saving the builder and writing the ring');
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of rows) console.log(line(r));
