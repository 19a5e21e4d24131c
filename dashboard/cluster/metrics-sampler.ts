/**
 * The cluster view's history: every `intervalMs` the dashboard server
 * scrapes each configured /metrics URL and keeps, per server, an hour of
 * points (requests answered and the latency histogram's sum and count), from
 * which the page draws request rate and mean latency; plus the latest
 * samples of each URL (the proxy's error-limited nodes, the rings the
 * daemons show). A URL that does not answer is marked down.
 */
import { request } from 'undici';
import { parsePromText, sumOf, type PromSample } from './prom-text.js';

export interface MetricsPoint {
  /** Epoch ms of the scrape. */
  t: number;
  requests: number;
  latencySum: number;
  latencyCount: number;
}

export interface ServerSeries {
  name: string;
  up: boolean;
  error?: string;
  points: MetricsPoint[];
}

export interface SamplerOptions {
  urls: Record<string, string>;
  intervalMs?: number;
  /** How long points are kept. */
  keepMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

export class MetricsSampler {
  readonly series = new Map<string, ServerSeries>();
  readonly latest = new Map<string, PromSample[]>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly intervalMs: number;
  private readonly keepMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  /** Names by URL: servers of one process share a /metrics URL (`compute-api+scheduler+compute+image-api`), scraped once. */
  private readonly urls = new Map<string, string>();

  constructor(options: SamplerOptions) {
    this.intervalMs = options.intervalMs ?? 15_000;
    this.keepMs = options.keepMs ?? 3_600_000;
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.now = options.now ?? Date.now;
    const byUrl = new Map<string, string[]>();
    for (const [name, url] of Object.entries(options.urls)) byUrl.set(url, [...(byUrl.get(url) ?? []), name]);
    for (const [url, names] of byUrl) {
      const name = names.join('+');
      this.urls.set(name, url);
      this.series.set(name, { name, up: false, points: [] });
    }
  }

  /** Samples now, then every interval until stop(). */
  start(): void {
    if (this.timer) return;
    void this.sampleOnce();
    this.timer = setInterval(() => void this.sampleOnce(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round over every URL (a round still running is joined, not doubled). */
  sampleOnce(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<void> {
    await Promise.all([...this.urls].map(([name, url]) => this.scrape(name, url)));
  }

  private async scrape(name: string, url: string): Promise<void> {
    const series = this.series.get(name)!;
    const t = this.now();
    try {
      const res = await request(url, { headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs, signal: AbortSignal.timeout(this.timeoutMs) });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      const samples = parsePromText(text);
      this.latest.set(name, samples);
      series.up = true;
      series.error = undefined;
      series.points.push({
        t,
        requests: sumOf(samples, 'swiftly_http_requests_total'),
        latencySum: sumOf(samples, 'swiftly_http_request_duration_seconds_sum'),
        latencyCount: sumOf(samples, 'swiftly_http_request_duration_seconds_count'),
      });
    } catch (err) {
      series.up = false;
      series.error = (err as Error).message;
      this.latest.delete(name);
    }
    while (series.points.length && series.points[0].t < t - this.keepMs) series.points.shift();
  }

  /** The latest samples of every URL that answered, flattened with the URL's name. */
  allLatest(): { server: string; sample: PromSample }[] {
    const out: { server: string; sample: PromSample }[] = [];
    for (const [server, samples] of this.latest) for (const sample of samples) out.push({ server, sample });
    return out;
  }
}

export interface RatePoint {
  t: number;
  /** Requests per second since the previous point. */
  rate: number;
  /** Mean latency (seconds) of the requests since the previous point; null when none. */
  latency: number | null;
}

/** Rates between consecutive points; a counter that went down (a restart) starts over. */
export function ratesOf(points: readonly MetricsPoint[]): RatePoint[] {
  const out: RatePoint[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    const seconds = (b.t - a.t) / 1000;
    if (seconds <= 0) continue;
    const restarted = b.requests < a.requests;
    const requests = restarted ? b.requests : b.requests - a.requests;
    const count = restarted ? b.latencyCount : b.latencyCount - a.latencyCount;
    const sum = restarted ? b.latencySum : b.latencySum - a.latencySum;
    out.push({ t: b.t, rate: requests / seconds, latency: count > 0 ? sum / count : null });
  }
  return out;
}
