/**
 * Where the ledger's objects are, asked of the storage nodes themselves:
 * a direct backend HEAD on each primary (through the bed's gateway, as a
 * storage node would), and, on disk, what handoff partitions still hold.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { loadSwiftConf, quotePath } from '../../../common/index.js';
import { Ring, type RingNode } from '../../../ring/index.js';
import type { MultiHostBed } from './bed.js';
import { VerdictTally, type Observed } from './ledger.js';
import { VERSION_HEADER, type MixedLoad } from './load.js';

export function objectRing(bed: MultiHostBed): Ring {
  const etc = bed.hosts[0].paths.etc;
  return new Ring(etc, { ringName: 'object', hashPath: loadSwiftConf(etc).hashPath, reloadTime: 0 });
}

/** What one node holds for an object: a version, absent (404), or an error (unreachable, 5xx). */
export async function nodeState(bed: MultiHostBed, node: Pick<RingNode, 'ip' | 'port' | 'device'>, partition: number, path: string): Promise<Observed | 'error'> {
  try {
    const res = await request(`http://${node.ip}:${node.port}/${quotePath(node.device)}/${partition}${path}`, {
      method: 'HEAD', headers: { 'x-backend-storage-policy-index': '0' }, dispatcher: bed.dispatcher, signal: AbortSignal.timeout(5000),
    });
    await res.body.dump();
    if (res.statusCode === 200) return String(res.headers[VERSION_HEADER] ?? '');
    if (res.statusCode === 404) return null;
    return 'error';
  } catch {
    return 'error';
  }
}

export interface ReplicaReport {
  keys: number;
  /** Keys whose every primary holds the same state, and that state the ledger allows. */
  healthy: number;
  /** Verdicts of each primary's state. */
  verdicts: VerdictTally;
  examples: string[];
}

/** Asks every primary of every ledger key what it holds. */
export async function checkPrimaries(bed: MultiHostBed, load: MixedLoad, ring = objectRing(bed)): Promise<ReplicaReport> {
  const verdicts = new VerdictTally();
  const examples: string[] = [];
  let healthy = 0;
  const keys = load.ledger.keys();
  for (let i = 0; i < keys.length; i += 16) {
    await Promise.all(keys.slice(i, i + 16).map(async (key) => {
      const path = `/${load.account}/${load.container}/${key}`;
      const { partition, nodes } = ring.getNodes(load.account, load.container, key);
      const states = await Promise.all(nodes.map((n) => nodeState(bed, n, partition, path)));
      let ok = true;
      states.forEach((s, j) => {
        if (s === 'error') {
          ok = false;
          return;
        }
        const v = load.ledger.verdict(key, s);
        verdicts.add(v, `${key} on ${nodes[j].ip}/${nodes[j].device}: ${s ?? '404'}, allowed ${[...load.ledger.allowed(key)].map((a) => a ?? '404').join('|')}`);
        if (v !== 'ok') ok = false;
      });
      if (ok && new Set(states).size === 1) healthy++;
      else if (examples.length < 5) examples.push(`${key}: ${states.map((s, j) => `${nodes[j].device}=${s ?? '404'}`).join(' ')}`);
    }));
  }
  return { keys: keys.length, healthy, verdicts, examples };
}

/** Reads every ledger key through each proxy and judges what it reads. */
export async function checkThroughProxies(load: MixedLoad, proxies: string[]): Promise<VerdictTally> {
  const tally = new VerdictTally();
  const keys = load.ledger.keys();
  // Four at a time and 30 s each: the checks judge answers, not speed (a loaded machine answered in 43 s).
  for (const proxy of proxies) {
    for (let i = 0; i < keys.length; i += 4) {
      await Promise.all(keys.slice(i, i + 4).map(async (key) => {
        let res: { status: number; version: string | null } = { status: 0, version: null };
        for (let attempt = 0; attempt < 5 && res.status !== 200 && res.status !== 404; attempt++) {
          res = await load.send(proxy, 'GET', load.objectPath(key), {}, undefined, 30_000).catch(() => ({ status: 0, version: null }));
        }
        if (res.status !== 200 && res.status !== 404) throw new Error(`GET ${key} via ${proxy}: ${res.status || 'no answer'} five times`);
        const seen = res.status === 200 ? res.version : null;
        tally.add(load.ledger.verdict(key, seen), `GET ${key} via ${proxy}: ${seen ?? '404'}`);
      }));
    }
  }
  return tally;
}

/** Whether `dir` holds a .data/.ts/.meta file at any depth (lock and temp entries, which come and go, skipped). */
function hasObjectFiles(dir: string): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // removed meanwhile (replicated away)
    throw err;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory() ? hasObjectFiles(join(dir, e.name)) : /\.(data|ts|meta)$/.test(e.name)) return true;
  }
  return false;
}

/** `<host>/<device>/objects/<partition>` dirs holding objects on a device that is not one of the partition's primaries. */
export function handoffLeftovers(bed: MultiHostBed, ring = objectRing(bed)): string[] {
  const out: string[] = [];
  for (const h of bed.hosts) {
    const objects = join(h.paths.devices, h.paths.device, 'objects');
    if (!existsSync(objects)) continue;
    for (const part of readdirSync(objects)) {
      if (!/^\d+$/.test(part)) continue;
      const primary = ring.getPartNodes(Number(part)).some((n) => n.ip === h.ip && n.device === h.paths.device);
      if (!primary && hasObjectFiles(join(objects, part))) out.push(`h${h.n}/${h.paths.device}/objects/${part}`);
    }
  }
  return out;
}

/** Polls until every key is healthy on all its primaries and no handoff holds objects; resolves with the time it took (ms). */
export async function waitForReplicaHealth(bed: MultiHostBed, load: MixedLoad, timeoutMs: number): Promise<{ ms: number; report: ReplicaReport; leftovers: string[] }> {
  const started = Date.now();
  const ring = objectRing(bed);
  for (;;) {
    const report = await checkPrimaries(bed, load, ring);
    const leftovers = handoffLeftovers(bed, ring);
    if (report.healthy === report.keys && leftovers.length === 0) return { ms: Date.now() - started, report, leftovers };
    if (Date.now() - started > timeoutMs) return { ms: -1, report, leftovers };
    await new Promise((r) => setTimeout(r, 1000));
  }
}
