/** A compute cloud for tests: API on port 0, scheduler, fake compute workers, a temp DB. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startComputeServices, type ComputeServices, type StartComputeOptions, type ComputeConfig } from '../../compute/index.js';
import { silentLogger } from '../../common/index.js';

export interface TestCloud {
  dir: string;
  dbPath: string;
  parts: ComputeServices[];
  api: ComputeServices;
  url: string;
  /** Start another compute worker on the same DB and bus. */
  addCompute(host: string, extra?: Partial<ComputeConfig>, opts?: Partial<StartComputeOptions>): Promise<ComputeServices>;
  close(): Promise<void>;
}

export const FAST: Partial<ComputeConfig> = {
  apiPort: 0, reportIntervalMs: 100, periodicIntervalMs: 150, serviceDownTimeMs: 3000, rpcResponseTimeoutMs: 3000,
  auth: { strategy: 'noauth2', proxyUrl: '', adminProjects: ['admin'], resellerPrefix: 'AUTH' },
};

export async function startTestCloud(opts: { computeHosts?: string[]; config?: Partial<ComputeConfig>; start?: Partial<StartComputeOptions> } = {}): Promise<TestCloud> {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-compute-'));
  const dbPath = join(dir, 'compute.sqlite');
  const base: Partial<ComputeConfig> = { ...FAST, dbPath, host: 'ctl', fake: { vcpus: 8, memoryMb: 8192, localGb: 100, cpuArch: 'x86_64', timeScale: 0.05 }, ...opts.config };
  const api = await startComputeServices({ config: base, run: ['api', 'scheduler'], logger: silentLogger, ...opts.start });
  const parts: ComputeServices[] = [api];
  const cloud: TestCloud = {
    dir, dbPath, parts, api, url: api.apiUrl!,
    async addCompute(host, extra = {}, more = {}) {
      const c = await startComputeServices({
        config: { ...base, host, ...extra, fake: { ...base.fake!, ...extra.fake } },
        run: ['compute'], logger: silentLogger, transport: api.transport, ...more,
      });
      parts.push(c);
      return c;
    },
    async close() {
      for (const p of [...parts].reverse()) await p.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const h of opts.computeHosts ?? ['cn1']) await cloud.addCompute(h);
  return cloud;
}

/** A small Nova client for tests. */
export function novaClient(url: string, token = 'demo:demo', project = token.split(':')[1]) {
  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${url}/v2.1/${project}${path}`, {
      method,
      headers: { 'x-auth-token': token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }
  return {
    call,
    async waitFor(id: string, pred: (s: Record<string, unknown>) => boolean, timeoutMs = 8000): Promise<Record<string, unknown>> {
      const until = Date.now() + timeoutMs;
      let last: Record<string, unknown> | undefined;
      while (Date.now() < until) {
        const r = await call('GET', `/servers/${id}`);
        if (r.status === 404) last = { status: 'GONE' };
        else last = r.body.server;
        if (pred(last!)) return last!;
        await new Promise((res) => setTimeout(res, 25));
      }
      throw new Error(`server ${id} did not reach the expected state; last: ${JSON.stringify(last)}`);
    },
    async waitStatus(id: string, status: string, timeoutMs?: number) {
      return this.waitFor(id, (s) => s.status === status && (s['OS-EXT-STS:task_state'] ?? null) === null, timeoutMs);
    },
  };
}
