/**
 * A steady mixed load (PUT, overwrite, DELETE, GET) through the bed's
 * proxies, every write recorded in a Ledger and every GET checked against
 * it as it returns. Keys are split among workers, so a key's operations are
 * sequential. A proxy that refuses a connection is left out for a few
 * seconds (what a load balancer's health check does); each request has a
 * deadline, and an answer past it counts as unknown.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import { Ledger, VerdictTally, type WriteKind } from './ledger.js';

export interface LoadOptions {
  dispatcher: Dispatcher;
  proxies: string[];
  account?: string;
  container?: string;
  keys?: number;
  workers?: number;
  /** A request's deadline (ms). */
  timeoutMs?: number;
  /** Pause between a worker's operations (ms). */
  pauseMs?: number;
  /** Called on a GET whose version the ledger does not allow (while the load runs), with the response's X-Timestamp. */
  onBadRead?: (key: string, proxy: string, observed: string | null, timestamp: string | undefined) => void;
}

export interface Sample {
  at: number;
  ms: number;
  op: 'GET' | 'PUT' | 'DELETE';
  status: number;
  proxy: string;
  /** Why no answer came (status 0): the error's code or name (TimeoutError: past the deadline). */
  error?: string;
}

export const VERSION_HEADER = 'x-object-meta-ledger-version';

export class MixedLoad {
  readonly ledger = new Ledger();
  /** GETs' verdicts as they return (during the load). */
  readonly reads = new VerdictTally();
  readonly samples: Sample[] = [];
  readonly account: string;
  readonly container: string;
  private readonly proxyDownUntil = new Map<string, number>();
  private running?: Promise<void>[];
  private stopping = false;

  constructor(readonly o: LoadOptions) {
    this.account = o.account ?? 'AUTH_ledger';
    this.container = o.container ?? 'ledger';
  }

  objectPath(key: string): string {
    return `/v1/${this.account}/${this.container}/${key}`;
  }

  /** Creates the container (through any proxy that answers; 2 minutes, as a bed just started on a loaded machine needed more than 30 s). */
  async prepare(): Promise<void> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      for (const proxy of this.o.proxies) {
        const res = await this.send(proxy, 'PUT', `/v1/${this.account}/${this.container}`, {}, undefined).catch(() => undefined);
        if (res && res.status >= 200 && res.status < 300) return;
      }
      if (Date.now() > deadline) throw new Error('no proxy created the ledger container');
      await sleep(500);
    }
  }

  start(): void {
    const workers = this.o.workers ?? 6;
    const keys = this.o.keys ?? 120;
    this.stopping = false;
    this.running = Array.from({ length: workers }, (_, w) => this.worker(Array.from({ length: Math.ceil(keys / workers) }, (_, i) => `k${String(i * workers + w).padStart(4, '0')}`).filter((k) => Number(k.slice(1)) < keys)));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running ?? []);
    this.running = undefined;
  }

  /** GET samples in [from, to) that a proxy answered (any status but a connection failure). */
  getLatencies(from = 0, to = Infinity): number[] {
    return this.samples.filter((s) => s.op === 'GET' && s.at >= from && s.at < to && s.status > 0).map((s) => s.ms);
  }

  private pickProxy(): string {
    const now = Date.now();
    const up = this.o.proxies.filter((p) => (this.proxyDownUntil.get(p) ?? 0) <= now);
    const from = up.length ? up : this.o.proxies;
    return from[Math.floor(Math.random() * from.length)];
  }

  private async worker(keys: string[]): Promise<void> {
    while (!this.stopping) {
      const key = keys[Math.floor(Math.random() * keys.length)];
      const r = Math.random();
      if (r < 0.4) await this.get(key);
      else await this.write(key, r < 0.82 ? 'put' : 'delete');
      if (this.o.pauseMs) await sleep(this.o.pauseMs);
    }
  }

  private async write(key: string, kind: WriteKind): Promise<void> {
    await this.writeOnce(key, kind, this.pickProxy());
  }

  /** One write through `proxy`, recorded in the ledger; resolves with its status (0: no answer). */
  async writeOnce(key: string, kind: WriteKind, proxy: string): Promise<number> {
    const op = this.ledger.begin(key, kind);
    op.at = Date.now();
    op.proxy = proxy;
    const body = kind === 'put' ? Buffer.concat([Buffer.from(`${op.version}\n`), randomBytes(256 + Math.floor(Math.random() * 2048))]) : undefined;
    const headers: Record<string, string> = kind === 'put' ? { [VERSION_HEADER]: op.version!, 'content-type': 'application/octet-stream' } : {};
    const res = await this.timed(proxy, kind === 'put' ? 'PUT' : 'DELETE', this.objectPath(key), headers, body);
    if (kind === 'put' ? res.status === 201 : res.status === 204 || res.status === 404) this.ledger.ack(op);
    return res.status;
  }

  private async get(key: string): Promise<void> {
    const proxy = this.pickProxy();
    const res = await this.timed(proxy, 'GET', this.objectPath(key), {}, undefined);
    if (res.status !== 200 && res.status !== 404) return;
    const seen = res.status === 200 ? res.version : null;
    const verdict = this.ledger.verdict(key, seen);
    this.reads.add(verdict, `GET ${key} via ${proxy} read ${seen ?? '404'}`);
    if (verdict !== 'ok') this.o.onBadRead?.(key, proxy, seen, res.timestamp);
  }

  private async timed(proxy: string, method: Sample['op'], path: string, headers: Record<string, string>, body: Buffer | undefined): Promise<{ status: number; version: string | null; timestamp?: string }> {
    const started = Date.now();
    let status = 0;
    let version: string | null = null;
    let timestamp: string | undefined;
    let error: string | undefined;
    try {
      const res = await this.send(proxy, method, path, headers, body);
      status = res.status;
      version = res.version;
      timestamp = res.timestamp;
    } catch (err) {
      const code = (err as { code?: string }).code;
      error = code ?? (err as Error).name;
      if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_CONNECT_TIMEOUT') this.proxyDownUntil.set(proxy, Date.now() + 3000);
    }
    this.samples.push({ at: started, ms: Date.now() - started, op: method, status, proxy, error });
    return { status, version, timestamp };
  }

  /** One request; a GET's body is read to its first line (the version it carries). */
  async send(proxy: string, method: string, path: string, headers: Record<string, string>, body: Buffer | undefined, timeoutMs = this.o.timeoutMs ?? 10_000): Promise<{ status: number; version: string | null; timestamp?: string }> {
    const res = await request(`${proxy}${path}`, {
      method, headers, body, dispatcher: this.o.dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const data = Buffer.from(await res.body.arrayBuffer());
    const version = method === 'GET' && res.statusCode === 200 ? data.subarray(0, data.indexOf(10)).toString() : null;
    const ts = res.headers['x-timestamp'];
    return { status: res.statusCode, version, timestamp: typeof ts === 'string' ? ts : undefined };
  }
}

/** The `q` quantile (0–1) of `values`, 0 when empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
