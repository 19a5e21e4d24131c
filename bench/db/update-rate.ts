/**
 * Container updates per second, on ports the system picks (port 0):
 *
 *   node dist/bench/db/update-rate.js [--mode rows|put] [--concurrency 32]
 *     [--seconds 15] [--containers 1] [--swiftly <dist/cli/bin/swiftly.js>]
 *     [--conf key=value ...]
 *
 * `rows`: one `swiftly server container` process; object rows PUT straight
 * to it (what each object server sends after an object PUT), spread over
 * `--containers` containers. `put`: the bench topology in small (3 storage
 * nodes, each an object, container and account server process, 3 replicas,
 * a proxy process without auth) and 4 KiB object PUTs through the proxy,
 * each one container update on each of 3 container servers.
 *
 * `--swiftly` runs the servers of another build (an older checkout's dist)
 * with this same load, for a before/after comparison; `--conf` adds options
 * to every storage server's `[DEFAULT]` (e.g. `db_synchronous=full`).
 * Prints one JSON line: ops/s, p50/p99 ms, errors by status (or socket
 * error code), and the servers' CPU ms
 * per operation (utime + stime of every server process, from /proc: on a
 * machine shared with other load, steadier than the rate).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { FIXED_SWIFT_CONF, serverConfText, writeRing, type ConfOptions } from '../../cli/cluster/layout.js';
import { freePort } from '../../test/helpers/swift-cluster.js';
import { ProcessGroup, waitForPort } from '../cluster/procs.js';

interface Args {
  mode: 'rows' | 'put';
  concurrency: number;
  seconds: number;
  containers: number;
  swiftly: string;
  conf: ConfOptions;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    mode: 'rows', concurrency: 32, seconds: 15, containers: 1, conf: {},
    swiftly: fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url)),
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    const next = (): string => argv[++i];
    if (v === '--mode') a.mode = next() === 'put' ? 'put' : 'rows';
    else if (v === '--concurrency') a.concurrency = Number(next());
    else if (v === '--seconds') a.seconds = Number(next());
    else if (v === '--containers') a.containers = Number(next());
    else if (v === '--swiftly') a.swiftly = next();
    else if (v === '--conf') {
      const [k, ...rest] = next().split('=');
      a.conf[k] = rest.join('=');
    } else throw new Error(`unknown argument ${v}`);
  }
  return a;
}

const HOST = '127.0.0.1';

/** Runs `concurrency` loops of `op` for `seconds`; latencies of the 2xx answers, and the servers' CPU per operation. */
async function drive(group: ProcessGroup, concurrency: number, seconds: number, op: (i: number) => Promise<number>): Promise<Record<string, unknown>> {
  const cpuBefore = group.usage().cpu;
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let seq = 0;
  const end = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      const t0 = performance.now();
      const status = await op(seq++).catch((err: Error) => (err as { code?: string }).code ?? err.name);
      if (typeof status === 'number' && status >= 200 && status < 300) latencies.push(performance.now() - t0);
      else errors[status] = (errors[status] ?? 0) + 1;
    }
  }));
  const elapsed = (Date.now() - started) / 1000;
  const cpuMsPerOp = Math.round(((group.usage().cpu - cpuBefore) * 1000 / Math.max(1, latencies.length)) * 100) / 100;
  latencies.sort((x, y) => x - y);
  const pct = (p: number): number => Math.round((latencies[Math.floor((latencies.length - 1) * p)] ?? 0) * 10) / 10;
  return { ops: latencies.length, opsPerSecond: Math.round(latencies.length / elapsed), p50: pct(0.5), p99: pct(0.99), errors, cpuMsPerOp };
}

async function request(pool: Pool, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<number> {
  const res = await pool.request({ method: method as 'PUT', path, headers, body });
  await res.body.dump();
  return res.statusCode;
}

function startServer(group: ProcessGroup, args: Args, name: string, kind: string, conf: string): void {
  group.spawn(name, process.execPath, [args.swiftly, 'server', kind, conf]);
}

async function rows(args: Args, dir: string, group: ProcessGroup): Promise<Record<string, unknown>> {
  const port = await freePort();
  mkdirSync(join(dir, 'srv', 'sda'), { recursive: true });
  writeFileSync(join(dir, 'swift.conf'), FIXED_SWIFT_CONF);
  const conf = join(dir, 'container-server.conf');
  writeFileSync(conf, serverConfText({
    defaults: {
      bind_ip: HOST, bind_port: port, workers: 1, devices: join(dir, 'srv'), mount_check: false, swift_dir: dir, log_level: 'WARNING',
      log_requests: false, ...args.conf,
    },
    pipeline: ['container-server'],
  }));
  startServer(group, args, 'container-server', 'container', conf);
  await waitForPort(HOST, port, 30_000);
  const pool = new Pool(`http://${HOST}:${port}`, { connections: args.concurrency });
  try {
    const base = Math.floor(Date.now() / 1000);
    for (let c = 0; c < args.containers; c++) {
      await request(pool, 'PUT', `/sda/1/AUTH_b/c${c}`, { 'X-Timestamp': `${base}.00000` });
    }
    return await drive(group, args.concurrency, args.seconds, (i) => request(pool, 'PUT', `/sda/1/AUTH_b/c${i % args.containers}/o${i}`, {
      'X-Timestamp': `${base + 1}.${String(i).padStart(5, '0').slice(-5)}`, 'X-Size': '4096', 'X-Content-Type': 'application/octet-stream',
      'X-Etag': 'd41d8cd98f00b204e9800998ecf8427e',
    }));
  } finally {
    await pool.close();
  }
}

async function put(args: Args, dir: string, group: ProcessGroup): Promise<Record<string, unknown>> {
  const etc = join(dir, 'etc');
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, 'swift.conf'), FIXED_SWIFT_CONF);
  const kinds = ['object', 'container', 'account'] as const;
  const waits: Promise<void>[] = [];
  for (const kind of kinds) {
    const devices = [];
    for (let n = 1; n <= 3; n++) {
      const port = await freePort();
      const srv = join(dir, 'srv', String(n));
      mkdirSync(join(srv, `sdb${n}`), { recursive: true });
      const conf = join(etc, `${kind}-${n}.conf`);
      writeFileSync(conf, serverConfText({
        defaults: {
          devices: srv, mount_check: false, bind_ip: HOST, bind_port: port, workers: 1, swift_dir: etc, log_level: 'WARNING', ...args.conf,
        },
        pipeline: [`${kind}-server`],
      }));
      startServer(group, args, `${kind}-server-${n}`, kind, conf);
      waits.push(waitForPort(HOST, port, 30_000));
      devices.push({ zone: n, port, device: `sdb${n}`, weight: 1 });
    }
    writeRing(etc, kind, { partPower: 10, minPartHours: 1, devices });
  }
  const proxyPort = await freePort();
  const proxyConf = join(etc, 'proxy-server.conf');
  writeFileSync(proxyConf, serverConfText({
    defaults: { bind_ip: HOST, bind_port: proxyPort, swift_dir: etc, workers: 1, log_level: 'WARNING' },
    pipeline: ['catch_errors', 'gatekeeper', 'proxy-server'],
    app: { account_autocreate: true },
  }));
  startServer(group, args, 'proxy-server', 'proxy', proxyConf);
  await Promise.all([...waits, waitForPort(HOST, proxyPort, 30_000)]);
  const pool = new Pool(`http://${HOST}:${proxyPort}`, { connections: args.concurrency });
  try {
    for (let c = 0; c < args.containers; c++) {
      const status = await request(pool, 'PUT', `/v1/AUTH_b/c${c}`, {});
      if (status !== 201 && status !== 202) throw new Error(`container PUT: ${status}`);
    }
    const body = Buffer.alloc(4096, 'x');
    return await drive(group, args.concurrency, args.seconds, (i) => request(pool, 'PUT', `/v1/AUTH_b/c${i % args.containers}/o${i}`, {
      'Content-Length': '4096',
    }, body));
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-update-rate-'));
  mkdirSync(join(dir, 'log'));
  const group = new ProcessGroup(join(dir, 'log'));
  try {
    const result = args.mode === 'put' ? await put(args, dir, group) : await rows(args, dir, group);
    console.log(JSON.stringify({ mode: args.mode, concurrency: args.concurrency, containers: args.containers, conf: args.conf, ...result }));
  } finally {
    await group.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
