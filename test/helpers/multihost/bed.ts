/**
 * The multi-host test bed: N hosts as network namespaces, each running its
 * own storage servers (`swiftly server object|container|account`) and
 * consistency daemons (`swiftly daemons …`) from its own config folder,
 * proxies (`swiftly server proxy`) on some of them, joined by two bridges
 * in a namespace of their own (network.ts). One call each: start, stop or
 * kill -9 a host's processes, cut a host off, slow it, heal,
 * run a command in it, write a ring to every host, tear everything down.
 * (The delay is a userspace relay in the host's namespace, delay.ts: this
 * kernel has no netem.)
 *
 * The test process stays in the machine's own namespace and reaches the
 * bed through a gateway in the client namespace (`bed.dispatcher`, an
 * undici dispatcher: `request('http://10.231.0.11:8080/…', { dispatcher })`).
 *
 *   const bed = await MultiHostBed.create({ hosts: 6, regions: 2, proxies: [1, 4] });
 *   try { … bed.cut(2) … bed.heal() … } finally { await bed.teardown(); }
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { ConfOptions, ServerKind } from '../../../cli/cluster/layout.js';
import { loadBuilder, saveBuilder, type RingBuilder } from '../../../ring/index.js';
import {
  addNamespace, addReplicationCounters, CLIENT_IP, cutOff, hostIpA, hostIpB, listeningPorts, makeBridges, NET_A, NET_B,
  nsExec, plug, readCounter, reconnect, removeNamespace, runPrefix, sweepStaleNamespaces, namespacePids,
} from './network.js';
import { Delay } from './delay.js';
import {
  bedSwiftConf, buildRings, hostPaths, KINDS, PROXY_PORT, STORAGE_PORTS, writeHostFiles, writeRingToHost,
  type BedHostSpec, type DaemonTuning, type HostPaths,
} from './host-config.js';
import { gatewayAgent } from './gateway.js';

const SWIFTLY_BIN = fileURLToPath(new URL('../../../cli/bin/swiftly.js', import.meta.url));
const GATEWAY_WORKER = fileURLToPath(new URL('./gateway-worker.js', import.meta.url));
const HOST_WORKER = fileURLToPath(new URL('./host-worker.js', import.meta.url));

export interface BedOptions {
  /** How many hosts (default 6). */
  hosts?: number;
  /**
   * Spare hosts after those (default 0): set up and running like the others,
   * in the last region, but with no device in the rings: hosts an operator
   * adds to the ring later (e.g. host 7 of a six-host bed).
   */
  spares?: number;
  /** Regions, hosts split evenly in order (default 2: hosts 1–3 region 1, 4–6 region 2). */
  regions?: number;
  /** Hosts running a proxy (default: the first host of each region). */
  proxies?: number[];
  partPower?: number;
  replicas?: number;
  daemons?: Partial<DaemonTuning>;
  /** `[app:proxy-server]` options for every proxy, over the bed's. */
  proxyApp?: ConfOptions;
  /** `[filter:tempauth]` of every proxy (its users), which puts tempauth in their pipeline; default: no auth. */
  proxyTempauth?: ConfOptions | null;
  /** Start the hosts' daemons with their servers (default true). */
  startDaemons?: boolean;
  /**
   * `per-server` (default): each storage server its own `swiftly server <kind>`
   * process, as on a real host. `per-host`: a host's three in one process
   * (host-worker.ts), a third of the start-up cost, for short tests.
   */
  servers?: 'per-server' | 'per-host';
  /** How long a host's servers may take to listen (ms, default 180 s; a loaded machine may need more). */
  startTimeoutMs?: number;
  /** Leave the bed's folder (confs, logs) after teardown (also: MULTIHOST_KEEP=1). */
  keepFiles?: boolean;
}

export interface BedHost extends BedHostSpec {
  ns: string;
  /** Net A (storage, proxies, clients). */
  ip: string;
  /** Net B (replication). */
  replicationIp: string;
  paths: HostPaths;
  /** The proxy's URL when the host runs one. */
  proxyUrl?: string;
  /** Whether the bed's first rings hold its device (false for spares). */
  inFirstRing: boolean;
}

type ProcName = ServerKind | 'servers' | 'daemons' | 'proxy';

const LIVE_BEDS = new Set<MultiHostBed>();
function emergencyCleanup(): void {
  for (const bed of LIVE_BEDS) bed.teardownSync();
}
process.once('exit', emergencyCleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    emergencyCleanup();
    process.exit(130);
  });
}

export class MultiHostBed {
  readonly prefix = runPrefix();
  readonly bridgeNs = `${this.prefix}-br`;
  readonly clientNs = `${this.prefix}-cl`;
  readonly hosts: BedHost[] = [];
  /** Talks HTTP to any address of the bed, from the client namespace. */
  dispatcher!: Dispatcher;
  private gateway?: ChildProcess;
  private readonly procs = new Map<string, ChildProcess>();
  private readonly delays = new Map<number, Delay>();
  private readonly namespaces: string[] = [];
  private torn = false;

  private constructor(readonly root: string, readonly options: Required<Omit<BedOptions, 'daemons'>> & { daemons: DaemonTuning }) {}

  /** Makes the namespaces, writes every host's files and rings, starts every server (and the daemons unless told not to). */
  static async create(options: BedOptions = {}): Promise<MultiHostBed> {
    await sweepStale();
    const hosts = options.hosts ?? 6;
    const regions = options.regions ?? 2;
    const perRegion = Math.ceil(hosts / regions);
    const regionOf = (n: number): number => Math.min(Math.floor((n - 1) / perRegion) + 1, regions);
    const proxies = options.proxies ?? Array.from({ length: regions }, (_, r) => r * perRegion + 1);
    const full = {
      hosts, regions, proxies, spares: options.spares ?? 0,
      partPower: options.partPower ?? 6,
      replicas: options.replicas ?? 3,
      daemons: { replicatorInterval: 5, updaterInterval: 5, ...options.daemons },
      proxyApp: options.proxyApp ?? {},
      proxyTempauth: options.proxyTempauth ?? null,
      startDaemons: options.startDaemons ?? true,
      servers: options.servers ?? 'per-server',
      startTimeoutMs: options.startTimeoutMs ?? 180_000,
      keepFiles: options.keepFiles ?? process.env.MULTIHOST_KEEP === '1',
    };
    const root = mkdtempSync(join(tmpdir(), `${runPrefix()}-`));
    const bed = new MultiHostBed(root, full);
    LIVE_BEDS.add(bed);
    try {
      await bed.build(regionOf);
      await Promise.all(bed.hosts.map((h) => bed.startHost(h.n, { daemons: full.startDaemons })));
    } catch (err) {
      await bed.teardown();
      throw err;
    }
    return bed;
  }

  private async build(regionOf: (n: number) => number): Promise<void> {
    const o = this.options;
    await makeBridges(this.bridgeNs);
    this.namespaces.push(this.bridgeNs);
    await addNamespace(this.clientNs);
    this.namespaces.push(this.clientNs);
    await plug(this.clientNs, 'eth-a', `${CLIENT_IP}/24`, this.bridgeNs, 'bra', 'cla');
    const secret = (): string => randomBytes(8).toString('hex');
    const swiftConf = bedSwiftConf(secret(), secret());
    for (let n = 1; n <= o.hosts + o.spares; n++) {
      const region = regionOf(n);
      const ns = `${this.prefix}-h${n}`;
      await addNamespace(ns);
      this.namespaces.push(ns);
      await plug(ns, 'eth-a', `${hostIpA(n)}/24`, this.bridgeNs, 'bra', `h${n}a`);
      await plug(ns, 'eth-b', `${hostIpB(n)}/24`, this.bridgeNs, 'brb', `h${n}b`);
      await addReplicationCounters(ns);
      const proxy = o.proxies.includes(n);
      const host: BedHost = {
        n, region, zone: n, proxy, ns, ip: hostIpA(n), replicationIp: hostIpB(n), paths: hostPaths(this.root, n), inFirstRing: n <= o.hosts,
        proxyUrl: proxy ? `http://${hostIpA(n)}:${PROXY_PORT}` : undefined,
      };
      writeHostFiles(host.paths, host, swiftConf, o.daemons, proxy ? { region, app: o.proxyApp, tempauth: o.proxyTempauth } : undefined);
      this.hosts.push(host);
    }
    const builders = buildRings(this.root, this.hosts.filter((h) => h.inFirstRing), o.partPower, o.replicas);
    for (const kind of KINDS) this.pushRing(kind, builders[kind]);
    const sock = join(this.root, 'gateway.sock');
    this.gateway = this.spawnIn(this.clientNs, [GATEWAY_WORKER, sock], join(this.root, 'gateway.log'));
    await this.waitFor(() => readdirSync(this.root).includes('gateway.sock'), 'the gateway', this.gateway);
    this.dispatcher = gatewayAgent(sock);
  }

  host(n: number): BedHost {
    const h = this.hosts[n - 1];
    if (!h) throw new Error(`no host ${n} in this bed`);
    return h;
  }

  get proxyHosts(): BedHost[] {
    return this.hosts.filter((h) => h.proxy);
  }

  /** Starts host `n`'s storage servers, its daemons (unless `daemons: false`) and its proxy; resolves once each listens. */
  async startHost(n: number, opts: { daemons?: boolean } = {}): Promise<void> {
    const h = this.host(n);
    if (this.options.servers === 'per-host') this.startProc(h, 'servers', KINDS.map((k) => h.paths.conf(k)), HOST_WORKER);
    else for (const kind of KINDS) this.startProc(h, kind, ['server', kind, h.paths.conf(kind)]);
    if (h.proxy) this.startProc(h, 'proxy', ['server', 'proxy', h.paths.conf('proxy')]);
    if (opts.daemons ?? true) await this.startDaemons(n);
    const ports = [...KINDS.map((k) => STORAGE_PORTS[k]), ...(h.proxy ? [PROXY_PORT] : [])];
    await this.waitFor(async () => {
      const open = await listeningPorts(h.ns);
      return ports.every((p) => open.has(p));
    }, `host ${n}'s servers`, undefined, this.options.startTimeoutMs);
  }

  /** Starts host `n`'s consistency daemons (one `swiftly daemons` process over its three confs). */
  async startDaemons(n: number): Promise<void> {
    const h = this.host(n);
    this.startProc(h, 'daemons', ['daemons', ...KINDS.map((k) => h.paths.conf(k))]);
  }

  /** SIGTERMs host `n`'s daemons and waits for them to exit. */
  async stopDaemons(n: number): Promise<void> {
    await this.stopProc(this.host(n), 'daemons', 'SIGTERM');
  }

  /** SIGTERMs every process of host `n` (servers, daemons, proxy) and waits for them. */
  async stopHost(n: number): Promise<void> {
    const h = this.host(n);
    await Promise.all((['daemons', 'proxy', 'servers', ...KINDS] as ProcName[]).map((p) => this.stopProc(h, p, 'SIGTERM')));
  }

  /** kill -9 of every process in host `n`'s namespace, as a host losing power would. */
  async killHost(n: number): Promise<void> {
    const h = this.host(n);
    const links = new Set([...this.delays.values()].map((d) => d.pid));
    for (const pid of await namespacePids(h.ns)) {
      if (links.has(pid)) continue; // a delay's relay is the link, not the host
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* gone */ }
    }
    await Promise.all((['daemons', 'proxy', 'servers', ...KINDS] as ProcName[]).map((p) => this.stopProc(h, p, 'SIGKILL')));
  }

  /** Cuts host `n` off both networks (nftables drop in its namespace, loopback spared). */
  async cut(...ns: number[]): Promise<void> {
    await Promise.all(ns.map((n) => cutOff(this.host(n).ns)));
  }

  /** Cuts every host of `region` off. */
  async cutRegion(region: number): Promise<void> {
    await this.cut(...this.hosts.filter((h) => h.region === region).map((h) => h.n));
  }

  /** Adds `ms` of delay to everything host `n` sends on both networks (a relay in its namespace: delay.ts). */
  async delay(n: number, ms: number): Promise<void> {
    await this.undelay(n);
    this.delays.set(n, await Delay.add(this.host(n).ns, ms));
  }

  private async undelay(n: number): Promise<void> {
    const d = this.delays.get(n);
    this.delays.delete(n);
    await d?.remove();
  }

  /** Undoes every cut and delay (of the given hosts, or all). */
  async heal(...ns: number[]): Promise<void> {
    const which = ns.length ? ns.map((n) => this.host(n)) : this.hosts;
    await Promise.all(which.map(async (h) => {
      await reconnect(h.ns);
      await this.undelay(h.n);
    }));
  }

  /** Runs a command in host `n`'s namespace; resolves with its stdout. */
  exec(n: number, cmd: string, args: string[], timeoutMs?: number): Promise<string> {
    return nsExec(this.host(n).ns, cmd, args, timeoutMs);
  }

  /** The operator's builder of `kind` (`<root>/rings/<kind>.builder`). */
  loadBuilder(kind: ServerKind): RingBuilder {
    return loadBuilder(join(this.root, 'rings', `${kind}.builder`));
  }

  /** Saves `builder` as the operator's and writes its ring to every host's etc (servers reload rings whose mtime changed). */
  pushRing(kind: ServerKind, builder: RingBuilder): void {
    saveBuilder(builder, join(this.root, 'rings', `${kind}.builder`));
    for (const h of this.hosts) writeRingToHost(h.paths, kind, builder);
  }

  /** The JSON log lines host `n`'s servers wrote whose `name` is `server` (e.g. `object-server`). */
  serverLog(n: number, server: string): Record<string, unknown>[] {
    const dir = this.host(n).paths.log;
    const out: Record<string, unknown>[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.log'))) {
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (entry.name === server) out.push(entry);
        } catch { /* a line cut by a kill */ }
      }
    }
    return out;
  }

  /** Replication requests (REPLICATE/SSYNC) host `n` received on each network, counted by nftables. */
  async replicationCounters(n: number): Promise<{ netA: number; netB: number }> {
    const h = this.host(n);
    const [a, b] = await Promise.all([readCounter(h.ns, 'rep_a'), readCounter(h.ns, 'rep_b')]);
    return { netA: a.packets, netB: b.packets };
  }

  /** Stops everything and removes every namespace, the gateway and the bed's folder. Safe to call twice. */
  async teardown(): Promise<void> {
    if (this.torn) return;
    this.torn = true;
    LIVE_BEDS.delete(this);
    await (this.dispatcher as { destroy?: () => Promise<void> } | undefined)?.destroy?.().catch(() => undefined);
    for (const n of [...this.delays.keys()]) await this.undelay(n);
    for (const ns of [...this.namespaces].reverse()) await removeNamespace(ns);
    this.namespaces.length = 0;
    if (!this.options.keepFiles) rmSync(this.root, { recursive: true, force: true });
  }

  /** The same, synchronously, for process exit. */
  teardownSync(): void {
    if (this.torn) return;
    this.torn = true;
    for (const ns of [...this.namespaces].reverse()) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
        for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      } catch { /* gone */ }
      try {
        execFileSync('ip', ['netns', 'del', ns]);
      } catch { /* gone */ }
    }
    rmSync(this.root, { recursive: true, force: true });
  }

  /** A short description: namespaces, addresses, proxies, how to reach them. */
  describe(): string {
    const lines = [
      `bed ${this.prefix}: files in ${this.root}`,
      `  bridges: namespace ${this.bridgeNs} (bra: ${NET_A}.0/24 storage+proxies, brb: ${NET_B}.0/24 replication)`,
      `  client:  namespace ${this.clientNs}, ${CLIENT_IP}`,
      ...this.hosts.map((h) => `  host ${h.n}: namespace ${h.ns}, region ${h.region} zone ${h.zone}, ${h.ip} / replication ${h.replicationIp}, confs ${h.paths.etc}${h.proxyUrl ? `, proxy ${h.proxyUrl}` : ''}${h.inFirstRing ? '' : ', spare (not in the first rings)'}`),
      `  try:     ip netns exec ${this.clientNs} curl -i ${this.proxyHosts[0]?.proxyUrl ?? ''}/info`,
    ];
    return lines.join('\n');
  }

  private spawnIn(ns: string, args: string[], logFile: string): ChildProcess {
    const fd = openSync(logFile, 'a');
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    return child;
  }

  private startProc(h: BedHost, name: ProcName, args: string[], script = SWIFTLY_BIN): void {
    const key = `${h.n}/${name}`;
    const running = this.procs.get(key);
    if (running && running.exitCode === null && running.signalCode === null) return;
    this.procs.set(key, this.spawnIn(h.ns, [script, ...args], join(h.paths.log, `${name}.log`)));
  }

  private async stopProc(h: BedHost, name: ProcName, signal: NodeJS.Signals): Promise<void> {
    const key = `${h.n}/${name}`;
    const child = this.procs.get(key);
    this.procs.delete(key);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }

  private async waitFor(ok: () => boolean | Promise<boolean>, what: string, proc?: ChildProcess, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (proc && proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode})`);
      if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs / 1000} s (logs in ${this.root})`);
      await sleep(200);
    }
  }
}

/** Removes what beds of dead processes left: their namespaces and folders. */
export async function sweepStale(): Promise<string[]> {
  const gone = await sweepStaleNamespaces();
  for (const name of readdirSync(tmpdir())) {
    const m = /^mhb(\d+)-/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') {
        rmSync(join(tmpdir(), name), { recursive: true, force: true });
        gone.push(name);
      }
    }
  }
  return gone;
}
