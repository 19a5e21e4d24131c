/**
 * `npm run bench [-- --compare swift] [--rounds N] [--quick]`: starts
 * swiftly (and with --compare swift a real Swift 2.30) in the standard
 * topology, runs the same wrk load against each in turns (A, B, A, B …),
 * prints per workload throughput, p50/p99, cluster CPU per operation, the
 * load generator's CPU and the swiftly/Swift ratio with its min–max over
 * rounds, and writes bench/results/<date>.json and .svg.
 * `--only <text>` keeps the workloads whose name has it (and the PUTs they
 * need); `--cpu-prof <dir>` profiles swiftly's servers (see profile-top.ts);
 * `--ports <n>` moves the clusters' ports (default 20000; Swift's 1000 above,
 * or from `--swift-ports <n>`; each cluster takes 100).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureEtcSwiftConf } from '../cli/cluster/layout.js';
import { startCluster, type Cluster, type SystemName } from './cluster/cluster.js';
import { ensureWrk } from './load/wrk.js';
import { benchOptions, prepare, workloads, type ClusterState } from './load/workloads.js';
import { formatTable, summarise, type Sample } from './report/stats.js';
import { ratioChart } from './report/svg.js';

interface Args {
  compare: boolean;
  rounds: number;
  quick: boolean;
  only?: string;
  cpuProf?: string;
  /** First port of the clusters' ranges (swiftly's from it, Swift's 1000 above unless `swiftPorts`). */
  ports: number;
  swiftPorts?: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { compare: false, rounds: 3, quick: false, ports: 20_000 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--compare') {
      if (argv[++i] !== 'swift') throw new Error('--compare takes "swift"');
      a.compare = true;
    } else if (v === '--rounds') a.rounds = Math.max(1, Number(argv[++i]));
    else if (v === '--quick') a.quick = true;
    else if (v === '--only') a.only = argv[++i];
    else if (v === '--cpu-prof') a.cpuProf = resolve(argv[++i]);
    else if (v === '--ports') a.ports = Number(argv[++i]);
    else if (v === '--swift-ports') a.swiftPorts = Number(argv[++i]);
    else throw new Error(`unknown argument ${v} (use --compare swift, --rounds N, --quick, --only <text>, --cpu-prof <dir>, --ports <first port>, --swift-ports <first port>)`);
  }
  return a;
}

function aptInstall(pkgs: string[]): void {
  process.stderr.write(`installing ${pkgs.join(' ')} (apt-get)…\n`);
  const r = spawnSync('apt-get', ['install', '-y', ...pkgs], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`apt-get install ${pkgs.join(' ')} failed`);
}

function ensureTools(compare: boolean): void {
  ensureWrk();
  if (!existsSync('/usr/bin/memcached')) aptInstall(['memcached']);
  const swiftBins = ['proxy', 'object', 'container', 'account'].map((k) => `/usr/bin/swift-${k}-server`);
  if (compare && !swiftBins.every(existsSync)) aptInstall(['swift-proxy', 'swift-object', 'swift-container', 'swift-account']);
  if (compare) ensureEtcSwiftConf();
}

const mib = (b: number): string => (b / 2 ** 20).toFixed(0);

/** `object-server-1 52+88, …`: a server's own RSS, then each forked worker's. */
function formatRssByServer(servers: { name: string; own: number; workers: number[] }[]): string {
  return servers.map((s) => `${s.name} ${[s.own, ...s.workers].map(mib).join('+')}`).join(', ');
}

const log = (msg: string): void => void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  ensureTools(args.compare);
  const o = benchOptions(args.quick);
  const all = workloads(o);
  const picked = all.filter((w) => !args.only || w.name.includes(args.only));
  // The PUTs whose objects the picked GETs read come along.
  const needs = (prefix: string) => picked.some((w) => w.name.startsWith(prefix.slice(0, prefix.indexOf('PUT'))));
  const list = all.filter((w) => picked.includes(w) || (w.name.startsWith('4 KiB PUT') && needs('4 KiB PUT')) || (w.name.startsWith('S3 4 KiB PUT') && needs('S3 4 KiB PUT')));
  const systems: SystemName[] = args.compare ? ['swiftly', 'swift'] : ['swiftly'];
  const root = mkdtempSync(join(tmpdir(), 'swiftly-bench-'));
  const clusters: Cluster[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(clusters.map((c) => c.stop()));
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stopAll().finally(() => process.exit(130)));
  const samples = new Map<string, Record<string, Sample[]>>(list.map((w) => [w.name, {}]));
  const memory: Record<string, number> = {};
  const memoryByServer: Record<string, ReturnType<Cluster['group']['rssByName']>> = {};
  const started = new Date();
  const load0 = loadavg();
  let done = false;
  try {
    const states: ClusterState[] = [];
    for (const [i, name] of systems.entries()) {
      log(`starting ${name} cluster`);
      const base = name === 'swift' && args.swiftPorts !== undefined ? args.swiftPorts : args.ports + 1000 * i;
      const c = await startCluster(name, join(root, name), base, name === 'swiftly' ? args.cpuProf : undefined);
      clusters.push(c);
      // The listings' objects and containers only when a listing workload runs (--only PUT profiles PUTs alone).
      const listings = list.some((w) => w.name.includes('listed'));
      log(`preparing ${name}${listings ? `: ${o.listObjects} objects, ${o.listContainers} containers` : ''}`);
      states.push(await prepare(c, o, listings));
    }
    for (let round = 1; round <= args.rounds; round++) {
      for (const state of states) {
        for (const w of list) {
          const dead = state.cluster.group.exited();
          if (dead.length) throw new Error(`${state.cluster.name}: ${dead.join(', ')} exited (logs kept in ${root})`);
          // The cluster not under load should be idle; its CPU meanwhile is recorded to show it was.
          const others = states.filter((x) => x !== state);
          const othersBefore = others.reduce((a, x) => a + x.cluster.group.usage().cpu, 0);
          const s = await w.run(state, round);
          if (others.length) s.otherClusterCpu = +(others.reduce((a, x) => a + x.cluster.group.usage().cpu, 0) - othersBefore).toFixed(2);
          (samples.get(w.name)![state.cluster.name] ??= []).push(s);
          log(`round ${round} ${state.cluster.name} ${w.name}: ${s.rate.toFixed(1)} ${w.unit}, p99 ${s.p99Ms.toFixed(1)} ms${s.errors ? `, ${s.errors} errors` : ''}`);
          if (s.cpuByServer) log(`  CPU s: ${Object.entries(s.cpuByServer).map(([k, v]) => `${k} ${v}`).join(', ')}${s.otherClusterCpu !== undefined ? `; the other cluster ${s.otherClusterCpu}` : ''}`);
          if (s.socketErrors) log(`  ${s.socketErrors} socket errors`);
          for (const b of new Set(s.badResponses ?? [])) log(`  answered: ${b}`);
        }
      }
    }
    for (const c of clusters) {
      memory[c.name] = c.group.usage().rss;
      memoryByServer[c.name] = c.group.rssByName();
    }
    done = true;
  } finally {
    await stopAll();
    // Kept when a run fails, for the servers' logs.
    if (done) rmSync(root, { recursive: true, force: true });
  }
  const rows = list.map((w) => summarise(w.name, w.unit, samples.get(w.name)!, systems[0], systems[1]));
  const title = `swiftly${args.compare ? ' vs Swift 2.30' : ''}, ${args.rounds} round(s)${args.quick ? ', quick' : ''}, ${cpus().length} CPUs, load ${load0.map((l) => l.toFixed(1)).join(' ')} at start`;
  console.log(title);
  console.log(formatTable(rows, systems));
  console.log(
    'Resident memory of each cluster at the end: ' +
      Object.entries(memory).map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(0)} MiB`).join(', ') +
      '. CPU ms/op: the cluster processes\' utime+stime per successful operation; wrk CPU %: the load generator\'s CPU as % of one core.',
  );
  for (const [name, servers] of Object.entries(memoryByServer)) console.log(`${name} resident MiB per server (itself + its workers): ${formatRssByServer(servers)}`);
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const stamp = started.toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  const raw = Object.fromEntries([...samples].map(([k, v]) => [k, v]));
  writeFileSync(join(dir, `${stamp}.json`), JSON.stringify({
    date: started.toISOString(), title, args, options: o, cpus: cpus().length, loadavgAtStart: load0, memoryBytes: memory, memoryBytesByServer: memoryByServer, rows, samples: raw,
  }, null, 2) + '\n');
  if (args.compare) writeFileSync(join(dir, `${stamp}.svg`), ratioChart(rows, `swiftly / Swift 2.30 throughput — ${stamp}`));
  log(`results in ${join(dir, stamp)}.json${args.compare ? ' and .svg' : ''}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed (servers' logs and data are left in ${tmpdir()}/swiftly-bench-*): ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
