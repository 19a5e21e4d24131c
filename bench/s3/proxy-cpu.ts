/**
 * `node dist/bench/s3/proxy-cpu.js [--requests N] [--rounds R] [--concurrency C,C] [--mode get,put] [--port P] [--cpu-prof <dir>]`
 *
 * An A/B of the proxy's CPU per request, S3 (SigV4) against the Swift API.
 * The storage nodes and memcached are the bench's swiftly cluster
 * (bench/cluster, each server its own process); the proxy is this process,
 * started from that cluster's own proxy-server.conf (the bench's pipeline,
 * tempauth over memcached, its log level), so its CPU is read exactly
 * (`process.cpuUsage`, µs) and it can be profiled one batch at a time. The
 * load comes from a child process (this file with `--client`), Node's http
 * with one keep-alive socket per concurrent request, signing each S3 request
 * as it goes (SigV4 in the Authorization header, host, x-amz-date and
 * x-amz-content-sha256 signed, as aws-cli and boto3 send it), so none of the
 * client's CPU is counted.
 *
 * Batches of N requests of one path alternate (Swift API, S3, S3, Swift API,
 * …) R times per concurrency, after one untimed warm-up batch of each, so a
 * change in the machine's load touches both paths alike; the figure is the
 * median over the rounds of the proxy's CPU µs per request. GETs read random
 * 4 KiB objects each path wrote itself (as the bench's GETs do); PUTs write
 * new 4 KiB objects. `--cpu-prof <dir>` writes one V8 CPU profile per path
 * and workload, of its timed batches only (`<mode>-c<C>-<path>.cpuprofile`).
 *
 * On a machine shared with other work this is far steadier than the bench's
 * cluster CPU per request: the two paths are measured within seconds of each
 * other, many times over, and only the proxy is counted (the object servers'
 * work per request is the same for both APIs).
 */
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProxyServer } from '../../proxy/index.js';
import { startCluster } from '../cluster/cluster.js';
import { ADMIN } from '../cluster/layout.js';
import { EMPTY_SHA256, sigv4Encode, v4Signer, type S3Credentials } from '../load/sigv4-sign.js';
import { median } from '../report/stats.js';

type PathName = 'swift' | 's3';
type Mode = 'get' | 'put';

interface Args {
  requests: number;
  rounds: number;
  concurrency: number[];
  modes: Mode[];
  port: number;
  cpuProf?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { requests: 2000, rounds: 6, concurrency: [32, 128], modes: ['get', 'put'], port: 24000 + Math.floor(Math.random() * 50) * 100 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--requests') a.requests = Number(argv[++i]);
    else if (v === '--rounds') a.rounds = Number(argv[++i]);
    else if (v === '--concurrency') a.concurrency = argv[++i].split(',').map(Number);
    else if (v === '--mode') a.modes = argv[++i].split(',') as Mode[];
    else if (v === '--port') a.port = Number(argv[++i]);
    else if (v === '--cpu-prof') a.cpuProf = resolve(argv[++i]);
    else throw new Error(`unknown argument ${v} (use --requests N, --rounds R, --concurrency C,C, --mode get,put, --port P, --cpu-prof <dir>)`);
  }
  return a;
}

// ---- the client (a child process) ----

const CREDENTIALS: S3Credentials = { accessKey: ADMIN.user, secretKey: ADMIN.key, region: 'us-east-1' };
const BODY = Buffer.alloc(4096, 'x');
const BODY_SHA256 = createHash('sha256').update(BODY).digest('hex');
/** Objects each path writes first, for its GETs to read. */
const SEEDS = 200;

interface Batch {
  path: PathName;
  mode: Mode;
  /** Names: `<path>-seed-<i>` read at random for GETs, `<path>-<tag>-<i>` written for PUTs. */
  tag: string;
  requests: number;
  concurrency: number;
  /** Tries per request (seeding retries; timed batches fail at once). */
  tries: number;
}

interface ClientInit {
  port: number;
  token: string;
}

async function runClient(init: ClientInit): Promise<void> {
  const host = '127.0.0.1';
  const hostHeader = `${host}:${init.port}`;
  const agents = new Map<number, Agent>();
  const call = (path: PathName, method: string, name: string) => {
    const body = method === 'PUT' ? BODY : undefined;
    if (path === 'swift') {
      return { method, path: `/v1/${ADMIN.account}/bench/${name}`, headers: { 'x-auth-token': init.token }, body };
    }
    // Signed as it goes, as aws-cli and boto3 sign (the signer keeps the day's key).
    const url = `/bench/${name}`;
    const signer = v4Signer(CREDENTIALS, method, hostHeader, body ? BODY_SHA256 : EMPTY_SHA256);
    return { method, path: url, headers: { host: hostHeader, ...signer.headers, authorization: signer.authorizationPrefix + signer.signature(sigv4Encode(url, true)) }, body };
  };
  const one = (agent: Agent, c: ReturnType<typeof call>) => new Promise<void>((done, fail) => {
    const headers = c.body ? { ...c.headers, 'content-length': String(c.body.length) } : c.headers;
    const req = request({ host, port: init.port, agent, method: c.method, path: c.path, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode! >= 200 && res.statusCode! < 300 ? done() : fail(new Error(`${c.method} ${c.path}: ${res.statusCode}`))));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(c.body);
  });
  const run = async (b: Batch): Promise<void> => {
    let agent = agents.get(b.concurrency);
    if (!agent) agents.set(b.concurrency, (agent = new Agent({ keepAlive: true, maxSockets: b.concurrency })));
    let next = 0;
    const worker = async () => {
      while (next < b.requests) {
        const i = next++;
        const name = b.mode === 'get' ? `${b.path}-seed-${Math.floor(Math.random() * SEEDS)}` : `${b.path}-${b.tag}-${i}`;
        for (let t = 1; ; t++) {
          try {
            await one(agent, call(b.path, b.mode.toUpperCase(), name));
            break;
          } catch (err) {
            if (t >= b.tries) throw err;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: b.concurrency }, worker));
  };
  process.on('message', (b: Batch) => {
    run(b).then(() => process.send!({ ok: true }), (err: Error) => process.send!({ ok: false, error: err.message }));
  });
  process.send!({ ready: true });
}

// ---- the proxy and the A/B (this process) ----

/** memcached's get and set counts (its `stats`), to see how many cache round trips a request costs. */
function memcacheOps(port: number): Promise<number> {
  return new Promise((done, fail) => {
    const sock = connect(port, '127.0.0.1', () => sock.write('stats\r\n'));
    let text = '';
    sock.on('data', (d) => {
      text += d.toString();
      if (!text.includes('END\r\n')) return;
      sock.destroy();
      const stat = (name: string) => Number(new RegExp(`STAT ${name} (\\d+)`).exec(text)?.[1] ?? 0);
      done(stat('cmd_get') + stat('cmd_set') + stat('cmd_touch') + stat('delete_hits') + stat('delete_misses') + stat('incr_hits') + stat('incr_misses'));
    });
    sock.on('error', fail);
  });
}

function sendBatch(client: ChildProcess, b: Batch): Promise<void> {
  return new Promise((done, fail) => {
    client.once('message', (m: { ok: boolean; error?: string }) => (m.ok ? done() : fail(new Error(m.error))));
    client.send(b);
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-s3cpu-'));
  if (args.cpuProf) mkdirSync(args.cpuProf, { recursive: true });
  const cluster = await startCluster('swiftly', dir, args.port);
  let client: ChildProcess | undefined;
  try {
    // The cluster's own proxy stays up, idle: this one, from the same config, is measured.
    const proxy = await startProxyServer(cluster.layout.proxyConf, { port: 0 });
    const url = `http://127.0.0.1:${proxy.port}`;
    const tokRes = await fetch(`${url}/auth/v1.0`, { headers: { 'x-auth-user': ADMIN.user, 'x-auth-key': ADMIN.key } });
    const token = tokRes.headers.get('x-auth-token')!;
    const put = await fetch(`${url}/v1/${ADMIN.account}/bench`, { method: 'PUT', headers: { 'x-auth-token': token } });
    if (put.status >= 300) throw new Error(`container PUT: ${put.status}`);
    client = fork(fileURLToPath(import.meta.url), ['--client', JSON.stringify({ port: proxy.port, token } satisfies ClientInit)], { stdio: 'inherit' });
    await new Promise((r) => client!.once('message', r));
    for (const path of ['swift', 's3'] as const) await sendBatch(client, { path, mode: 'put', tag: 'seed', requests: SEEDS, concurrency: 16, tries: 3 });
    const session = args.cpuProf ? new Session() : undefined;
    session?.connect();
    await session?.post('Profiler.enable');
    console.log(`load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${args.requests} requests per batch, ${args.rounds} rounds`);
    let batchNo = 0;
    for (const mode of args.modes) {
      for (const conc of args.concurrency) {
        const batch = (path: PathName, requests = args.requests): Batch => ({ path, mode, tag: `b${batchNo++}`, requests, concurrency: conc, tries: 1 });
        for (const path of ['swift', 's3'] as const) await sendBatch(client, batch(path, Math.min(500, args.requests)));
        const us: Record<PathName, number[]> = { swift: [], s3: [] };
        const cacheOps: Record<PathName, number> = { swift: 0, s3: 0 };
        const profiles: Record<PathName, unknown[]> = { swift: [], s3: [] };
        for (let r = 0; r < args.rounds; r++) {
          for (const path of r % 2 === 0 ? (['swift', 's3'] as const) : (['s3', 'swift'] as const)) {
            const b = batch(path);
            await session?.post('Profiler.start');
            const ops0 = await memcacheOps(cluster.layout.memcachePort);
            const cpu0 = process.cpuUsage();
            await sendBatch(client, b);
            const cpu = process.cpuUsage(cpu0);
            cacheOps[path] = ((await memcacheOps(cluster.layout.memcachePort)) - ops0) / b.requests;
            if (session) profiles[path].push((await session.post('Profiler.stop')).profile);
            us[path].push((cpu.user + cpu.system) / b.requests);
          }
        }
        const m = { swift: median(us.swift), s3: median(us.s3) };
        const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
        console.log(`${mode.toUpperCase()} c${conc}: proxy CPU µs/request, median (rounds): Swift API ${m.swift.toFixed(0)} (${list(us.swift)}), ` +
          `S3 ${m.s3.toFixed(0)} (${list(us.s3)}); S3 − Swift API ${(m.s3 - m.swift).toFixed(0)} µs, S3 / Swift API ${(m.s3 / m.swift).toFixed(2)}×; memcached ops/request ${cacheOps.swift.toFixed(2)} / ${cacheOps.s3.toFixed(2)}; load ${loadavg()[0].toFixed(1)}`);
        if (args.cpuProf) {
          for (const path of ['swift', 's3'] as const) {
            writeFileSync(join(args.cpuProf, `${mode}-c${conc}-${path}.cpuprofile`), JSON.stringify(mergeProfiles(profiles[path] as Profile[])));
          }
        }
      }
    }
    session?.disconnect();
    await proxy.close();
  } finally {
    client?.kill();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Profile {
  nodes: { id: number; callFrame: unknown; children?: number[]; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Several profiles as one: node ids renumbered, samples concatenated (a profile reader sums by call frame). */
function mergeProfiles(profiles: Profile[]): Profile {
  const out: Profile = { nodes: [], startTime: 0, endTime: 0, samples: [], timeDeltas: [] };
  let offset = 0;
  for (const p of profiles) {
    const max = Math.max(...p.nodes.map((n) => n.id));
    for (const n of p.nodes) out.nodes.push({ ...n, id: n.id + offset, children: n.children?.map((c) => c + offset) });
    out.samples.push(...p.samples.map((s) => s + offset));
    out.timeDeltas.push(...p.timeDeltas);
    out.endTime += p.endTime - p.startTime;
    offset += max;
  }
  return out;
}

const clientAt = process.argv.indexOf('--client');
if (clientAt !== -1) await runClient(JSON.parse(process.argv[clientAt + 1]) as ClientInit);
else await main();
