/**
 * Proxy memory benchmark (issue 4 point 7): starts an all-swiftly cluster
 * with `swiftly start` in a temp dir (every server its own process), streams
 * a generated 5 GiB object PUT and then GET through the proxy, checks the
 * MD5 both ways, and prints the proxy process's peak RSS (VmHWM). Exits 1
 * when the peak is above the limit.
 *
 *   npm run bench:memory                                  (5 GiB, limit 150 MiB)
 *   npm run bench:memory -- --size 1G --limit 150 --dir /mnt/big
 *   npm run bench:memory -- --segment-size 100M           (the 5 GiB as an SLO of 100 MiB segments)
 *
 * The cluster keeps 3 replicas, so `--dir` needs room for 3 × size.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureProxyMemory } from './measure.js';
import { MIB } from './rss.js';

const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
const GIB = 1024 * MIB;

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(text.trim());
  if (!m) throw new Error(`--size takes a number with K, M or G, got ${text}`);
  return Math.round(Number(m[1]) * ({ '': 1, K: 1024, M: MIB, G: GIB } as Record<string, number>)[m[2].toUpperCase()]);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The `swiftly server proxy` child of the `swiftly start` process. */
function findProxyPid(parent: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const i = argv.indexOf('server');
      if (i >= 0 && argv[i + 1] === 'proxy') return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function startCluster(dir: string, port: number): Promise<{ child: ChildProcess; user: string; key: string; authUrl: string }> {
  const child = spawn(process.execPath, [SWIFTLY, 'start', dir, '--bind', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`swiftly start did not come up in 120 s:\n${out}`)), 120_000);
    child.stdout!.on('data', () => {
      if (out.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`swiftly start exited ${code}:\n${out}`));
    });
  });
  const field = (name: string): string => {
    const m = new RegExp(`^\\s*${name}:\\s+(\\S+)`, 'm').exec(out);
    if (!m) throw new Error(`no ${name} in swiftly start's output:\n${out}`);
    return m[1];
  };
  return { child, authUrl: field('auth URL'), user: field('user'), key: field('key') };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { size: { type: 'string', default: '5G' }, limit: { type: 'string', default: '150' }, dir: { type: 'string', default: tmpdir() }, 'segment-size': { type: 'string' } } });
  const size = parseSize(values.size!);
  const limit = Number(values.limit) * MIB;
  const fs = statfsSync(values.dir!);
  const free = fs.bavail * fs.bsize;
  if (free < 3 * size + GIB) {
    console.error(`${values.dir} has ${(free / GIB).toFixed(1)} GiB free; 3 replicas of ${(size / GIB).toFixed(2)} GiB need more. Pass --dir with room.`);
    return 2;
  }
  const dir = mkdtempSync(join(values.dir!, 'swiftly-bench-memory-'));
  let child: ChildProcess | undefined;
  try {
    const cluster = await startCluster(dir, await freePort());
    child = cluster.child;
    const proxyPid = findProxyPid(child.pid!);
    if (!proxyPid) throw new Error('could not find the proxy process');
    const segmentSize = values['segment-size'] ? parseSize(values['segment-size']) : undefined;
    const as = segmentSize ? ` as a static large object of ${(segmentSize / MIB).toFixed(0)} MiB segments` : '';
    console.log(`proxy pid ${proxyPid}; streaming ${(size / GIB).toFixed(2)} GiB PUT then GET${as} through ${cluster.authUrl}`);
    const r = await measureProxyMemory({ ...cluster, proxyPid, size, segmentSize });
    const mbps = (s: number): string => (size / MIB / s).toFixed(0);
    console.log(`PUT ${r.putSeconds.toFixed(1)} s (${mbps(r.putSeconds)} MiB/s), GET ${r.getSeconds.toFixed(1)} s (${mbps(r.getSeconds)} MiB/s), MD5 verified both ways`);
    console.log(`proxy processes measured: ${r.pids.join(', ')} (the proxy and its workers)`);
    console.log(`proxy RSS (busiest process): baseline ${(r.baseline / MIB).toFixed(1)} MiB, highest sampled ${(r.sampledPeak / MIB).toFixed(1)} MiB, peak (VmHWM) ${(r.peak / MIB).toFixed(1)} MiB (limit ${values.limit} MiB); all proxy processes together: ${(r.totalPeak / MIB).toFixed(1)} MiB`);
    if (r.peak > limit) {
      console.error(`FAIL: proxy peak RSS ${(r.peak / MIB).toFixed(1)} MiB is above ${values.limit} MiB`);
      return 1;
    }
    console.log('OK');
    return 0;
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child!.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
