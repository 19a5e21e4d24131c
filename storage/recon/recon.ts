/**
 * Swift's recon middleware: `GET /recon/<what>` on every storage server
 * answers JSON about this host — load, async pendings, replication /
 * updater / auditor / expirer / reaper stats (read from the recon cache
 * files the daemons write, common/recon-cache.ts), quarantined counts,
 * unmounted devices, disk usage, ring and swift.conf MD5s, time, version.
 * Paths, keys and shapes are Swift's so `swift-recon` can read them.
 *
 * Options (server conf): recon_cache_path (/var/cache/swift), devices,
 * mount_check, swift_dir.
 */
import { createHash } from 'node:crypto';
import { promises as fsp, readFileSync, statfsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getBool, getString, readReconCache, type Section } from '../../common/index.js';
import type { BackendHandler } from '../http/backend-server.js';
import { checkDevice } from '../device-check.js';

type Json = unknown;

export interface ReconOptions {
  devices: string;
  mountCheck: boolean;
  swiftDir: string;
  cachePath: string;
}

export const reconOptions = (conf: Section): ReconOptions => ({
  devices: getString(conf, 'devices', '/srv/node'),
  mountCheck: getBool(conf, 'mount_check', true),
  swiftDir: getString(conf, 'swift_dir', '/etc/swift'),
  cachePath: getString(conf, 'recon_cache_path', '/var/cache/swift'),
});

async function list(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch {
    return [];
  }
}


function pick(cache: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = cache[k] ?? null;
  return out;
}

async function countAsyncs(o: ReconOptions): Promise<number> {
  let n = 0;
  for (const dev of await list(o.devices)) {
    for (const dir of await list(join(o.devices, dev))) {
      if (!/^async_pending(-\d+)?$/.test(dir)) continue;
      for (const suffix of await list(join(o.devices, dev, dir))) n += (await list(join(o.devices, dev, dir, suffix))).length;
    }
  }
  return n;
}

async function quarantined(o: ReconOptions): Promise<Json> {
  const out = { objects: 0, containers: 0, accounts: 0, policies: {} as Record<string, { objects: number }> };
  for (const dev of await list(o.devices)) {
    const qdir = join(o.devices, dev, 'quarantined');
    for (const kind of await list(qdir)) {
      const n = (await list(join(qdir, kind))).length;
      const m = /^objects(?:-(\d+))?$/.exec(kind);
      if (m) {
        out.objects += n;
        const policy = m[1] ?? '0';
        out.policies[policy] = { objects: (out.policies[policy]?.objects ?? 0) + n };
      } else if (kind === 'containers') out.containers += n;
      else if (kind === 'accounts') out.accounts += n;
    }
  }
  return out;
}

async function devicesStatus(o: ReconOptions, usage: boolean): Promise<Json[]> {
  const out: Json[] = [];
  for (const dev of (await list(o.devices)).sort()) {
    const path = join(o.devices, dev);
    const mounted = (await checkDevice(o.devices, dev, o.mountCheck)) !== undefined;
    if (!usage) {
      if (!mounted) out.push({ device: dev, mounted: false });
      continue;
    }
    if (!mounted) {
      out.push({ device: dev, mounted: false, size: '', used: '', avail: '' });
      continue;
    }
    const s = statfsSync(path);
    const size = s.blocks * s.bsize;
    const avail = s.bavail * s.bsize;
    out.push({ device: dev, mounted: true, size, used: size - s.bfree * s.bsize, avail });
  }
  return out;
}

async function md5s(o: ReconOptions, names: (n: string) => boolean): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await list(o.swiftDir)).sort()) {
    if (!names(name)) continue;
    const path = join(o.swiftDir, name);
    try {
      out[path] = createHash('md5').update(readFileSync(path)).digest('hex');
    } catch {
      // unreadable: left out, as Swift does
    }
  }
  return out;
}

let version = 'unknown';
try {
  version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
} catch {
  // running from an unusual layout
}

/** The answer to `/recon/<parts...>`, or undefined when unknown (404). */
export async function reconAnswer(o: ReconOptions, parts: string[]): Promise<Json | undefined> {
  const [what, kind = 'object'] = parts;
  const cache = (k: 'object' | 'container' | 'account') => readReconCache(o.cachePath, k);
  switch (what) {
    case 'load': {
      const [a, b, c] = loadavg();
      return { '1m': a, '5m': b, '15m': c, tasks: `${process.getActiveResourcesInfo().length}/0`, processes: process.pid };
    }
    case 'mem': {
      const out: Record<string, string> = {};
      try {
        for (const line of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
          const i = line.indexOf(':');
          if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
        }
      } catch {
        // not Linux
      }
      return out;
    }
    case 'async': return { async_pending: await countAsyncs(o) };
    case 'replication':
      if (kind === 'object') {
        return pick(cache('object'), ['replication_time', 'replication_stats', 'replication_last', 'object_replication_time', 'object_replication_last']);
      }
      if (kind === 'container' || kind === 'account') return pick(cache(kind), ['replication_time', 'replication_stats', 'replication_last']);
      return undefined;
    case 'updater':
      if (kind === 'object') return pick(cache('object'), ['object_updater_sweep']);
      if (kind === 'container') return pick(cache('container'), ['container_updater_sweep']);
      return undefined;
    case 'auditor':
      if (kind === 'object') return pick(cache('object'), ['object_auditor_stats_ALL', 'object_auditor_stats_ZBF']);
      if (kind === 'container' || kind === 'account') {
        return pick(cache(kind), [`${kind}_audits_passed`, `${kind}_auditor_pass_completed`, `${kind}_audits_since`, `${kind}_audits_failed`]);
      }
      return undefined;
    case 'expirer': return kind === 'object' ? pick(cache('object'), ['object_expiration_pass', 'expired_last_pass']) : undefined;
    case 'reaper': return pick(cache('account'), ['account_reaper_pass', 'account_reaper_stats']);
    case 'devices': return (await list(o.devices)).sort();
    case 'unmounted': return devicesStatus(o, false);
    case 'diskusage': return devicesStatus(o, true);
    case 'quarantined': return quarantined(o);
    case 'ringmd5': return md5s(o, (n) => n.endsWith('.ring.gz'));
    case 'swiftconfmd5': {
      // Swift keys it by its constant path whatever swift_dir is; swift-recon looks it up so.
      const [md5] = Object.values(await md5s(o, (n) => n === 'swift.conf'));
      return { '/etc/swift/swift.conf': md5 ?? null };
    }
    case 'time': return Date.now() / 1000;
    case 'version': return { version };
    default: return undefined;
  }
}

/** Wraps a storage app's handler so `GET /recon/...` is answered here (Swift's recon filter). */
export function withRecon(conf: Section, next: BackendHandler): BackendHandler {
  const o = reconOptions(conf);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.url;
    if (!url.startsWith('/recon/') || request.method !== 'GET') return next(request, reply);
    const parts = url.split('?')[0].split('/').slice(2).filter(Boolean).map(decodeURIComponent);
    const answer = await reconAnswer(o, parts);
    if (answer === undefined) return reply.code(404).header('content-type', 'text/plain').send('Not Found');
    return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(answer));
  };
}
