import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, median, ratios, summarise, formatTable, type Sample } from '../../bench/report/stats.js';
import { parseProcStat } from '../../bench/cluster/procs.js';
import { ratioChart } from '../../bench/report/svg.js';

const sample = (rate: number, over: Partial<Sample> = {}): Sample => ({
  ops: 100, seconds: 10, rate, p50Ms: 5, p99Ms: 20, clusterCpu: 2, clientCpu: 1, errors: 0, ...over,
});

test('percentile is nearest-rank over unsorted values', () => {
  const v = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(v, 50), 5);
  assert.equal(percentile(v, 99), 10);
  assert.equal(percentile(v, 0), 1);
  assert.equal(percentile([42], 99), 42);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('ratios pair rounds and give median with min–max', () => {
  assert.deepEqual(ratios([20, 30, 40], [10, 10, 10]), { median: 3, min: 2, max: 4 });
  assert.deepEqual(ratios([20, 30], [10, 0]), { median: 2, min: 2, max: 2 });
});

test('summarise takes medians, CPU per op and the client share; the table shows the ratio', () => {
  const row = summarise('4 KiB GET c32', 'op/s', { swiftly: [sample(600), sample(400), sample(500)], swift: [sample(100), sample(100), sample(200)] }, 'swiftly', 'swift');
  assert.equal(row.systems.swiftly.rate, 500);
  assert.equal(row.systems.swiftly.cpuPerOpMs, 20);
  assert.equal(row.systems.swiftly.clientCpuPct, 10);
  assert.deepEqual(row.ratio, { median: 4, min: 2.5, max: 6 });
  const table = formatTable([row], ['swiftly', 'swift']);
  assert.match(table, /4 KiB GET c32 \| 500 op\/s/);
  assert.match(table, /4\.00× \(2\.50–6\.00\)/);
  assert.match(ratioChart([row], 't'), /<svg[\s\S]*4\.00×[\s\S]*<\/svg>/);
});

test('parseProcStat reads ppid, CPU ticks and RSS past a command with spaces', () => {
  const line = '123 (node a) b) S 45 123 123 0 -1 4194304 1 0 0 0 70 30 0 0 20 0 1 0 5 1000 256 18446744073709551615';
  assert.deepEqual(parseProcStat(line), { pid: 123, ppid: 45, ticks: 100, rss: 256 * 4096 });
});
