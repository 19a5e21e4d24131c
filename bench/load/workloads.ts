/**
 * The workloads, each one wrk run (or a ring rebalance) measured with the
 * cluster's CPU around it. The same list, arguments and order for both
 * systems.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '../cluster/cluster.js';
import { ADMIN, TESTER } from '../cluster/layout.js';
import { OURS, runTool } from '../ring/tools.js';
import type { Sample } from '../report/stats.js';
import { runWrk, type WrkJob, type WrkResult } from './wrk.js';
import { largeObjectWorkloads } from './large-objects.js';
import { s3Workloads } from './s3-workloads.js';

export interface BenchOptions {
  quick: boolean;
  /** Seconds per timed workload. */
  seconds: number;
  listObjects: number;
  listContainers: number;
  ringPower: number;
}

export function benchOptions(quick: boolean): BenchOptions {
  return quick
    ? { quick, seconds: 3, listObjects: 1000, listContainers: 200, ringPower: 16 }
    : { quick, seconds: 15, listObjects: 10_000, listContainers: 1000, ringPower: 20 };
}

/** What a cluster keeps between workloads: tokens and the objects the PUTs made. */
export interface ClusterState {
  cluster: Cluster;
  adminToken: string;
  testerToken: string;
  /** Per concurrency: the path prefix and per-thread counts of the last PUT. */
  puts: Map<number, { prefix: string; counts: number[]; pickable: number[] }>;
}

export interface Workload {
  name: string;
  unit: string;
  run(state: ClusterState, round: number): Promise<Sample>;
}

const MB = 1e6;
const BIG = 256 * 1024 * 1024;

async function token(url: string, who: { user: string; key: string }): Promise<string> {
  const res = await fetch(`${url}/auth/v1.0`, { headers: { 'x-auth-user': who.user, 'x-auth-key': who.key } });
  const t = res.headers.get('x-auth-token');
  if (res.status >= 300 || !t) throw new Error(`auth failed: ${res.status}`);
  return t;
}

async function put(url: string, path: string, tok: string): Promise<void> {
  const res = await fetch(`${url}${path}`, { method: 'PUT', headers: { 'x-auth-token': tok } });
  if (res.status >= 300) throw new Error(`PUT ${path}: ${res.status}`);
}

async function populate(url: string, prefix: string, tok: string, total: number): Promise<void> {
  const r = await runWrk({
    url, mode: 'put', method: 'PUT', path: prefix, connections: 32, seconds: 3600, limit: Math.ceil(total / 2), headers: { 'X-Auth-Token': tok },
  });
  // A stray failure (e.g. Swift's 503 under load) leaves the fixture a hair smaller; many mean it is broken.
  if (r.bad + r.socketErrors > total / 100) throw new Error(`populating ${prefix}: ${r.bad} bad responses, ${r.socketErrors} socket errors`);
}

/** Tokens, containers, and the listing fixtures (not timed). */
export async function prepare(cluster: Cluster, o: BenchOptions, listings = true): Promise<ClusterState> {
  const adminToken = await token(cluster.url, ADMIN);
  const testerToken = await token(cluster.url, TESTER);
  for (const c of ['bench', 'big', 'list']) await put(cluster.url, `/v1/${ADMIN.account}/${c}`, adminToken);
  // The tester's account exists before its containers are made in parallel (no autocreate races).
  await put(cluster.url, `/v1/${TESTER.account}/c0`, testerToken);
  if (listings) {
    await populate(cluster.url, `/v1/${ADMIN.account}/list/o`, adminToken, o.listObjects);
    await populate(cluster.url, `/v1/${TESTER.account}/c`, testerToken, o.listContainers - 1);
  }
  return { cluster, adminToken, testerToken, puts: new Map() };
}

/** Runs one wrk job and measures the cluster's CPU around it. */
export async function measured(state: ClusterState, job: Omit<WrkJob, 'url'>, bytesPerOp = 0): Promise<{ sample: Sample; result: WrkResult }> {
  const before = state.cluster.group.cpuByName();
  const result = await runWrk({ url: state.cluster.url, ...job });
  const used = Object.entries(state.cluster.group.cpuByName()).map(([k, v]) => [k, v - (before[k] ?? 0)] as const);
  // The servers' trees are disjoint, so the cluster's CPU is their sum.
  const clusterCpu = used.reduce((a, [, v]) => a + v, 0);
  const cpuByServer = Object.fromEntries(used.map(([k, v]) => [k, +v.toFixed(2)]));
  const ops = result.ok;
  // One connection moving big bodies: whole transfers per window would move
  // the figure in steps of one transfer (7 or 8 × 256 MiB in 30 s), so the
  // rate is the body size over the mean time of one transfer.
  const rate = bytesPerOp
    ? job.connections === 1 && result.meanMs > 0 ? bytesPerOp / MB / (result.meanMs / 1000) : (ops * bytesPerOp) / MB / result.seconds
    : ops / result.seconds;
  return {
    result,
    sample: { ops, seconds: result.seconds, rate, p50Ms: result.p50Ms, p99Ms: result.p99Ms, clusterCpu, cpuByServer, clientCpu: result.clientCpu, errors: result.bad + result.socketErrors,
      ...(result.bad ? { badResponses: result.badResponses } : {}), ...(result.socketErrors ? { socketErrors: result.socketErrors } : {}) },
  };
}

function smallObjectWorkloads(o: BenchOptions, conc: number): Workload[] {
  const auth = (s: ClusterState): Record<string, string> => ({ 'X-Auth-Token': s.adminToken });
  const last = (s: ClusterState): { prefix: string; counts: number[]; pickable: number[] } => {
    const p = s.puts.get(conc);
    if (!p) throw new Error(`no PUT at c${conc} before`);
    return p;
  };
  return [
    {
      name: `4 KiB PUT c${conc}`, unit: 'op/s',
      run: async (s, round) => {
        const prefix = `/v1/${ADMIN.account}/bench/r${round}c${conc}-`;
        const { sample, result } = await measured(s, { mode: 'put', method: 'PUT', path: prefix, connections: conc, seconds: o.seconds, bodySize: 4096, headers: auth(s) });
        // The last request of each connection may have been cut at the end: GET/HEAD pick below those.
        const cut = Math.ceil(conc / result.counts.length);
        s.puts.set(conc, { prefix, counts: result.counts, pickable: result.counts.map((n) => Math.max(1, n - cut)) });
        return sample;
      },
    },
    {
      name: `4 KiB GET c${conc}`, unit: 'op/s',
      run: async (s) => (await measured(s, { mode: 'pick', method: 'GET', path: last(s).prefix, counts: last(s).pickable, connections: conc, seconds: o.seconds, headers: auth(s) })).sample,
    },
    {
      name: `4 KiB HEAD c${conc}`, unit: 'op/s',
      run: async (s) => (await measured(s, { mode: 'pick', method: 'HEAD', path: last(s).prefix, counts: last(s).pickable, connections: conc, seconds: o.seconds, headers: auth(s) })).sample,
    },
    {
      // Deletes each object the PUT made once; the threads stop when done.
      name: `4 KiB DELETE c${conc}`, unit: 'op/s',
      run: async (s) => (await measured(s, { mode: 'each', method: 'DELETE', path: last(s).prefix, counts: last(s).counts, connections: conc, seconds: 20 * o.seconds, headers: auth(s) })).sample,
    },
  ];
}

export function workloads(o: BenchOptions): Workload[] {
  const list: Workload[] = [
    {
      name: 'token fetch c32', unit: 'op/s',
      run: async (s) => (await measured(s, { mode: 'static', method: 'GET', path: '/auth/v1.0', connections: 32, seconds: o.seconds, headers: { 'X-Auth-User': ADMIN.user, 'X-Auth-Key': ADMIN.key } })).sample,
    },
    ...smallObjectWorkloads(o, 32),
    ...smallObjectWorkloads(o, 128),
    ...s3Workloads(o),
  ];
  if (!o.quick) {
    const path = `/v1/${ADMIN.account}/big/256m`;
    list.push(
      {
        name: '256 MiB PUT c1', unit: 'MB/s',
        run: async (s) => (await measured(s, { mode: 'static', method: 'PUT', path, bodySize: BIG, connections: 1, seconds: 2 * o.seconds, headers: { 'X-Auth-Token': s.adminToken } }, BIG)).sample,
      },
      {
        name: '256 MiB GET c1', unit: 'MB/s',
        run: async (s) => (await measured(s, { mode: 'static', method: 'GET', path, connections: 1, seconds: o.seconds, headers: { 'X-Auth-Token': s.adminToken } }, BIG)).sample,
      },
      ...largeObjectWorkloads(o),
    );
  }
  list.push(
    {
      name: `${o.listObjects} objects listed c4`, unit: 'op/s',
      run: async (s) => (await measured(s, { mode: 'static', method: 'GET', path: `/v1/${ADMIN.account}/list?format=json`, connections: 4, seconds: o.seconds, headers: { 'X-Auth-Token': s.adminToken } })).sample,
    },
    {
      name: `${o.listContainers} containers listed c4`, unit: 'op/s',
      run: async (s) => (await measured(s, { mode: 'static', method: 'GET', path: `/v1/${TESTER.account}?format=json`, connections: 4, seconds: o.seconds, headers: { 'X-Auth-Token': s.testerToken } })).sample,
    },
    {
      name: `ring rebalance pp${o.ringPower}`, unit: 'op/s',
      run: async (s) => {
        const root = mkdtempSync(join(tmpdir(), 'swiftly-bench-ring-'));
        try {
          const bin = s.cluster.name === 'swiftly' ? [process.execPath, OURS] : ['swift-ring-builder'];
          const r = runTool(bin, o.ringPower, root, s.cluster.name);
          const ms = r.rebalance * 1000;
          return { ops: 1, seconds: r.rebalance, rate: 1 / r.rebalance, p50Ms: ms, p99Ms: ms, clusterCpu: r.rebalanceCpu, clientCpu: 0, errors: 0 };
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      },
    },
  );
  return list;
}
