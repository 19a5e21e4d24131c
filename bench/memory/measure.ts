/**
 * One measured round trip: a generated object PUT and then GET through a
 * proxy while that proxy's RSS is sampled, with the MD5 checked both ways.
 */
import { createHash } from 'node:crypto';
import { authenticate, getHashed, putGenerated, type Auth } from './stream-object.js';
import { RssSampler } from './rss.js';

export interface MemoryRun {
  size: number;
  /** The peak RSS of the proxy's busiest process (itself or a worker) over the whole run, in bytes. */
  peak: number;
  /** The highest VmRSS sampled (every 50 ms) during the transfer. */
  sampledPeak: number;
  /** The highest sampled sum of RSS over the proxy and its workers. */
  totalPeak: number;
  /** Processes measured: the proxy and its workers. */
  pids: number[];
  /** RSS before the transfer started. */
  baseline: number;
  putSeconds: number;
  getSeconds: number;
}

/**
 * PUTs the object as a static large object: segments of `segmentSize`
 * (under memory/big-segments/), then the manifest; the MD5 is the whole's.
 */
async function putSegmented(auth: Auth, size: number, segmentSize: number): Promise<{ status: number; etag: string; md5: string }> {
  const whole = createHash('md5');
  const manifest = [];
  for (let i = 0, left = size; left > 0; i++, left -= segmentSize) {
    const path = `memory/big-segments/${String(i).padStart(6, '0')}`;
    const seg = await putGenerated(auth, path, Math.min(segmentSize, left), whole);
    if (seg.status !== 201) return seg;
    manifest.push({ path: `/${path}`, etag: seg.md5, size_bytes: Math.min(segmentSize, left) });
  }
  const res = await fetch(`${auth.storageUrl}/memory/big?multipart-manifest=put`, { method: 'PUT', headers: { 'X-Auth-Token': auth.token }, body: JSON.stringify(manifest) });
  await res.arrayBuffer();
  return { status: res.status, etag: res.headers.get('etag') ?? '', md5: whole.digest('hex') };
}

export async function measureProxyMemory(opts: { authUrl: string; user: string; key: string; proxyPid: number; size: number; segmentSize?: number }): Promise<MemoryRun> {
  const auth = await authenticate(opts.authUrl, opts.user, opts.key);
  const container = await fetch(`${auth.storageUrl}/memory`, { method: 'PUT', headers: { 'X-Auth-Token': auth.token } });
  await container.arrayBuffer();
  if (![201, 202].includes(container.status)) throw new Error(`container PUT answered ${container.status}`);
  const sampler = new RssSampler(opts.proxyPid);
  const baseline = sampler.peakRss;
  try {
    let t = performance.now();
    const put = opts.segmentSize ? await putSegmented(auth, opts.size, opts.segmentSize) : await putGenerated(auth, 'memory/big', opts.size);
    const putSeconds = (performance.now() - t) / 1000;
    if (put.status !== 201) throw new Error(`object PUT answered ${put.status}`);
    // (An SLO's etag is the MD5 of its segments' etags, not of its bytes; the GET checks those.)
    if (!opts.segmentSize && put.etag.replace(/"/g, '') !== put.md5) throw new Error(`PUT ETag ${put.etag} is not the MD5 sent, ${put.md5}`);
    t = performance.now();
    const got = await getHashed(auth, 'memory/big');
    const getSeconds = (performance.now() - t) / 1000;
    if (got.status !== 200) throw new Error(`object GET answered ${got.status}`);
    if (got.length !== opts.size || got.md5 !== put.md5) {
      throw new Error(`GET gave ${got.length} bytes with MD5 ${got.md5}; expected ${opts.size} bytes with ${put.md5}`);
    }
    sampler.stop();
    return { size: opts.size, peak: sampler.peak, sampledPeak: sampler.peakRss, totalPeak: sampler.peakTotal, pids: sampler.pids, baseline, putSeconds, getSeconds };
  } finally {
    sampler.stop();
    const del = await fetch(`${auth.storageUrl}/memory/big${opts.segmentSize ? '?multipart-manifest=delete' : ''}`, { method: 'DELETE', headers: { 'X-Auth-Token': auth.token } }).catch(() => undefined);
    await del?.arrayBuffer();
  }
}
