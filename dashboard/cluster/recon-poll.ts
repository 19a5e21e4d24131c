/**
 * Asking each storage server's /recon (Swift's recon middleware, the public
 * API the storage nodes serve) what the cluster view shows: its disks
 * (usage, mounted), async pendings, quarantined counts and replication (last
 * pass, how long it took, its counters). A server that does not answer is
 * down.
 */
import { request } from 'undici';

export type ServerKind = 'object' | 'container' | 'account';

export interface DiskStatus {
  device: string;
  mounted: boolean;
  size?: number;
  used?: number;
  avail?: number;
}

export interface ServerStatus {
  host: string;
  kind?: ServerKind;
  up: boolean;
  error?: string;
  disks: DiskStatus[];
  asyncPending?: number;
  quarantined?: { objects: number; containers: number; accounts: number };
  replication?: {
    /** Epoch seconds of the last completed pass. */
    last: number | null;
    /** How long that pass took, in seconds. */
    seconds: number | null;
    stats?: Record<string, unknown>;
  };
}

async function getJson(host: string, path: string, timeoutMs: number): Promise<unknown> {
  const res = await request(`http://${host}/recon/${path}`, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`/recon/${path}: HTTP ${res.statusCode}`);
  }
  return res.body.json();
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One server's recon; `kind` (from the rings) says which replication to read; unknown: object's. 5 s per answer, swift-recon's default. */
export async function pollServer(host: string, kind: ServerKind | undefined, timeoutMs = 5_000): Promise<ServerStatus> {
  try {
    const k = kind ?? 'object';
    const [disks, asyncs, quarantined, replication] = await Promise.all([
      getJson(host, 'diskusage', timeoutMs), k === 'object' ? getJson(host, 'async', timeoutMs) : undefined,
      getJson(host, 'quarantined', timeoutMs), getJson(host, `replication/${k}`, timeoutMs),
    ]);
    const rep = (replication ?? {}) as Record<string, unknown>;
    // Swift's object replicator says minutes, the db replicators seconds.
    const time = num(k === 'object' ? rep.object_replication_time : rep.replication_time);
    return {
      host, kind, up: true,
      disks: (Array.isArray(disks) ? disks : []).map((d: Record<string, unknown>) => ({
        device: String(d.device), mounted: d.mounted === true,
        size: num(d.size) ?? undefined, used: num(d.used) ?? undefined, avail: num(d.avail) ?? undefined,
      })),
      asyncPending: asyncs ? num((asyncs as Record<string, unknown>).async_pending) ?? undefined : undefined,
      quarantined: quarantined as ServerStatus['quarantined'],
      replication: {
        last: num(k === 'object' ? rep.object_replication_last : rep.replication_last),
        seconds: time === null ? null : k === 'object' ? time * 60 : time,
        stats: (rep.replication_stats ?? undefined) as Record<string, unknown> | undefined,
      },
    };
  } catch (err) {
    return { host, kind, up: false, error: (err as Error).message, disks: [] };
  }
}
