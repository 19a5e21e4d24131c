/**
 * A trace of the wrong reads the load sees while it runs (MULTIHOST_TRACE=<file>,
 * one JSON line per read): right after the read, what each of the key's
 * primaries and first handoffs holds (version and X-Timestamp, by direct
 * backend HEAD), and the key's last writes (through which proxy, how long
 * before). It tells which node can have answered, and why it had that copy.
 */
import { appendFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { quotePath } from '../../../common/index.js';
import type { RingNode } from '../../../ring/index.js';
import type { MultiHostBed } from './bed.js';
import { VERSION_HEADER, type MixedLoad } from './load.js';
import { objectRing } from './replicas.js';

async function probe(bed: MultiHostBed, node: RingNode, partition: number, path: string): Promise<string> {
  try {
    const res = await request(`http://${node.ip}:${node.port}/${quotePath(node.device)}/${partition}${path}`, {
      method: 'HEAD', headers: { 'x-backend-storage-policy-index': '0' }, dispatcher: bed.dispatcher, signal: AbortSignal.timeout(5000),
    });
    await res.body.dump();
    const ts = res.headers['x-backend-timestamp'] ?? res.headers['x-timestamp'];
    if (res.statusCode === 200) return `${String(res.headers[VERSION_HEADER] ?? '')} ts ${String(ts)}`;
    return `${res.statusCode}${ts ? ` ts ${String(ts)}` : ''}`;
  } catch (err) {
    return `error ${(err as Error).message}`;
  }
}

/** The load's onBadRead for `bed`, appending to `file`; `load()` gives the load (made after this). */
export function badReadTracer(bed: MultiHostBed, file: string, scenario: string, load: () => MixedLoad): NonNullable<import('./load.js').LoadOptions['onBadRead']> {
  const ring = objectRing(bed);
  const hostOf = (ip: string) => bed.hosts.find((h) => h.ip === ip);
  const regionOfProxy = (url: string) => bed.proxyHosts.find((h) => h.proxyUrl === url)?.region;
  return (key, proxy, observed, timestamp) => {
    const at = Date.now();
    const l = load();
    const { partition, nodes } = ring.getNodes(l.account, l.container, key);
    const handoffs = [...ring.moreNodes(partition)].slice(0, 3);
    const path = `/${l.account}/${l.container}/${key}`;
    let ringAgeS: number | undefined;
    try {
      ringAgeS = (at - statSync(join(bed.hosts[0].paths.etc, 'object.ring.gz')).mtimeMs) / 1000;
    } catch { /* none */ }
    void Promise.all([...nodes, ...handoffs].map(async (n, i) => `${i < nodes.length ? 'P' : 'H'} h${hostOf(n.ip)?.n}(r${n.region}) ${await probe(bed, n, partition, path)}`)).then((states) => {
      const writes = l.ledger.history(key).slice(-4).map((w) => `${w.seq} ${w.kind} ${w.outcome} via r${regionOfProxy(w.proxy ?? '')} ${((at - (w.at ?? at)) / 1000).toFixed(1)} s before`);
      appendFileSync(file, `${JSON.stringify({ scenario, at: new Date(at).toISOString(), ringAgeS, key, partition, viaRegion: regionOfProxy(proxy), observed, timestamp, states, writes })}\n`);
    });
  };
}
