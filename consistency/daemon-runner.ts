/**
 * The one runner every consistency daemon shares (Swift's
 * `swift/common/daemon.py`): runs `runOnce` once (`--once`) or forever,
 * one pass every `interval` seconds, logs each pass through
 * `logger.child({ daemon })`, survives a failed pass, and stops gracefully
 * on SIGTERM/SIGINT — the running pass sees its AbortSignal and winds down.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createLogger, getString, loadSwiftConf, metricsListen, openSharedMetricsServer, readIniFile, requireSection, statsdFromConf,
  type Logger, type MetricsServer, type Section, type SwiftConf,
} from '../common/index.js';
import type { Daemon, DaemonFactory } from './daemon.js';
import { passEnded, watchDaemon } from './daemon-metrics.js';
import { watchRings } from './ring-metrics.js';

export interface RunnerOptions {
  /** One pass, then return (Swift's `--once`). */
  once?: boolean;
  /** Seconds between the starts of two passes. */
  interval: number;
  logger: Logger;
  /** Aborting it stops the runner (the CLI wires SIGTERM/SIGINT to it). */
  signal?: AbortSignal;
}

/** Runs `daemon` until done (`once`) or until `signal` aborts; closes it after. */
export async function runDaemon(daemon: Daemon, options: RunnerOptions): Promise<void> {
  const log = options.logger;
  const signal = options.signal ?? new AbortController().signal;
  const unwatch = watchDaemon(daemon);
  try {
    while (!signal.aborted) {
      const started = Date.now();
      log.info({ mode: options.once ? 'once' : 'forever' }, `Begin ${daemon.name} pass`);
      try {
        await daemon.runOnce(signal);
        log.info({ seconds: (Date.now() - started) / 1000 }, `${daemon.name} pass completed`);
        passEnded(daemon.name, true, (Date.now() - started) / 1000);
      } catch (err) {
        passEnded(daemon.name, false, (Date.now() - started) / 1000);
        // One bad pass must not end a daemon that runs forever.
        log.error({ err }, `Unhandled exception in ${daemon.name} pass`);
        if (options.once) throw err;
      }
      if (options.once) break;
      const wait = options.interval * 1000 - (Date.now() - started);
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    unwatch();
    await daemon.close?.();
  }
}

/** A daemon's section of its server's conf: `[DEFAULT]` + `[<name>]`. */
export function readDaemonSection(confPath: string, name: string): Section {
  return requireSection(readIniFile(confPath), name);
}

export interface StartDaemonOptions {
  once?: boolean;
  /** Extra/overriding options (e.g. `devices_filter`, `partitions` for a targeted `--once`). */
  overrides?: Record<string, string>;
  logger?: Logger;
  swiftConf?: SwiftConf;
  signal?: AbortSignal;
  /** Told the `/metrics` port once it listens (when the section sets `metrics_bind_port`). */
  onMetricsPort?: (port: number) => void;
}

/** The daemon's `/metrics` server, shared with the other daemons of this process naming the same port. */
async function openMetrics(section: Section): Promise<MetricsServer | undefined> {
  const listen = metricsListen(section, getString(section, 'bind_ip', '0.0.0.0'));
  return listen ? openSharedMetricsServer(listen) : undefined;
}

/**
 * Builds a daemon from its conf section and runs it. Used by
 * `swiftly daemon` (with SIGTERM wired to `signal`) and by tests.
 */
export async function startDaemon(factory: DaemonFactory, name: string, conf: Section, options: StartDaemonOptions = {}): Promise<void> {
  const merged: Section = { ...conf, ...(options.overrides ?? {}) };
  const root = options.logger ?? createLogger({ name, level: merged.log_level });
  const logger = root.child({ daemon: name });
  const swiftConf = options.swiftConf ?? loadSwiftConf(getString(merged, 'swift_dir', '/etc/swift'));
  const interval = Number(merged.interval ?? merged.run_pause ?? 30);
  // A `--once` pass is an operator's one-shot run beside the running daemons, which own the metrics port: it
  // serves no /metrics (it still sends statsd), so it never fails on a port they hold.
  const metrics = options.once ? undefined : await openMetrics(merged);
  if (metrics) options.onMetricsPort?.(metrics.port);
  const unwatchRings = metrics ? watchRings(getString(merged, 'swift_dir', '/etc/swift')) : undefined;
  const statsd = statsdFromConf(merged, name, { onError: (err) => logger.warn({ err: err.message }, 'Error sending UDP message to statsd') });
  try {
    const daemon = factory({ conf: merged, swiftConf, logger, statsd });
    await runDaemon(daemon, { once: options.once, interval: Number.isFinite(interval) ? interval : 30, logger, signal: options.signal });
  } finally {
    unwatchRings?.();
    await metrics?.close();
    statsd.close();
  }
}

/** Wires SIGTERM/SIGINT to an AbortController (the long-running CLI form). */
export function abortOnSignals(): AbortController {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return ac;
}

/** A daemon found in a conf file: its name and section. */
export interface ConfiguredDaemon {
  name: string;
  confPath: string;
  section: Section;
}

/** Every daemon of `known` whose section a conf file has (`[object-replicator]`, …). */
export function configuredDaemons(confPaths: readonly string[], known: readonly string[]): ConfiguredDaemon[] {
  const out: ConfiguredDaemon[] = [];
  for (const confPath of confPaths) {
    const ini = readIniFile(confPath);
    for (const name of known) if (ini.sections.has(name)) out.push({ name, confPath, section: requireSection(ini, name) });
  }
  return out;
}
