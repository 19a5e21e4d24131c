/**
 * Test helper (not a test): a small cluster behind Debian's real
 * `swift-proxy-server` (tempauth, account_autocreate) over rings built with
 * Debian's `swift-ring-builder`: three swiftly object servers, and three
 * container and three account servers that are either Debian's real Swift
 * ones or swiftly's. Everything on 127.0.0.1 in a temp dir, mount_check off.
 *
 * Swift's servers read the hash prefix/suffix and the policies only from
 * /etc/swift/swift.conf, so that file is (re)written with the same values
 * when it differs.
 */
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStorageServer, type ListeningServer, type StorageKind } from '../../../storage/index.js';
import { parseIni, silentLogger, swiftConfFromIni } from '../../../common/index.js';
import { startFakeMemcached, type FakeMemcached } from '../fake-memcached.js';

const run = promisify(execFile);

export const CLUSTER_SWIFT_CONF = `[swift-hash]
swift_hash_path_prefix = swiftlytestprefix
swift_hash_path_suffix = swiftlytestsuffix

[storage-policy:0]
name = gold
default = yes
`;

export interface Cluster {
  root: string;
  swiftDir: string;
  proxyUrl: string;
  authUrl: string;
  user: string;
  key: string;
  /** Object server roots (devices dirs), one per node. */
  objectDevices: string[];
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function waitForPort(port: number, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`${what} did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Makes /etc/swift/swift.conf hold the cluster's hash secrets and policies. */
export function ensureEtcSwiftConf(): void {
  const path = '/etc/swift/swift.conf';
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  const want = swiftConfFromIni(parseIni(CLUSTER_SWIFT_CONF));
  if (current !== undefined) {
    try {
      const have = swiftConfFromIni(parseIni(current));
      if (have.hashPath.prefix === want.hashPath.prefix && have.hashPath.suffix === want.hashPath.suffix &&
        JSON.stringify(have.policies) === JSON.stringify(want.policies)) return;
    } catch {
      // unreadable: rewrite
    }
  }
  mkdirSync('/etc/swift', { recursive: true });
  writeFileSync(path, CLUSTER_SWIFT_CONF);
}

/** Builds `<name>.ring.gz` with Debian's swift-ring-builder (async: in-process servers keep serving). */
async function buildRing(swiftDir: string, name: string, ports: number[]): Promise<void> {
  const builder = join(swiftDir, `${name}.builder`);
  await run('swift-ring-builder', [builder, 'create', '6', '3', '1']);
  const devs = ports.flatMap((p, i) => [`r1z${i + 1}-127.0.0.1:${p}/d${i + 1}`, '100']);
  await run('swift-ring-builder', [builder, 'add', ...devs]);
  await run('swift-ring-builder', [builder, 'rebalance', '--seed', '1']);
}

export async function startCluster(options: { dbServers: 'swift' | 'swiftly' }): Promise<Cluster> {
  ensureEtcSwiftConf();
  const root = mkdtempSync(join(tmpdir(), 'swiftly-cluster-'));
  const swiftDir = join(root, 'etc');
  const logs = join(root, 'log');
  mkdirSync(swiftDir);
  mkdirSync(logs);
  writeFileSync(join(swiftDir, 'swift.conf'), CLUSTER_SWIFT_CONF);
  const swiftConf = swiftConfFromIni(parseIni(CLUSTER_SWIFT_CONF));
  const children: ChildProcess[] = [];
  const inProcess: ListeningServer[] = [];
  let memcached: FakeMemcached | undefined;

  const spawnLogged = (cmd: string, args: string[], name: string): ChildProcess => {
    const fd = openSync(join(logs, `${name}.log`), 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    children.push(child);
    return child;
  };
  const devicesFor = (kind: string, i: number): string => {
    const d = join(root, `${kind}${i + 1}`);
    mkdirSync(join(d, `d${i + 1}`), { recursive: true });
    return d;
  };
  const startSwiftly = async (kind: StorageKind, i: number): Promise<number> => {
    const s = await startStorageServer(kind, { devices: devicesFor(kind, i), mount_check: 'false', swift_dir: swiftDir }, {
      host: '127.0.0.1', port: 0, swiftConf, logger: silentLogger,
    });
    inProcess.push(s);
    return s.port;
  };
  const startSwift = async (kind: 'container' | 'account', i: number): Promise<number> => {
    const port = await freePort();
    const conf = join(swiftDir, `${kind}-server-${i + 1}.conf`);
    writeFileSync(conf, `[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = ${port}\ndevices = ${devicesFor(kind, i)}\n` +
      `mount_check = false\nworkers = 0\nswift_dir = ${swiftDir}\nlog_level = WARNING\nlog_address = /nonexistent\n\n` +
      `[pipeline:main]\npipeline = ${kind}-server\n\n[app:${kind}-server]\nuse = egg:swift#${kind}\n`);
    spawnLogged(`swift-${kind}-server`, [conf], `${kind}-${i + 1}`);
    return port;
  };

  try {
    const objectDevices: string[] = [];
    const objectPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      objectPorts.push(await startSwiftly('object', i));
      objectDevices.push(join(root, `object${i + 1}`));
    }
    const dbPorts: Record<'container' | 'account', number[]> = { container: [], account: [] };
    for (const kind of ['container', 'account'] as const) {
      for (let i = 0; i < 3; i++) {
        dbPorts[kind].push(options.dbServers === 'swift' ? await startSwift(kind, i) : await startSwiftly(kind, i));
      }
    }
    await Promise.all([
      buildRing(swiftDir, 'object', objectPorts),
      buildRing(swiftDir, 'container', dbPorts.container),
      buildRing(swiftDir, 'account', dbPorts.account),
    ]);
    memcached = await startFakeMemcached();
    const proxyPort = await freePort();
    const proxyConf = join(swiftDir, 'proxy-server.conf');
    writeFileSync(proxyConf, `[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = ${proxyPort}\nswift_dir = ${swiftDir}\nworkers = 0\n` +
      `log_level = WARNING\nlog_address = /nonexistent\n\n` +
      '[pipeline:main]\npipeline = catch_errors gatekeeper healthcheck proxy-logging cache tempauth copy dlo slo proxy-logging proxy-server\n\n' +
      '[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n\n' +
      '[filter:tempauth]\nuse = egg:swift#tempauth\nuser_test_tester = testing .admin\n\n' +
      `[filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = 127.0.0.1:${memcached.port}\n\n` +
      '[filter:catch_errors]\nuse = egg:swift#catch_errors\n\n[filter:gatekeeper]\nuse = egg:swift#gatekeeper\n\n' +
      '[filter:healthcheck]\nuse = egg:swift#healthcheck\n\n[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n\n' +
      '[filter:copy]\nuse = egg:swift#copy\n\n[filter:dlo]\nuse = egg:swift#dlo\n\n[filter:slo]\nuse = egg:swift#slo\n');
    spawnLogged('swift-proxy-server', [proxyConf], 'proxy');
    const waits = [waitForPort(proxyPort, 'swift-proxy-server')];
    if (options.dbServers === 'swift') {
      for (const p of [...dbPorts.container, ...dbPorts.account]) waits.push(waitForPort(p, 'swift db server'));
    }
    await Promise.all(waits);
    const proxyUrl = `http://127.0.0.1:${proxyPort}`;
    return {
      root, swiftDir, proxyUrl, authUrl: `${proxyUrl}/auth/v1.0`, user: 'test:tester', key: 'testing', objectDevices,
      close: async () => {
        await shutdown(children, inProcess, memcached);
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await shutdown(children, inProcess, memcached);
    const logText = existsSync(logs) ? execFileSync('sh', ['-c', `tail -n 20 ${logs}/*.log 2>/dev/null || true`]).toString() : '';
    rmSync(root, { recursive: true, force: true });
    throw new Error(`cluster start failed: ${(err as Error).message}\n${logText}`);
  }
}

async function shutdown(children: ChildProcess[], inProcess: ListeningServer[], memcached?: FakeMemcached): Promise<void> {
  await Promise.all(children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 3000).unref();
  })));
  await Promise.all(inProcess.map((s) => s.close()));
  await memcached?.close();
}
