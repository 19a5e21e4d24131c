/**
 * The contract every consistency daemon implements (Swift's `Daemon`:
 * daemons "do not know *how* to daemonize"): one pass over the local
 * devices in `runOnce`, stopping early when `signal` aborts. The shared
 * runner (daemon-runner.ts) does intervals, `--once`, shutdown and logs.
 */
import type { Logger, Section, Statsd, SwiftConf } from '../common/index.js';

export interface Daemon {
  /** Swift's section / log name, e.g. `object-replicator`. */
  readonly name: string;
  /** One full pass. Resolves when done or when `signal` aborted. */
  runOnce(signal: AbortSignal): Promise<void>;
  /** Releases connections and other resources once the runner stops. */
  close?(): Promise<void>;
  /** The counters of the pass running now (or the last one): progress on /metrics. */
  passStats?(): Record<string, number>;
}

/** What a daemon factory gets: its section (DEFAULT merged in), swift.conf and a child logger. */
export interface DaemonContext {
  conf: Section;
  swiftConf: SwiftConf;
  logger: Logger;
  /** Swift's statsd client for `<daemon>.` names (a no-op unless log_statsd_host is set). */
  statsd?: Statsd;
}

export type DaemonFactory = (ctx: DaemonContext) => Daemon;
