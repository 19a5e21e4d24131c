/**
 * The client side of recon (Swift's `swift-recon`): polls `/recon/...` on
 * every storage host of a ring and summarises what comes back — low /
 * high / average / total across hosts, failures and missing answers —
 * the way swift-recon prints it. `onProgress` sees each answer as it
 * lands, for a progress view while polling.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import type { RingLookup } from '../ring/index.js';

export interface ReconHost {
  ip: string;
  port: number;
}

export interface ReconResult {
  host: ReconHost;
  ok: boolean;
  body?: unknown;
  error?: string;
}

/** The distinct (ip, port) of a ring's devices, optionally only one zone/region. */
export function reconHosts(ring: RingLookup, filter: { zone?: number; region?: number } = {}): ReconHost[] {
  const seen = new Map<string, ReconHost>();
  for (const d of ring.devs) {
    if (!d || (filter.zone !== undefined && d.zone !== filter.zone) || (filter.region !== undefined && d.region !== filter.region)) continue;
    seen.set(`${d.ip}:${d.port}`, { ip: d.ip, port: d.port });
  }
  return [...seen.values()];
}

const hostUrl = (h: ReconHost): string => `http://${h.ip.includes(':') ? `[${h.ip}]` : h.ip}:${h.port}`;

/** GETs `/recon/<path>` on every host at once (bounded by `timeout` seconds each). */
export async function pollRecon(
  hosts: ReconHost[], path: string, options: { timeout?: number; onProgress?: (done: number, total: number, r: ReconResult) => void } = {},
): Promise<ReconResult[]> {
  let done = 0;
  const timeout = (options.timeout ?? 5) * 1000;
  return Promise.all(hosts.map(async (host): Promise<ReconResult> => {
    let result: ReconResult;
    try {
      const res = await request(`${hostUrl(host)}/recon/${path}`, { headersTimeout: timeout, bodyTimeout: timeout, signal: AbortSignal.timeout(timeout) });
      const text = await res.body.text();
      result = res.statusCode === 200 ? { host, ok: true, body: JSON.parse(text) } : { host, ok: false, error: `HTTP ${res.statusCode}` };
    } catch (err) {
      result = { host, ok: false, error: (err as Error).message };
    }
    options.onProgress?.(++done, hosts.length, result);
    return result;
  }));
}

export interface Summary {
  low: number;
  high: number;
  avg: number;
  total: number;
  reported: number;
  noResult: number;
}

/** swift-recon's low/high/avg/total over the hosts that gave a number. */
export function summarize(values: (number | null | undefined)[]): Summary {
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const total = nums.reduce((a, b) => a + b, 0);
  return {
    low: nums.length ? Math.min(...nums) : 0,
    high: nums.length ? Math.max(...nums) : 0,
    avg: nums.length ? total / nums.length : 0,
    total,
    reported: nums.length,
    noResult: values.length - nums.length,
  };
}

export const formatSummary = (label: string, s: Summary, failed: number): string =>
  `[${label}] low: ${round(s.low)}, high: ${round(s.high)}, avg: ${round(s.avg)}, total: ${round(s.total)}, ` +
  `Failed: ${s.reported + s.noResult ? round((100 * failed) / (s.reported + s.noResult)) : 0}%, no_result: ${s.noResult}, reported: ${s.reported}`;

const round = (n: number): number => Math.round(n * 10) / 10;

const field = (r: ReconResult, ...path: string[]): number | null => {
  let v: unknown = r.body;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return typeof v === 'number' ? v : null;
};

export type ReconCheck = 'async' | 'replication' | 'quarantined' | 'diskusage' | 'load' | 'unmounted' | 'md5' | 'time' | 'auditor' | 'updater' | 'expirer';

/** Runs one check against `hosts` and returns the lines to print. */
export async function runCheck(
  check: ReconCheck, serverType: 'object' | 'container' | 'account', hosts: ReconHost[],
  options: { swiftDir?: string; timeout?: number; onProgress?: (done: number, total: number, r: ReconResult) => void } = {},
): Promise<string[]> {
  const poll = (path: string) => pollRecon(hosts, path, options);
  const failed = (rs: ReconResult[]) => rs.filter((r) => !r.ok).length;
  switch (check) {
    case 'async': {
      const rs = await poll('async');
      return [formatSummary('async_pending', summarize(rs.map((r) => field(r, 'async_pending'))), failed(rs))];
    }
    case 'replication': {
      const rs = await poll(`replication/${serverType}`);
      const timeKey = serverType === 'object' ? 'object_replication_time' : 'replication_time';
      const lastKey = serverType === 'object' ? 'object_replication_last' : 'replication_last';
      const lasts = rs.map((r) => field(r, lastKey)).filter((v): v is number => v !== null);
      const now = Date.now() / 1000;
      const lines = [
        formatSummary('replication_time', summarize(rs.map((r) => field(r, timeKey))), failed(rs)),
        formatSummary('replication_failure', summarize(rs.map((r) => field(r, 'replication_stats', 'failure'))), failed(rs)),
        formatSummary('replication_success', summarize(rs.map((r) => field(r, 'replication_stats', 'success'))), failed(rs)),
        formatSummary('replication_attempted', summarize(rs.map((r) => field(r, 'replication_stats', 'attempted'))), failed(rs)),
      ];
      if (lasts.length) {
        lines.push(`Oldest completion was ${new Date(Math.min(...lasts) * 1000).toISOString()} (${Math.round(now - Math.min(...lasts))} seconds ago)`);
        lines.push(`Most recent completion was ${new Date(Math.max(...lasts) * 1000).toISOString()} (${Math.round(now - Math.max(...lasts))} seconds ago)`);
      }
      return lines;
    }
    case 'auditor': {
      const rs = await poll('auditor/object');
      return ['ALL', 'ZBF'].flatMap((m) => [
        formatSummary(`${m}_audit_time`, summarize(rs.map((r) => field(r, `object_auditor_stats_${m}`, 'audit_time'))), failed(rs)),
        formatSummary(`${m}_quarantined`, summarize(rs.map((r) => field(r, `object_auditor_stats_${m}`, 'quarantined'))), failed(rs)),
        formatSummary(`${m}_passes`, summarize(rs.map((r) => field(r, `object_auditor_stats_${m}`, 'passes'))), failed(rs)),
      ]);
    }
    case 'updater': {
      const rs = await poll(`updater/${serverType}`);
      return [formatSummary('updater_last_sweep', summarize(rs.map((r) => field(r, `${serverType}_updater_sweep`))), failed(rs))];
    }
    case 'expirer': {
      const rs = await poll('expirer/object');
      return [
        formatSummary('object_expiration_pass', summarize(rs.map((r) => field(r, 'object_expiration_pass'))), failed(rs)),
        formatSummary('expired_last_pass', summarize(rs.map((r) => field(r, 'expired_last_pass'))), failed(rs)),
      ];
    }
    case 'quarantined': {
      const rs = await poll('quarantined');
      return ['objects', 'containers', 'accounts'].map((k) => formatSummary(`quarantined_${k}`, summarize(rs.map((r) => field(r, k))), failed(rs)));
    }
    case 'load': {
      const rs = await poll('load');
      return ['1m', '5m', '15m'].map((k) => formatSummary(`${k}_load_avg`, summarize(rs.map((r) => field(r, k))), failed(rs)));
    }
    case 'diskusage': {
      const rs = await poll('diskusage');
      const pct: number[] = [];
      let unmounted = 0;
      for (const r of rs) {
        for (const d of (Array.isArray(r.body) ? r.body : []) as { mounted: boolean; size: number; used: number }[]) {
          if (!d.mounted) unmounted++;
          else if (d.size > 0) pct.push((100 * d.used) / d.size);
        }
      }
      const s = summarize(pct);
      return [`Distribution Graph: ${pct.length} devices`, `Disk usage: lowest: ${round(s.low)}%, highest: ${round(s.high)}%, avg: ${round(s.avg)}%`,
        ...(unmounted ? [`${unmounted} unmounted device(s)`] : [])];
    }
    case 'unmounted': {
      const rs = await poll('unmounted');
      const lines: string[] = [];
      for (const r of rs) {
        for (const d of (Array.isArray(r.body) ? r.body : []) as { device: string }[]) lines.push(`Not mounted: ${d.device} on ${r.host.ip}:${r.host.port}`);
      }
      return lines.length ? lines : [`${rs.filter((r) => r.ok).length}/${rs.length} hosts: all devices mounted`];
    }
    case 'md5': {
      const rs = await poll('ringmd5');
      const dir = options.swiftDir ?? '/etc/swift';
      const want = new Map<string, string>();
      for (const name of ['account', 'container', 'object']) {
        try {
          want.set(name, createHash('md5').update(readFileSync(`${dir}/${name}.ring.gz`)).digest('hex'));
        } catch {
          // that ring is not here
        }
      }
      let matches = 0;
      const lines: string[] = [];
      for (const r of rs) {
        if (!r.ok) continue;
        let ok = true;
        for (const [path, md5] of Object.entries(r.body as Record<string, string>)) {
          const name = path.split('/').pop()!.replace(/\.ring\.gz$/, '');
          if (want.has(name) && want.get(name) !== md5) {
            ok = false;
            lines.push(`!! ${r.host.ip}:${r.host.port}${path} doesn't match on disk md5sum`);
          }
        }
        if (ok) matches++;
      }
      lines.push(`${matches}/${rs.length} hosts matched, ${failed(rs)} error[s] while checking hosts.`);
      return lines;
    }
    case 'time': {
      const rs = await poll('time');
      const now = Date.now() / 1000;
      const skewed = rs.filter((r) => typeof r.body === 'number' && Math.abs((r.body as number) - now) > 1);
      return [...skewed.map((r) => `!! http://${r.host.ip}:${r.host.port}/recon/time current time is ${r.body} but remote is off by ${round((r.body as number) - now)}s`),
        `${rs.length - skewed.length - failed(rs)}/${rs.length} hosts matched, ${failed(rs)} error[s] while checking hosts.`];
    }
  }
}
