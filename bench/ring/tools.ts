/**
 * The ring builder bench's pieces, shared by `npm run bench:ring` and the
 * cluster bench's rebalance workload: 300 devices and a timed run of a
 * swift-ring-builder CLI (Swift's or ours) in a fresh folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { NewDevice } from '../../ring/index.js';
import { reapedChildrenCpu } from '../cluster/procs.js';

export const OURS = join(dirname(fileURLToPath(import.meta.url)), '../../cli/bin/swift-ring-builder.js');
export const SEED = '42';

/** 300 devices with weights 100..299 from a fixed LCG, so both tools get the same. */
export function devices(): NewDevice[] {
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

export interface ToolResult {
  setup: number;
  rebalance: number;
  balance: number;
  dispersion: number;
  /** CPU seconds of the rebalance subprocess. */
  rebalanceCpu: number;
}

export function runTool(bin: string[], power: number, root: string, name: string): ToolResult {
  const cwd = join(root, name);
  mkdirSync(cwd);
  const create = timed([...bin, 'o.builder', 'create', String(power), '3', '1'], cwd);
  const add = timed([...bin, 'o.builder', 'add', ...addArgs()], cwd);
  if (add.status !== 0) throw new Error(`${name} add: ${add.out}`);
  const cpu0 = reapedChildrenCpu();
  const reb = timed([...bin, 'o.builder', 'rebalance', '--seed', SEED], cwd);
  const rebalanceCpu = reapedChildrenCpu() - cpu0;
  if (reb.status > 1) throw new Error(`${name} rebalance: ${reb.out}`);
  const report = timed([...bin, 'o.builder', 'dispersion'], cwd).out;
  const m = /Dispersion is ([\d.]+), Balance is ([\d.]+)/.exec(report);
  if (!m) throw new Error(`${name} dispersion: ${report}`);
  return { setup: create.seconds + add.seconds, rebalance: reb.seconds, balance: Number(m[2]), dispersion: Number(m[1]), rebalanceCpu };
}

