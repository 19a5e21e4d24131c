/**
 * A dashboard over a real test cluster: swiftly's storage servers, our
 * proxy in this process (tempurl, bulk, SLO, object versioning on), and the
 * dashboard server on a free loopback port; plus a logged-in HTTP client.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { dashboardConfigFrom, startDashboard, type DashboardConfig, type DashboardServer } from '../../dashboard/index.js';
import type { Logger } from '../../common/index.js';
import { SwiftCluster } from './swift-cluster.js';

export interface DashboardFixture {
  cluster: SwiftCluster;
  proxyUrl: string;
  dashboard: DashboardServer;
  /** Every log line the dashboard wrote (debug level). */
  logLines: string[];
  stop(): Promise<void>;
}

/**
 * `options` are dashboard.conf `[dashboard]` lines over the defaults;
 * `nodes` the storage nodes of each kind (3 by default; see SwiftCluster's `nodes`).
 */
export async function startDashboardFixture(options: Record<string, string> = {}, configure?: (c: DashboardConfig) => void, nodes = 3): Promise<DashboardFixture> {
  const cluster = await SwiftCluster.start({ backend: 'swiftly', nodes });
  try {
    const proxy = await cluster.startProxy('', undefined, { versioned_writes: { allow_versioned_writes: true, allow_object_versioning: true } });
    const proxyUrl = `http://127.0.0.1:${proxy.port}`;
    const config = dashboardConfigFrom({ bind_ip: '127.0.0.1', bind_port: '0', proxy_url: proxyUrl, ...options });
    configure?.(config);
    const logLines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink) as unknown as Logger;
    const dashboard = await startDashboard(config, { logger });
    return {
      cluster, proxyUrl, dashboard, logLines,
      stop: async () => {
        await dashboard.close();
        await cluster.stop();
      },
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** A logged-in client of the dashboard: its cookie and CSRF token, and fetch with both. */
export interface DashboardClient {
  cookie: string;
  csrf: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export async function loginClient(dashboardUrl: string, user: string, key: string): Promise<DashboardClient> {
  const res = await fetch(`${dashboardUrl}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: dashboardUrl },
    body: new URLSearchParams({ user, key }).toString(),
  });
  if (res.status !== 303) throw new Error(`login: ${res.status}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  const page = await fetch(`${dashboardUrl}${res.headers.get('location')}`, { headers: { cookie } });
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('no CSRF token on the page');
  return {
    cookie, csrf,
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('cookie', cookie);
      const method = (init.method ?? 'GET').toUpperCase();
      if (method !== 'GET' && method !== 'HEAD' && !headers.has('x-csrf-token')) headers.set('x-csrf-token', csrf);
      return fetch(`${dashboardUrl}${path}`, { ...init, headers, redirect: 'manual' });
    },
  };
}

/** PUTs `count` empty objects `obj-<i>.txt` (i zero-padded to `width`) into the container URL `base`, 32 at a time. */
export async function putMany(base: string, token: string, count: number, width = 4): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const res = await fetch(`${base}/obj-${String(i).padStart(width, '0')}.txt`, { method: 'PUT', headers: { 'x-auth-token': token }, body: '' });
      if (res.status !== 201) throw new Error(`PUT obj-${i}: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}
