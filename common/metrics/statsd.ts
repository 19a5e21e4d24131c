/**
 * Swift's StatsdClient (`swift/common/utils.py`): counters and timings sent
 * as one UDP datagram each (`<prefix><name>:<value>|c|@<rate>`), configured
 * with Swift's `log_statsd_*` options, so an operator's existing statsd
 * graphs keep working. The prefix is `log_statsd_metric_prefix` then the
 * server's log name (`proxy-server.`, `object-replicator.`); sampling
 * multiplies the call's rate (or `log_statsd_default_sample_rate`) by
 * `log_statsd_sample_rate_factor` and sends only that fraction, marked
 * `@rate`. Sending is fire-and-forget, as Swift's: a failed send is logged
 * (at most once a minute) and never fails the request that counted.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';

type Options = Record<string, string | undefined>;

export interface StatsdConf {
  host: string;
  port: number;
  defaultSampleRate: number;
  sampleRateFactor: number;
  metricPrefix: string;
}

const num = (v: string | undefined, def: number, key: string): number => {
  if (v === undefined || v.trim() === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`invalid number for ${key}: ${v}`);
  return n;
};

/**
 * The `log_statsd_*` options of a section; undefined when `log_statsd_host`
 * is unset (statsd off, Swift's default). `prefix` reads e.g. proxy_logging's
 * `access_log_statsd_*` first, as Swift does.
 */
export function statsdConf(section: Options, prefix = ''): StatsdConf | undefined {
  const get = (key: string): string | undefined => (prefix ? section[prefix + key] : undefined) ?? section[key];
  const host = get('log_statsd_host');
  if (!host) return undefined;
  return {
    host,
    port: num(get('log_statsd_port'), 8125, 'log_statsd_port'),
    defaultSampleRate: num(get('log_statsd_default_sample_rate'), 1, 'log_statsd_default_sample_rate'),
    sampleRateFactor: num(get('log_statsd_sample_rate_factor'), 1, 'log_statsd_sample_rate_factor'),
    metricPrefix: get('log_statsd_metric_prefix') ?? '',
  };
}

/** What a server or daemon counts with; `NO_STATSD` when statsd is off. */
export interface Statsd {
  readonly enabled: boolean;
  increment(metric: string, sampleRate?: number): void;
  decrement(metric: string, sampleRate?: number): void;
  updateStats(metric: string, value: number, sampleRate?: number): void;
  timing(metric: string, ms: number, sampleRate?: number): void;
  /** Milliseconds since `startMs` (a `performance.now()` reading). */
  timingSince(metric: string, startMs: number, sampleRate?: number): void;
  /** Milliseconds per kilobyte, as Swift's transfer_rate. */
  transferRate(metric: string, elapsedSeconds: number, bytes: number, sampleRate?: number): void;
  close(): void;
}

export const NO_STATSD: Statsd = {
  enabled: false,
  increment() {},
  decrement() {},
  updateStats() {},
  timing() {},
  timingSince() {},
  transferRate() {},
  close() {},
};

export interface StatsdOptions {
  /** Told about a failed send (rate-limited). */
  onError?: (err: Error) => void;
  /** For tests of sampling: a number in [0, 1). */
  random?: () => number;
}

export class StatsdClient implements Statsd {
  readonly enabled = true;
  private readonly prefix: string;
  private readonly socket: Socket;
  private lastErrorAt = 0;
  /** Datagrams handed to the socket and not yet sent (a hostname is looked up first). */
  private inFlight = 0;
  private closing = false;

  /** `tailPrefix`: the server's log name (`proxy-server`, `object-server`, `object-replicator`). */
  constructor(private readonly conf: StatsdConf, tailPrefix: string, private readonly options: StatsdOptions = {}) {
    const base = conf.metricPrefix;
    this.prefix = base && tailPrefix ? `${base}.${tailPrefix}.` : tailPrefix ? `${tailPrefix}.` : base ? `${base}.` : '';
    this.socket = createSocket(isIP(conf.host) === 6 ? 'udp6' : 'udp4');
    this.socket.on('error', (err) => this.failed(err));
    // Counting must never keep a process alive.
    this.socket.unref();
  }

  increment(metric: string, sampleRate?: number): void {
    this.send(metric, 1, 'c', sampleRate);
  }

  decrement(metric: string, sampleRate?: number): void {
    this.send(metric, -1, 'c', sampleRate);
  }

  updateStats(metric: string, value: number, sampleRate?: number): void {
    this.send(metric, value, 'c', sampleRate);
  }

  timing(metric: string, ms: number, sampleRate?: number): void {
    this.send(metric, ms, 'ms', sampleRate);
  }

  timingSince(metric: string, startMs: number, sampleRate?: number): void {
    this.send(metric, performance.now() - startMs, 'ms', sampleRate);
  }

  transferRate(metric: string, elapsedSeconds: number, bytes: number, sampleRate?: number): void {
    if (bytes) this.send(metric, (elapsedSeconds * 1000 / bytes) * 1000, 'ms', sampleRate);
  }

  /**
   * Closes the socket once what was counted so far has gone out: a
   * `--once` pass counts up to its last moment and closes right after.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.inFlight === 0) this.socket.close();
  }

  private send(metric: string, value: number, type: 'c' | 'ms', sampleRate?: number): void {
    if (this.closing) return;
    const rate = (sampleRate ?? this.conf.defaultSampleRate) * this.conf.sampleRateFactor;
    let line = `${this.prefix}${metric}:${value}|${type}`;
    if (rate < 1) {
      if ((this.options.random ?? Math.random)() >= rate) return;
      line += `|@${rate}`;
    }
    // A hostname is looked up per send (Swift's choice too: DNS changes are followed).
    this.inFlight++;
    this.socket.send(line, this.conf.port, this.conf.host, (err) => {
      this.inFlight--;
      if (err) this.failed(err);
      if (this.closing && this.inFlight === 0) this.socket.close();
    });
  }

  private failed(err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorAt < 60_000) return;
    this.lastErrorAt = now;
    this.options.onError?.(err);
  }
}

/** A client from a section's `log_statsd_*` options, or `NO_STATSD` when they name no host. */
export function statsdFromConf(section: Options, tailPrefix: string, options: StatsdOptions & { optionPrefix?: string } = {}): Statsd {
  const conf = statsdConf(section, options.optionPrefix);
  return conf ? new StatsdClient(conf, tailPrefix, options) : NO_STATSD;
}
