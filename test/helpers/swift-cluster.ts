/**
 * The one way to start a test cluster: 3 nodes × (account, container,
 * object) storage servers on 127.0.0.1 in a temp dir, each its own child
 * process so a test can stop, kill or freeze (SIGSTOP) any of them. The
 * storage servers are Debian's real Swift ones (`swift-<kind>-server`) or
 * swiftly's (`swiftly server <kind>`), chosen per kind, from the same
 * Swift-style config files, over rings written by our RingBuilder in Swift's
 * `.ring.gz` format. swiftly's storage servers may instead run in this
 * process (`inProcess`: ~0.7 CPU-s less per server start, the modules being
 * loaded already) for a test that only talks to them over HTTP. In front:
 * our proxy in this process (`startProxy`), our
 * proxy as a child process (`startProxyProcess`, to measure it alone), or
 * Debian's `swift-proxy-server` (`startSwiftProxy`).
 *
 * Swift's servers read the hash path secrets only from
 * /etc/swift/swift.conf, so that file is (re)written with the shared test
 * values when it differs. Every process started here is killed in `stop()`,
 * when a start fails, and when this process exits or is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { request as httpRequest } from 'node:http';
import { startProxyServer, type ProxyServer } from '../../proxy/index.js';
import { hashPath, loadSwiftConf, parseIni, quotePath, silentLogger, Timestamp } from '../../common/index.js';
import { Ring, type RingLookup } from '../../ring/index.js';
import { ensureEtcSwiftConf, FIXED_SWIFT_CONF, serverConfText, writeRing, type ConfOptions } from '../../cli/cluster/layout.js';
import { readStorageConf, startStorageServer, type ListeningServer } from '../../storage/index.js';
import { createLogger } from '../../common/index.js';
import { startMemcache } from './memcache-server.js';

export const SWIFTLY_BIN = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));

const handedOut = new Set<number>();

/** A port free now and not handed out before by this process (the OS may offer one twice). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

// Whatever happens to a test, the processes it started don't outlive it.
const LIVE = new Set<ChildProcess>();
function killAll(): void {
  for (const p of LIVE) {
    p.kill('SIGCONT');
    p.kill('SIGKILL');
  }
}
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(1);
  });
}

/** Starts a child process with its output in `logFile`, tracked so it is always killed. */
export function spawnTracked(cmd: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const proc = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  LIVE.add(proc);
  proc.once('exit', () => LIVE.delete(proc));
  return proc;
}

/** Kills a child (SIGKILL by default) and waits for it to be gone. */
export async function killProcess(proc: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGCONT'); // a frozen process can't act on SIGTERM
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Resolves once 127.0.0.1:port accepts a connection; fails early if the process exits. */
export async function waitForPort(port: number, proc: ChildProcess, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${what} on port ${port} exited (${proc.exitCode ?? proc.signalCode})`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve(true);
      });
      sock.setTimeout(2000, () => sock.destroy());
      sock.on('error', () => resolve(false));
      sock.on('close', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} on port ${port} did not start within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

export type Kind = 'account' | 'container' | 'object';
export const KINDS: readonly Kind[] = ['account', 'container', 'object'];
/** Whose storage servers: Debian's Python Swift, or swiftly's. */
export type Backend = 'swift' | 'swiftly';

export interface StorageNode {
  kind: Kind;
  backend: Backend;
  index: number;
  port: number;
  conf: string;
  proc?: ChildProcess;
  /** The server when it runs in this process (`inProcess`). */
  server?: ListeningServer;
}

export interface ClusterOptions {
  /** Storage servers of every kind (default `swift`). */
  backend?: Backend;
  /** Per-kind override of `backend`. */
  backends?: Partial<Record<Kind, Backend>>;
  /**
   * swiftly's storage servers in this process, not a child process each: for a
   * test that only talks to them over HTTP (nothing to kill or freeze; `node.proc`
   * stays unset). Debian's servers are child processes whatever this says.
   */
  inProcess?: boolean;
  /**
   * Nodes of each kind (default 3); the rings keep min(3, nodes) replicas.
   * One node (3 servers, not 9: each costs ~0.85 s CPU to start) is enough
   * for a test of a middleware rather than of replication.
   */
  nodes?: number;
  partPower?: number;
  /** Per server; Debian's Python servers take 20-30 s to start on a loaded machine. */
  startTimeoutMs?: number;
  /** Where the temp dir goes (default the OS temp dir). */
  parentDir?: string;
  /** Extra files for the cluster's swift_dir, by name, written before any server starts (container-sync-realms.conf). */
  swiftDirFiles?: Record<string, string>;
  /** Extra `[app:<kind>-server]` options of each storage server (metrics ports, statsd, workers). */
  storageApp?: (kind: Kind, index: number) => ConfOptions;
}

/** The tempauth users every proxy of a test cluster knows. */
const TEMPAUTH: ConfOptions = {
  user_admin_admin: 'admin .admin .reseller_admin',
  user_test_tester: 'testing .admin',
  user_test_tester2: 'testing2',
  user_test2_tester2: 'testing2 .admin',
  token_life: 3600,
};

const DEFAULT_PIPELINE = 'catch_errors gatekeeper healthcheck proxy_logging cache listing_formats bulk tempurl formpost tempauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-server';

export class SwiftCluster {
  readonly dir: string;
  readonly swiftDir: string;
  readonly logDir: string;
  readonly nodes: StorageNode[] = [];
  readonly startTimeoutMs: number;
  readonly inProcess: boolean;
  /** Replicas of each ring: min(3, nodes). */
  replicas = 3;
  /** The first tempauth user with its key; `authUrl` is set once a proxy runs. */
  readonly user = 'test:tester';
  readonly key = 'testing';
  authUrl = '';
  private readonly proxies: ProxyServer[] = [];
  private readonly others: ChildProcess[] = [];
  private readonly closers: (() => Promise<void>)[] = [];

  private constructor(dir: string, startTimeoutMs: number, inProcess: boolean) {
    this.dir = dir;
    this.inProcess = inProcess;
    this.swiftDir = join(dir, 'etc');
    this.logDir = join(dir, 'log');
    this.startTimeoutMs = startTimeoutMs;
  }

  /** The devices dir of each object node (for looking at what landed on disk). */
  get objectDevices(): string[] {
    return this.nodes.filter((n) => n.kind === 'object').map((n) => join(this.dir, `node${n.index}`));
  }

  /** Writes configs and rings, starts 3 nodes × (account, container, object); on failure kills what started. */
  static async start(options: ClusterOptions = {}): Promise<SwiftCluster> {
    ensureEtcSwiftConf();
    const c = new SwiftCluster(mkdtempSync(join(options.parentDir ?? tmpdir(), 'swiftly-cluster-')), options.startTimeoutMs ?? 90_000, options.inProcess ?? false);
    try {
      await c.layOut(options);
      await Promise.all(c.nodes.map((node) => c.startNode(node)));
    } catch (err) {
      const logs = c.tailLogs();
      await c.stop();
      throw new Error(`test cluster did not start: ${(err as Error).message}\n${logs}`);
    }
    return c;
  }

  private async layOut(options: ClusterOptions): Promise<void> {
    const n = options.nodes ?? 3;
    this.replicas = Math.min(3, n);
    mkdirSync(this.swiftDir, { recursive: true });
    mkdirSync(this.logDir, { recursive: true });
    writeFileSync(join(this.swiftDir, 'swift.conf'), FIXED_SWIFT_CONF);
    for (const [name, text] of Object.entries(options.swiftDirFiles ?? {})) writeFileSync(join(this.swiftDir, name), text);
    for (const kind of KINDS) {
      const backend = options.backends?.[kind] ?? options.backend ?? 'swift';
      const ringDevices = [];
      for (let i = 0; i < n; i++) {
        const port = await freePort();
        const devices = join(this.dir, `node${i}`);
        mkdirSync(join(devices, 'sdb1'), { recursive: true });
        const conf = join(this.swiftDir, `${kind}-server-${i}.conf`);
        writeFileSync(conf, storageConf(kind, port, devices, this.swiftDir, options.storageApp?.(kind, i)));
        ringDevices.push({ zone: i + 1, port, device: 'sdb1', weight: 100 });
        this.nodes.push({ kind, backend, index: i, port, conf });
      }
      writeRing(this.swiftDir, kind, { partPower: options.partPower ?? 6, replicas: this.replicas, devices: ringDevices });
    }
  }

  node(kind: Kind, index: number): StorageNode {
    return this.nodes.find((x) => x.kind === kind && x.index === index)!;
  }

  async startNode(node: StorageNode): Promise<void> {
    const log = join(this.logDir, `${node.kind}-${node.index}.log`);
    if (this.inProcess && node.backend === 'swiftly') {
      const conf = readStorageConf(node.kind, node.conf);
      node.server = await startStorageServer(node.kind, conf, { logger: createLogger({ name: `${node.kind}-server`, level: conf.log_level, destination: log }) });
      return;
    }
    node.proc = node.backend === 'swift'
      ? spawnTracked(`swift-${node.kind}-server`, [node.conf], log)
      : spawnTracked(process.execPath, [SWIFTLY_BIN, 'server', node.kind, node.conf], log);
    await waitForPort(node.port, node.proc, `${node.backend} ${node.kind} server`, this.startTimeoutMs);
  }

  /** Stops a node (SIGTERM by default, SIGKILL to simulate a crash). */
  async stopNode(node: StorageNode, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await killProcess(node.proc, signal);
    node.proc = undefined;
    await node.server?.close();
    node.server = undefined;
  }

  /** The cluster's ring of `kind` (`object` for policy 0). */
  ring(kind: Kind): RingLookup {
    return new Ring(this.swiftDir, { ringName: kind, hashPath: loadSwiftConf(this.swiftDir).hashPath, reloadTime: 0 });
  }

  /**
   * Creates `account` (if it isn't) and POSTs `headers` to it straight on
   * every account server, as an operator's direct client does: the way to
   * set `X-Account-Sysmeta-*`, which the gatekeeper keeps clients from.
   */
  async postAccountDirect(account: string, headers: Record<string, string>): Promise<void> {
    const { partition, nodes } = this.ring('account').getNodes(account);
    const created = Timestamp.now().normal;
    const posted = Timestamp.now().normal;
    for (const node of nodes) {
      const url = `http://${node.ip}:${node.port}${quotePath(`/${node.device}/${partition}/${account}`)}`;
      for (const [method, timestamp, extra, ok] of [['PUT', created, {}, [201, 202]], ['POST', posted, headers, [204]]] as const) {
        const res = await fetch(url, { method, headers: { 'x-timestamp': timestamp, ...extra } });
        await res.arrayBuffer();
        if (!(ok as readonly number[]).includes(res.status)) throw new Error(`direct ${method} of account ${account} on ${node.port}: ${res.status}`);
      }
    }
  }

  /**
   * Puts rows for `names` (empty objects) straight into every replica of
   * the container DB of `account`/`container` (which must exist) with one
   * `REPLICATE merge_items` each, as a container replicator would: a
   * listing of thousands of names without thousands of object PUTs (1,100
   * PUTs through the proxy cost ~26 CPU-s of a loaded 2-core machine). The
   * objects themselves are not on the object servers.
   */
  async putListingDirect(account: string, container: string, names: string[]): Promise<void> {
    const { partition, nodes } = this.ring('container').getNodes(account, container);
    const hash = hashPath(loadSwiftConf(this.swiftDir).hashPath, account, container);
    const created = Timestamp.now().internal;
    const rows = names.map((name) => ({
      name, created_at: created, size: 0, content_type: 'text/plain', etag: 'd41d8cd98f00b204e9800998ecf8427e', deleted: 0, storage_policy_index: 0,
    }));
    const body = JSON.stringify(['merge_items', rows, 'test-listing']);
    await Promise.all(nodes.map((node) => new Promise<void>((resolve, reject) => {
      // REPLICATE opens its own connection (the storage servers' method shim reads a connection's first request line).
      const req = httpRequest({
        host: node.ip, port: node.port, method: 'REPLICATE', agent: false, path: quotePath(`/${node.device}/${partition}/${hash}`),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        res.resume();
        res.once('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`REPLICATE merge_items on ${node.port}: ${res.statusCode}`))));
      });
      req.once('error', reject);
      req.end(body);
    })));
  }

  /** Writes a proxy-server.conf for our proxy over this cluster and returns its path. */
  writeProxyConf(extra = '', pipeline = DEFAULT_PIPELINE, port = 0, filters: Record<string, ConfOptions> = {}, defaults: ConfOptions = {}): string {
    const path = join(this.swiftDir, 'proxy-server.conf');
    const extraOptions = parseIni(`[app]\n${extra}`).sections.get('app');
    writeFileSync(path, serverConfText({
      defaults: { bind_ip: '127.0.0.1', bind_port: port, workers: 0, log_level: 'error', ...defaults },
      pipeline: pipeline.split(/\s+/),
      app: {
        swift_dir: this.swiftDir, account_autocreate: true, conn_timeout: 0.5, node_timeout: 10,
        ...extraOptions,
      },
      filters: { ...filters, tempauth: { ...TEMPAUTH, ...filters.tempauth } },
    }));
    return path;
  }

  /**
   * Our proxy in this process over the cluster (`extra` lines go to
   * `[app:proxy-server]`), on `port` (any free one by default); closed by `stop()`.
   */
  async startProxy(extra = '', pipeline = DEFAULT_PIPELINE, filters: Record<string, ConfOptions> = {}, port = 0, defaults: ConfOptions = {}): Promise<ProxyServer> {
    const proxy = await startProxyServer(this.writeProxyConf(extra, pipeline, port, filters, defaults), { logger: silentLogger, port });
    this.proxies.push(proxy);
    this.authUrl = `http://127.0.0.1:${proxy.port}/auth/v1.0`;
    return proxy;
  }

  /** A tempauth token from the running proxy (the cluster's first user unless given). */
  async token(user = this.user, key = this.key): Promise<string> {
    const res = await fetch(this.authUrl, { headers: { 'x-auth-user': user, 'x-auth-key': key } });
    const token = res.headers.get('x-auth-token');
    if (res.status !== 200 || !token) throw new Error(`no token for ${user}: ${res.status}`);
    return token;
  }

  /** Our proxy as its own process (`swiftly server proxy`), so its memory can be measured alone. */
  async startProxyProcess(extra = '', pipeline = DEFAULT_PIPELINE, filters: Record<string, ConfOptions> = {}): Promise<{ port: number; proc: ChildProcess }> {
    const port = await freePort();
    const conf = this.writeProxyConf(extra, pipeline, port, filters);
    const proc = spawnTracked(process.execPath, [SWIFTLY_BIN, 'server', 'proxy', conf], join(this.logDir, 'proxy.log'));
    this.others.push(proc);
    await waitForPort(port, proc, 'swiftly proxy', this.startTimeoutMs);
    this.authUrl = `http://127.0.0.1:${port}/auth/v1.0`;
    return { port, proc };
  }

  /**
   * Debian's swift-proxy-server over the cluster (tempauth tokens in a small
   * in-process memcached), with `pipeline` (Swift's section names) and
   * `filters` (options by section name) if given.
   */
  async startSwiftProxy(pipeline = 'catch_errors gatekeeper healthcheck proxy-logging cache tempauth copy dlo slo proxy-logging proxy-server', filters: Record<string, ConfOptions> = {}): Promise<string> {
    const memcache = await startMemcache();
    this.closers.push(() => memcache.close());
    const port = await freePort();
    const conf = join(this.swiftDir, 'swift-proxy-server.conf');
    writeFileSync(conf, serverConfText({
      defaults: { bind_ip: '127.0.0.1', bind_port: port, swift_dir: this.swiftDir, workers: 0, log_level: 'WARNING', log_address: '/nonexistent' },
      pipeline: pipeline.split(' '),
      app: { account_autocreate: true },
      filters: { ...filters, tempauth: TEMPAUTH, cache: { memcache_servers: `127.0.0.1:${memcache.port}` } },
    }));
    const proc = spawnTracked('swift-proxy-server', [conf], join(this.logDir, 'swift-proxy.log'));
    this.others.push(proc);
    try {
      await waitForPort(port, proc, 'swift-proxy-server', this.startTimeoutMs);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.tailLogs()}`);
    }
    this.authUrl = `http://127.0.0.1:${port}/auth/v1.0`;
    return `http://127.0.0.1:${port}`;
  }

  /** The end of every log, for a failure message. */
  tailLogs(lines = 15): string {
    if (!existsSync(this.logDir)) return '';
    return readdirSync(this.logDir).map((f) => {
      const text = readFileSync(join(this.logDir, f), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      return text ? `--- ${f}\n${text}` : '';
    }).filter(Boolean).join('\n');
  }

  /** Kills everything started here and removes the temp dir; safe to call after a failed start, and twice. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.proxies.splice(0).map((p) => p.close()));
    await Promise.all([
      ...this.others.splice(0).map((p) => killProcess(p)),
      ...this.nodes.map((n) => this.stopNode(n, 'SIGKILL')),
    ]);
    await Promise.allSettled(this.closers.splice(0).map((f) => f()));
    if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A storage server's config: Swift's file, read the same way by Swift's servers and ours. */
function storageConf(kind: Kind, port: number, devices: string, swiftDir: string, app: ConfOptions = {}): string {
  return serverConfText({
    defaults: {
      bind_ip: '127.0.0.1', bind_port: port, devices, mount_check: false, disable_fallocate: true, workers: 0, swift_dir: swiftDir,
      user: 'root', log_level: 'WARNING', log_udp_host: '127.0.0.1', log_udp_port: 9,
    },
    pipeline: ['healthcheck', `${kind}-server`],
    app: { ...(kind === 'object' ? { container_update_timeout: 1 } : {}), ...app },
  });
}
