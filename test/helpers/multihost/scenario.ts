/**
 * One failure scenario under load, and its figures: the mixed load runs,
 * the fault is applied for a while, healed, the load stops, and then the
 * ledger is checked where Swift promises it holds once replication has
 * run — every primary of every key (direct backend HEADs), no handoff
 * left holding objects, and reads through every proxy.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MultiHostBed } from './bed.js';
import { MixedLoad, quantile, type LoadOptions, type Sample } from './load.js';
import { checkThroughProxies, waitForReplicaHealth } from './replicas.js';
import { badReadTracer } from './trace.js';

export interface Fault {
  name: string;
  /** Applies the fault (cut, kill, delay). */
  apply(bed: MultiHostBed): Promise<void>;
  /** Undoes it (heal, restart). */
  undo(bed: MultiHostBed): Promise<void>;
}

export interface ScenarioFigures {
  scenario: string;
  /** Writes acknowledged, and left unknown (errors, timeouts: may or may not have applied). */
  acked: number;
  unknown: number;
  gets: number;
  lost: number;
  stale: number;
  resurrected: number;
  /** Wrong reads during the load itself (before replication had its chance), for the record. */
  inLoadBadReads: number;
  /** From the heal to every key whole on all its primaries and no handoff left (ms; -1: not within the limit). */
  healthMs: number;
  /** GETs answered by a proxy while the fault was on: their p50 / p99 / max (ms). */
  faultGetP50: number;
  faultGetP99: number;
  faultGetMax: number;
  /** GETs sent while the fault was on that got no answer or one other than 200 or 404 (a failed read). */
  faultGetErrors: number;
  /** Those failed GETs by status or error and proxy, e.g. `503 via 10.231.0.11:8080 ×2, TimeoutError via … ×1`. */
  faultGetFailures: string;
  /** The same before the fault, for comparison (the machine's own speed). */
  baseGets: number;
  baseGetP50: number;
  baseGetP99: number;
  examples: string[];
}

export interface ScenarioOptions {
  load: Omit<LoadOptions, 'dispatcher' | 'proxies'>;
  /** Seconds of load before the fault, with it, and after the heal. */
  before: number;
  during: number;
  after: number;
  healthTimeoutMs: number;
}

export async function runScenario(bed: MultiHostBed, fault: Fault, o: ScenarioOptions): Promise<ScenarioFigures> {
  const proxies = bed.proxyHosts.map((h) => h.proxyUrl!);
  const trace = process.env.MULTIHOST_TRACE;
  const onBadRead = trace ? badReadTracer(bed, trace, fault.name, () => load) : undefined;
  const load: MixedLoad = new MixedLoad({ ...o.load, dispatcher: bed.dispatcher, proxies, container: o.load.container ?? `ledger-${fault.name.replace(/\W+/g, '-')}`, onBadRead });
  await load.prepare();
  load.start();
  let healedAt = 0;
  let faultFrom = 0, faultTo = 0;
  try {
    await sleep(o.before * 1000);
    faultFrom = Date.now();
    await fault.apply(bed);
    await sleep(o.during * 1000);
    faultTo = Date.now();
    await fault.undo(bed);
    healedAt = Date.now();
    await sleep(o.after * 1000);
  } finally {
    await load.stop();
    if (!healedAt) await fault.undo(bed).catch(() => undefined);
  }
  const health = await waitForReplicaHealth(bed, load, o.healthTimeoutMs);
  const healthMs = health.ms < 0 ? -1 : Date.now() - healedAt;
  const viaProxies = await checkThroughProxies(load, proxies);
  const counts = load.ledger.counts();
  const lat = load.getLatencies(faultFrom, faultTo);
  const base = load.getLatencies(0, faultFrom);
  const failedGets = load.samples.filter((s) => s.op === 'GET' && s.at >= faultFrom && s.at < faultTo && s.status !== 200 && s.status !== 404);
  const v = health.report.verdicts.counts;
  const p = viaProxies.counts;
  return {
    scenario: fault.name,
    acked: counts.acked,
    unknown: counts.unknown,
    gets: load.getLatencies().length,
    lost: v.lost + p.lost,
    stale: v.stale + p.stale,
    resurrected: v.resurrected + p.resurrected,
    inLoadBadReads: load.reads.bad,
    healthMs,
    faultGetP50: quantile(lat, 0.5),
    faultGetP99: quantile(lat, 0.99),
    faultGetMax: lat.length ? Math.max(...lat) : 0,
    faultGetErrors: failedGets.length,
    faultGetFailures: [...new Set(failedGets.map(failure))].sort().map((w) => `${w} ×${failedGets.filter((s) => failure(s) === w).length}`).join(', '),
    baseGets: base.length,
    baseGetP50: quantile(base, 0.5),
    baseGetP99: quantile(base, 0.99),
    examples: [...health.report.examples, ...health.leftovers.slice(0, 5).map((l) => `handoff left: ${l}`), ...health.report.verdicts.examples, ...viaProxies.examples, ...load.reads.examples.slice(0, 3)],
  };
}

/** A failed GET in words: its status, or why no answer came, and through which proxy. */
const failure = (s: Sample): string => `${s.status || s.error || 'no answer'} via ${s.proxy.replace(/^http:\/\//, '')}`;

export function figuresLine(f: ScenarioFigures): string {
  return `${f.scenario}: acked ${f.acked} (unknown ${f.unknown}), GETs ${f.gets}, lost ${f.lost}, stale ${f.stale}, resurrected ${f.resurrected}, `
    + `in-load bad reads ${f.inLoadBadReads}, replica health ${f.healthMs < 0 ? 'NOT reached' : `${(f.healthMs / 1000).toFixed(1)} s`} after heal, `
    + `GET during fault p50 ${f.faultGetP50} ms p99 ${f.faultGetP99} ms max ${f.faultGetMax} ms, failed ${f.faultGetErrors}${f.faultGetErrors ? ` (${f.faultGetFailures})` : ''} `
    + (f.baseGets ? `(before it: p50 ${f.baseGetP50} ms p99 ${f.baseGetP99} ms)` : '(no GET answered before it)');
}

/** The faults of issue 24, one call each on the bed. */
export const faults = {
  cutHost: (n: number): Fault => ({ name: `cut host ${n}`, apply: (bed) => bed.cut(n), undo: (bed) => bed.heal(n) }),
  cutRegion: (r: number): Fault => ({
    name: `cut region ${r}`,
    apply: (bed) => bed.cutRegion(r),
    undo: (bed) => bed.heal(...bed.hosts.filter((h) => h.region === r).map((h) => h.n)),
  }),
  killHost: (n: number): Fault => ({ name: `kill -9 host ${n}`, apply: (bed) => bed.killHost(n), undo: (bed) => bed.startHost(n) }),
  delayHost: (n: number, ms: number): Fault => ({ name: `${ms} ms delay on host ${n}`, apply: (bed) => bed.delay(n, ms), undo: (bed) => bed.heal(n) }),
};
