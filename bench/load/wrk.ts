/**
 * Runs wrk (the neutral load generator, its own process) with the bench's
 * Lua script and returns what it measured plus its own CPU seconds. HEAD
 * goes to head-client.ts instead (wrk 4.1 cannot read HEAD responses). S3
 * jobs (`s3` set): the 4 KiB PUTs and GETs run in wrk with each request's
 * SigV4 signature computed before the run (s3-signed.ts); the multipart
 * ones in s3-client.ts, which signs as it goes (a few hundred requests).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { reapedChildrenCpu } from '../cluster/procs.js';
import { LEAN_WRK_SCRIPT, S3_WRK_SCRIPT, WRK_SCRIPT } from './wrk-script.js';
import { signS3Job } from './s3-signed.js';
import type { S3Credentials } from './sigv4-sign.js';

/** The last two only with `s3` (s3-client.ts); put and pick with `s3` too (wrk, signed ahead). */
export type WrkMode = 'static' | 'put' | 'pick' | 'each' | 'multipart-put' | 'multipart-get';

export interface WrkJob {
  url: string;
  mode: WrkMode;
  method: string;
  path: string;
  connections: number;
  /** Seconds to run; with mode `each` or a limit, an upper bound. */
  seconds: number;
  bodySize?: number;
  counts?: number[];
  /** Stop a thread after this many responses. */
  limit?: number;
  headers?: Record<string, string>;
  threads?: number;
  /** S3 with SigV4 instead of the Swift API: run by s3-client.ts; path is /<bucket>/<key>. */
  s3?: { credentials: S3Credentials; objectSize?: number; partSize?: number; parallel?: number };
}

export interface WrkResult {
  requests: number;
  ok: number;
  bad: number;
  socketErrors: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Requests issued per wrk thread (object names <prefix><thread>-<n>). */
  counts: number[];
  /** CPU seconds wrk itself used. */
  clientCpu: number;
  /** The first few non-2xx answers of each thread: status and the start of the body. */
  badResponses: string[];
}

const HEAD_CLIENT = fileURLToPath(new URL('./head-client.js', import.meta.url));
const S3_CLIENT = fileURLToPath(new URL('./s3-client.js', import.meta.url));

/** The folder holding the scripts (written once per run) and an S3 job's signatures. */
let scriptDir: string | undefined;

function scriptFile(kind: 'bench' | 'lean' | 's3'): string {
  if (!scriptDir) {
    scriptDir = mkdtempSync(join(tmpdir(), 'swiftly-bench-wrk-'));
    writeFileSync(join(scriptDir, 'bench.lua'), WRK_SCRIPT);
    writeFileSync(join(scriptDir, 'lean.lua'), LEAN_WRK_SCRIPT);
    writeFileSync(join(scriptDir, 's3.lua'), S3_WRK_SCRIPT);
  }
  return join(scriptDir, `${kind}.lua`);
}

/** Installs Debian's wrk when it is missing. */
export function ensureWrk(): void {
  if (existsSync('/usr/bin/wrk')) return;
  process.stderr.write('installing wrk (apt-get)…\n');
  const r = spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('apt-get install wrk failed');
}

export async function runWrk(job: WrkJob): Promise<WrkResult> {
  const threads = Math.min(job.threads ?? 2, job.connections);
  const nodeClient = job.s3 ? (job.mode.startsWith('multipart') ? S3_CLIENT : undefined) : job.method === 'HEAD' ? HEAD_CLIENT : undefined;
  // Only GETs can bring big answers; a PUT's answers are kept, so a failed 256 MiB upload says what it was.
  let scriptPath = scriptFile(job.mode === 'static' && !job.limit && job.method === 'GET' ? 'lean' : 'bench');
  let env = process.env;
  let signatures: string | undefined;
  if (job.s3 && !nodeClient) {
    scriptPath = scriptFile('s3');
    const signed = signS3Job(job, threads, scriptDir!);
    signatures = signed.file;
    env = { ...process.env, BENCH_S3_SIGNATURES: signed.file };
    job = { ...job, headers: { ...job.headers, ...signed.headers }, limit: signed.limit ?? job.limit };
  }
  const args = [
    '-t', String(threads), '-c', String(job.connections), '-d', `${job.seconds}s`, '--timeout', '120s',
    '-s', scriptPath, job.url, '--',
    job.mode, job.method, job.path, String(job.bodySize ?? 0), (job.counts ?? [0]).join(','), String(job.limit ?? 0),
    ...Object.entries(job.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  const cpu0 = reapedChildrenCpu();
  const t0 = performance.now();
  const child = nodeClient
    ? spawn(process.execPath, [nodeClient, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('/usr/bin/wrk', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  // wrk ends only at its duration; once every limited thread is done, SIGINT makes it report now.
  const limited = job.mode === 'each' || (job.limit ?? 0) > 0;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (limited && (out.match(/^THREADDONE$/gm)?.length ?? 0) >= threads) child.kill('SIGINT');
  });
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  if (signatures) rmSync(signatures, { force: true });
  const wall = (performance.now() - t0) / 1000;
  const clientCpu = reapedChildrenCpu() - cpu0;
  const line = out.split('\n').find((l) => l.startsWith('BENCHJSON '));
  if (code !== 0 || !line) throw new Error(`wrk failed (${code}): ${out.slice(-2000)}`);
  const r = JSON.parse(line.slice('BENCHJSON '.length)) as {
    requests: number; durationUs: number; ok: number; bad: number; socketErrors: number;
    p50Us: number; p99Us: number; meanUs: number; counts: number[];
  };
  return {
    requests: r.requests, ok: r.ok, bad: r.bad, socketErrors: r.socketErrors,
    seconds: r.durationUs > 0 ? r.durationUs / 1e6 : wall,
    p50Ms: r.p50Us / 1000, p99Ms: r.p99Us / 1000, meanMs: r.meanUs / 1000,
    counts: r.counts, clientCpu,
    badResponses: out.split('\n').filter((l) => l.startsWith('BADRESPONSE ')).map((l) => l.slice('BADRESPONSE '.length).trim()),
  };
}
