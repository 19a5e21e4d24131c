/**
 * The daemons' Prometheus metrics, kept by the shared runner: passes by
 * outcome, the last pass's length and end, and each running daemon's pass
 * counters (`Daemon.passStats()`: a replicator's attempted/success/failure/
 * hashmatch…, an auditor's passes/quarantined/bytes_processed) read when
 * scraped, so a pass's progress shows while it runs.
 */
import { counter, gauge } from '../common/index.js';
import type { Daemon } from './daemon.js';

const running = new Set<Daemon>();

const passes = counter('swiftly_daemon_passes_total', 'Daemon passes ended, by daemon and result (ok, failed)', ['daemon', 'result']);
const lastPass = gauge('swiftly_daemon_last_pass_seconds', 'How long the daemon\'s last completed pass took', ['daemon'], { aggregator: 'max' });
const lastEnd = gauge('swiftly_daemon_last_pass_completed_timestamp_seconds', 'When the daemon\'s last pass completed (Unix time)', ['daemon'], { aggregator: 'max' });
gauge('swiftly_daemon_pass_stat', 'The running (or last) pass\'s counters of each daemon, by daemon and stat (Swift\'s recon names)', ['daemon', 'stat'], {
  collect() {
    this.reset();
    for (const d of running) {
      for (const [stat, value] of Object.entries(d.passStats?.() ?? {})) if (Number.isFinite(value)) this.set({ daemon: d.name, stat }, value);
    }
  },
});

/** Shows `daemon`'s pass counters until the returned function is called. */
export function watchDaemon(daemon: Daemon): () => void {
  running.add(daemon);
  return () => running.delete(daemon);
}

/** Records a finished pass. */
export function passEnded(daemon: string, ok: boolean, seconds: number): void {
  passes.inc({ daemon, result: ok ? 'ok' : 'failed' });
  if (!ok) return;
  lastPass.set({ daemon }, seconds);
  lastEnd.set({ daemon }, Date.now() / 1000);
}
