/**
 * The bench's arithmetic, pure so it can be unit-tested: percentiles,
 * per-round ratios with their median and min–max, and the text table.
 */

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface Ratio {
  median: number;
  min: number;
  max: number;
}

/** Round-by-round ratios a[i]/b[i] (rounds where both ran). */
export function ratios(a: number[], b: number[]): Ratio {
  const r: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (b[i] > 0 && Number.isFinite(a[i])) r.push(a[i] / b[i]);
  return r.length ? { median: median(r), min: Math.min(...r), max: Math.max(...r) } : { median: NaN, min: NaN, max: NaN };
}

/** One workload's figures for one system, one round. */
export interface Sample {
  ops: number;
  seconds: number;
  /** Operations (or MB for byte workloads) per second. */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** Cluster CPU seconds (all its processes) during the run. */
  clusterCpu: number;
  /** The same, per server (by the name it was spawned with): where the cluster's CPU went. */
  cpuByServer?: Record<string, number>;
  /** CPU seconds the other (idle) cluster used meanwhile: near zero unless it was still busy. */
  otherClusterCpu?: number;
  /** Load generator CPU seconds during the run. */
  clientCpu: number;
  /** Non-2xx answers plus socket errors. */
  errors: number;
  /** The first few non-2xx answers per load thread ("<status> <start of body>"). */
  badResponses?: string[];
  socketErrors?: number;
}

export interface Row {
  workload: string;
  unit: string;
  /** Per system: the median over rounds. */
  systems: Record<string, { rate: number; p50Ms: number; p99Ms: number; cpuPerOpMs: number; clientCpuPct: number; errors: number }>;
  /** swiftly / Swift throughput per round. */
  ratio?: Ratio;
}

/** Summarises samples[system][round] of one workload. */
export function summarise(workload: string, unit: string, samples: Record<string, Sample[]>, a?: string, b?: string): Row {
  const systems: Row['systems'] = {};
  for (const [name, list] of Object.entries(samples)) {
    systems[name] = {
      rate: median(list.map((s) => s.rate)),
      p50Ms: median(list.map((s) => s.p50Ms)),
      p99Ms: median(list.map((s) => s.p99Ms)),
      cpuPerOpMs: median(list.map((s) => (s.ops > 0 ? (1000 * s.clusterCpu) / s.ops : NaN))),
      clientCpuPct: median(list.map((s) => (s.seconds > 0 ? (100 * s.clientCpu) / s.seconds : NaN))),
      errors: list.reduce((t, s) => t + s.errors, 0),
    };
  }
  const row: Row = { workload, unit, systems };
  if (a && b && samples[a] && samples[b]) row.ratio = ratios(samples[a].map((s) => s.rate), samples[b].map((s) => s.rate));
  return row;
}

function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(digits);
  return n.toPrecision(Math.max(2, digits + 1));
}

/** A Markdown table: per system rate, p50, p99, CPU ms/op, client CPU; then the ratio. */
export function formatTable(rows: Row[], systems: string[]): string {
  const header = ['workload'];
  for (const s of systems) header.push(`${s} rate`, `${s} p50 ms`, `${s} p99 ms`, `${s} CPU ms/op`, `${s} wrk CPU %`);
  if (systems.length === 2) header.push(`${systems[0]}/${systems[1]} (min–max)`);
  const lines = rows.map((r) => {
    const cells = [r.workload];
    for (const s of systems) {
      const x = r.systems[s];
      if (!x) {
        cells.push('–', '–', '–', '–', '–');
        continue;
      }
      cells.push(`${fmt(x.rate)} ${r.unit}${x.errors ? ` (${x.errors} err)` : ''}`, fmt(x.p50Ms), fmt(x.p99Ms), fmt(x.cpuPerOpMs, 2), fmt(x.clientCpuPct, 0));
    }
    if (systems.length === 2) cells.push(r.ratio ? `${fmt(r.ratio.median, 2)}× (${fmt(r.ratio.min, 2)}–${fmt(r.ratio.max, 2)})` : '–');
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...lines.map(line)].join('\n');
}
