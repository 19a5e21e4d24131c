/**
 * A temporary cluster of Debian's real Swift storage servers (account,
 * container, object × 3 nodes on 127.0.0.1) over rings made by Swift's own
 * `swift-ring-builder`, for testing our proxy against the real backend
 * protocol. Swift's servers read the hash path secrets only from
 * /etc/swift/swift.conf, so that file is (re)written with the shared test
 * values when it differs.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const TEST_SWIFT_CONF = `[swift-hash]
swift_hash_path_prefix = swiftlytestprefix
swift_hash_path_suffix = swiftlytestsuffix

[storage-policy:0]
name = gold
default = yes
`;

export function ensureEtcSwiftConf(): void {
  const path = '/etc/swift/swift.conf';
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    mkdirSync('/etc/swift', { recursive: true });
  }
  if (current !== TEST_SWIFT_CONF) writeFileSync(path, TEST_SWIFT_CONF);
}

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

// Whatever happens to a test, its storage servers don't outlive it.
const LIVE = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of LIVE) p.kill('SIGKILL');
});

type Kind = 'account' | 'container' | 'object';
const KINDS: Kind[] = ['account', 'container', 'object'];

export interface StorageNode {
  kind: Kind;
  index: number;
  port: number;
  conf: string;
  proc?: ChildProcess;
}

/** One healthcheck with node:http and a hard timeout (no fetch: its aborts can escape as uncaught errors). */
function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthcheck', timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** Python servers start slowly on a loaded machine: allow a minute and a half. */
async function waitForPort(port: number, proc: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`storage server for port ${port} exited (${proc.exitCode})`);
    if (await healthy(port)) return;
    await sleep(100);
  }
  throw new Error(`storage server on ${port} did not start`);
}

export class SwiftCluster {
  readonly dir: string;
  readonly swiftDir: string;
  readonly nodes: StorageNode[] = [];

  private constructor(dir: string) {
    this.dir = dir;
    this.swiftDir = join(dir, 'etc');
  }

  /** Builds rings and configs and starts 3 nodes × (account, container, object). */
  static async start(options: { nodes?: number; partPower?: number } = {}): Promise<SwiftCluster> {
    ensureEtcSwiftConf();
    const c = new SwiftCluster(mkdtempSync(join(tmpdir(), 'swiftly-proxy-')));
    const n = options.nodes ?? 3;
    mkdirSync(c.swiftDir, { recursive: true });
    writeFileSync(join(c.swiftDir, 'swift.conf'), TEST_SWIFT_CONF);
    for (const kind of KINDS) {
      const builder = join(c.swiftDir, `${kind}.builder`);
      execFileSync('swift-ring-builder', [builder, 'create', String(options.partPower ?? 6), '3', '0'], { stdio: 'ignore' });
      for (let i = 0; i < n; i++) {
        const port = await freePort();
        const devices = join(c.dir, `node${i}`);
        mkdirSync(join(devices, 'sdb1'), { recursive: true });
        const conf = join(c.swiftDir, `${kind}-server-${i}.conf`);
        writeFileSync(
          conf,
          `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
devices = ${devices}
mount_check = false
disable_fallocate = true
workers = 0
swift_dir = ${c.swiftDir}
user = root
log_level = WARNING
log_udp_host = 127.0.0.1
log_udp_port = 9

[pipeline:main]
pipeline = healthcheck ${kind}-server

[filter:healthcheck]
use = egg:swift#healthcheck

[app:${kind}-server]
use = egg:swift#${kind}
${kind === 'object' ? 'container_update_timeout = 1\n' : ''}`,
        );
        execFileSync('swift-ring-builder', [builder, 'add', `r1z${i + 1}-127.0.0.1:${port}/sdb1`, '100'], { stdio: 'ignore' });
        c.nodes.push({ kind, index: i, port, conf });
      }
      execFileSync('swift-ring-builder', [builder, 'rebalance', '1'], { stdio: 'ignore' });
    }
    try {
      await Promise.all(c.nodes.map((node) => c.startNode(node)));
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  node(kind: Kind, index: number): StorageNode {
    return this.nodes.find((x) => x.kind === kind && x.index === index)!;
  }

  async startNode(node: StorageNode): Promise<void> {
    const proc = spawn(`swift-${node.kind}-server`, [node.conf], { stdio: ['ignore', 'ignore', 'ignore'] });
    node.proc = proc;
    LIVE.add(proc);
    proc.once('exit', () => LIVE.delete(proc));
    await waitForPort(node.port, proc);
  }

  /** Stops a node (SIGTERM by default, SIGKILL to simulate a crash). */
  async stopNode(node: StorageNode, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = node.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
    node.proc = undefined;
  }

  /** Writes a proxy-server.conf for our proxy over this cluster and returns its path. */
  writeProxyConf(extra = '', pipeline = 'catch_errors gatekeeper healthcheck proxy_logging cache listing_formats tempauth copy proxy-server'): string {
    const path = join(this.swiftDir, 'proxy-server.conf');
    writeFileSync(
      path,
      `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = 0
log_level = error

[pipeline:main]
pipeline = ${pipeline}

[app:proxy-server]
use = egg:swift#proxy
swift_dir = ${this.swiftDir}
account_autocreate = true
conn_timeout = 0.5
node_timeout = 10
${extra}

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy_logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = admin .admin .reseller_admin
user_test_tester = testing .admin
user_test_tester2 = testing2
user_test2_tester2 = testing2 .admin
token_life = 3600
`,
    );
    return path;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.stopNode(n, 'SIGKILL')));
    if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }
}
