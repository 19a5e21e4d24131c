/**
 * Test helper (not a test): a cluster of swiftly storage nodes on loopback,
 * Swift's probe-test layout in miniature. Each node has its own devices
 * dir and an object, container and account server on port 0; the rings
 * (built with RingBuilder, one device per node unless asked) name those
 * ports. Nodes can be stopped and restarted on the same ports, devices
 * wiped, and the consistency daemons run once against a node. In front,
 * swiftly's own proxy (`startProxy`), so faults are met by the quorum,
 * handoff and error-limiting code users run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hashPath, parseIni, silentLogger, swiftConfFromIni, type Logger, type SwiftConf } from '../../common/index.js';
import { Ring, writeRingFile, type RingBuilder, type RingLookup } from '../../ring/index.js';
import { buildRing, serverConfText, swiftConfText } from '../../cli/cluster/layout.js';
import { freePort, waitForPort } from '../helpers/swift-cluster.js';
import { startStorageServer, type ListeningServer, type StorageKind } from '../../storage/index.js';
import type { Daemon, DaemonContext } from '../../consistency/index.js';
import { startProxyServer, type ProxyServer } from '../../proxy/index.js';

export const CLUSTER_SWIFT_CONF = swiftConfText('clusterprefix', 'clustersuffix');

const KINDS: StorageKind[] = ['object', 'container', 'account'];
const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));

export interface ClusterNode {
  index: number;
  devices: string;
  ports: Record<StorageKind, number>;
  /** Device names on this node. */
  deviceNames: string[];
  servers: Partial<Record<StorageKind, ListeningServer>>;
  /** Child processes of a node started with `childNodes`. */
  children?: Partial<Record<StorageKind, ChildProcess>>;
}

export interface ClusterOptions {
  nodes?: number;
  replicas?: number;
  partPower?: number;
  logger?: Logger;
  /** Extra server options (every kind). */
  serverConf?: Record<string, string>;
  /** Nodes (by index) whose servers run as child processes (`swiftly server`), so they can be SIGKILLed. */
  childNodes?: number[];
  /** Where node i's devices dir `node<i>` goes (default: the cluster's temp dir), e.g. a test file system's mount. */
  devicesRoot?: string;
}

export class StorageCluster {
  readonly swiftConf: SwiftConf;
  readonly nodes: ClusterNode[] = [];
  readonly swiftDir: string;
  readonly builders = new Map<StorageKind, RingBuilder>();
  private readonly logger: Logger;
  private readonly proxies: ProxyServer[] = [];

  private constructor(readonly root: string, private readonly options: Required<Omit<ClusterOptions, 'logger' | 'serverConf' | 'childNodes' | 'devicesRoot'>> & ClusterOptions) {
    this.swiftConf = swiftConfFromIni(parseIni(CLUSTER_SWIFT_CONF));
    this.swiftDir = join(root, 'etc');
    mkdirSync(this.swiftDir, { recursive: true });
    writeFileSync(join(this.swiftDir, 'swift.conf'), CLUSTER_SWIFT_CONF);
    this.logger = options.logger ?? silentLogger;
  }

  static async start(options: ClusterOptions = {}): Promise<StorageCluster> {
    const c = new StorageCluster(mkdtempSync(join(tmpdir(), 'swiftly-cons-cluster-')), {
      nodes: 4, replicas: 3, partPower: 4, ...options,
    });
    for (let i = 0; i < c.options.nodes; i++) await c.addNode();
    for (const kind of KINDS) {
      const devices = c.nodes.flatMap((n) => n.deviceNames.map((device) => ({ zone: n.index + 1, port: n.ports[kind], device, weight: 100 })));
      c.builders.set(kind, buildRing({ partPower: c.options.partPower, replicas: c.options.replicas, devices }));
    }
    c.writeRings();
    return c;
  }

  /** Starts a new node (not yet in the rings). */
  async addNode(deviceNames = ['sda']): Promise<ClusterNode> {
    const index = this.nodes.length;
    const devices = join(this.options.devicesRoot ?? this.root, `node${index}`);
    for (const d of deviceNames) mkdirSync(join(devices, d), { recursive: true });
    const node: ClusterNode = { index, devices, deviceNames, ports: { object: 0, container: 0, account: 0 }, servers: {} };
    this.nodes.push(node);
    await this.startNode(node);
    return node;
  }

  /** Adds a device dir on `node` and to every ring at `weight`, then rebalances. */
  addDevice(node: ClusterNode, device: string, weight = 100): void {
    mkdirSync(join(node.devices, device), { recursive: true });
    node.deviceNames.push(device);
    for (const kind of KINDS) {
      const b = this.builders.get(kind)!;
      b.addDev({ region: 1, zone: node.index + 1, ip: '127.0.0.1', port: node.ports[kind], device, weight });
      b.pretendMinPartHoursPassed();
      b.rebalance({ seed: 2 });
    }
    this.writeRings();
  }

  writeRings(): void {
    for (const [kind, b] of this.builders) writeRingFile(join(this.swiftDir, `${kind}.ring.gz`), b.getRing());
  }

  ring(kind: StorageKind): RingLookup {
    return new Ring(this.swiftDir, { ringName: kind, hashPath: this.swiftConf.hashPath, reloadTime: 0 });
  }

  /** The server conf of a node, as its `[DEFAULT]` + section would give. */
  conf(node: ClusterNode, kind: StorageKind, extra: Record<string, string> = {}): Record<string, string> {
    return {
      devices: node.devices, mount_check: 'false', swift_dir: this.swiftDir, bind_ip: '127.0.0.1',
      bind_port: String(node.ports[kind]), recon_cache_path: join(this.root, `recon${node.index}`),
      container_update_timeout: '0.5', conn_timeout: '0.3', node_timeout: '3', log_level: 'error',
      ...this.options.serverConf, ...extra,
    };
  }

  async startNode(node: ClusterNode): Promise<void> {
    if (this.options.childNodes?.includes(node.index)) return this.startChildNode(node);
    for (const kind of KINDS) {
      if (node.servers[kind]) continue;
      node.servers[kind] = await startStorageServer(kind, this.conf(node, kind), {
        host: '127.0.0.1', port: node.ports[kind], swiftConf: this.swiftConf, logger: this.logger,
      });
      node.ports[kind] = node.servers[kind]!.port;
    }
  }

  /** A node's servers as `swiftly server <kind> <conf>` processes (workers = 0: one process each), started side by side. */
  private async startChildNode(node: ClusterNode): Promise<void> {
    const children = (node.children ??= {});
    await Promise.all(KINDS.filter((kind) => !children[kind]).map(async (kind) => {
      if (!node.ports[kind]) node.ports[kind] = await freePort();
      const conf = { ...this.conf(node, kind), workers: '0' };
      const confPath = join(this.root, `node${node.index}-${kind}.conf`);
      writeFileSync(confPath, serverConfText({ defaults: conf, pipeline: [`${kind}-server`] }));
      const log = openSync(join(this.root, `node${node.index}-${kind}.log`), 'a');
      const child = spawn(process.execPath, [SWIFTLY, 'server', kind, confPath], { stdio: ['ignore', log, log] });
      closeSync(log);
      children[kind] = child;
      await waitForPort(node.ports[kind], child, `storage child (${kind})`, 20_000);
    }));
  }

  /** kill -9 of a child-process node: no close, no flush, connections cut. */
  async killNode(node: ClusterNode): Promise<void> {
    for (const kind of KINDS) {
      const child = node.children?.[kind];
      if (!child) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      delete node.children![kind];
    }
  }

  async stopNode(node: ClusterNode): Promise<void> {
    if (node.children) return this.killNode(node);
    for (const kind of KINDS) {
      await node.servers[kind]?.close();
      delete node.servers[kind];
    }
  }

  wipeDevice(node: ClusterNode, device: string): void {
    rmSync(join(node.devices, device), { recursive: true, force: true });
    mkdirSync(join(node.devices, device), { recursive: true });
  }

  /** Runs a daemon once per node, as each node's own daemon would. */
  async runOnEveryNode(
    kind: StorageKind, section: string, factory: (ctx: DaemonContext) => Daemon, extra: Record<string, string> = {},
    only?: ClusterNode[],
  ): Promise<Daemon[]> {
    const ran: Daemon[] = [];
    for (const node of only ?? this.nodes) {
      const daemon = factory({ conf: this.conf(node, kind, extra), swiftConf: this.swiftConf, logger: this.logger.child({ daemon: section }) });
      try {
        await daemon.runOnce(new AbortController().signal);
      } finally {
        await daemon.close?.();
      }
      ran.push(daemon);
    }
    return ran;
  }

  /** Where an object lives: its partition and primary nodes (with their cluster node). */
  objectNodes(a: string, c: string, o: string): { partition: number; nodes: { node: ClusterNode; device: string; port: number }[] } {
    const { partition, nodes } = this.ring('object').getNodes(a, c, o);
    return {
      partition,
      nodes: nodes.map((n) => ({ node: this.nodes.find((x) => x.ports.object === n.port)!, device: n.device, port: n.port })),
    };
  }

  hash(a: string, c?: string, o?: string): string {
    return hashPath(this.swiftConf.hashPath, a, c, o);
  }

  /**
   * swiftly's proxy over this cluster's rings (no auth: every request is
   * allowed; accounts are autocreated); `app` adds `[app:proxy-server]`
   * options. Closed by `close()`.
   */
  async startProxy(app: Record<string, string> = {}): Promise<ProxyServer> {
    const options = { conn_timeout: '0.3', node_timeout: '3', account_autocreate: 'true', ...app };
    const conf = parseIni(serverConfText({
      defaults: { log_level: 'error' },
      pipeline: ['catch_errors', 'gatekeeper', 'proxy-server'],
      app: { swift_dir: this.swiftDir, ...options },
    }));
    const proxy = await startProxyServer(conf, { host: '127.0.0.1', port: 0, logger: this.logger, swiftConf: this.swiftConf });
    this.proxies.push(proxy);
    return proxy;
  }

  async close(): Promise<void> {
    for (const p of this.proxies.splice(0)) await p.close();
    for (const n of this.nodes) await this.stopNode(n);
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface Res {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One backend request to 127.0.0.1:port. */
export async function backend(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Res> {
  const res = await request(`http://127.0.0.1:${port}${path}`, { method: method as 'GET', headers, body, headersTimeout: 5000, bodyTimeout: 5000 });
  const buf = Buffer.from(await res.body.arrayBuffer());
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) h[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return { status: res.statusCode, headers: h, body: buf };
}

let clock = Math.floor(Date.now() / 1000) - 100_000;
/** A fresh, increasing X-Timestamp (internal form). */
export function nextTimestamp(): string {
  clock += 1;
  return `${clock}.00000`;
}
