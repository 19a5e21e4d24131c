/**
 * Ring builder benchmark: create, add 300 devices (10 zones × 5 servers × 6
 * devices, varied weights), rebalance at part power 18 and 20 with 3
 * replicas — swiftly's swift-ring-builder beside Debian's, both timed as
 * subprocesses, plus swiftly's rebalance timed in-process.
 *
 *   npm run bench:ring            (part powers 18 and 20)
 *   npm run bench:ring -- 16 18   (others)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RingBuilder } from '../../ring/index.js';
import { devices, OURS, runTool, SEED } from './tools.js';

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
