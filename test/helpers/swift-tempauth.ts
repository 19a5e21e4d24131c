/**
 * Debian's real Swift proxy with tempauth (and one account server behind
 * it), so compute's token check is tested against the real thing.
 * Users: `test:tester`/`testing` (.admin of AUTH_test) and
 * `admin:admin`/`admin` (.reseller_admin).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMemcache } from './memcache-server.js';
import { writeRingFile, type RingData } from '../../ring/index.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitHttp(url: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not come up`);
}

export interface SwiftTempauth {
  proxyUrl: string;
  authUrl: string;
  /** Stop the proxy only (the auth service goes away). */
  stopProxy(): Promise<void>;
  close(): Promise<void>;
}

export async function startSwiftTempauth(): Promise<SwiftTempauth> {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-tempauth-'));
  const memcache = await startMemcache();
  const accountPort = await freePort();
  const proxyPort = await freePort();
  mkdirSync(join(dir, 'srv', 'sda'), { recursive: true });
  // One device, every partition on it; written with our ring writer (Swift reads it) to spare nine python starts.
  const ring: RingData = {
    devs: [{ id: 0, region: 1, zone: 1, ip: '127.0.0.1', port: accountPort, replication_ip: '127.0.0.1', replication_port: accountPort, device: 'sda', weight: 1, meta: '' }],
    replica2part2dev: [new Uint16Array(16)],
    partShift: 28,
    version: 1,
  };
  for (const name of ['account', 'container', 'object']) writeRingFile(join(dir, `${name}.ring.gz`), ring);
  writeFileSync(join(dir, 'account-server.conf'), [
    '[DEFAULT]', `devices = ${join(dir, 'srv')}`, 'mount_check = false', 'bind_ip = 127.0.0.1', `bind_port = ${accountPort}`,
    'workers = 0', `swift_dir = ${dir}`, 'log_level = ERROR',
    '[pipeline:main]', 'pipeline = account-server', '[app:account-server]', 'use = egg:swift#account', '',
  ].join('\n'));
  writeFileSync(join(dir, 'proxy-server.conf'), [
    '[DEFAULT]', 'bind_ip = 127.0.0.1', `bind_port = ${proxyPort}`, 'workers = 0', `swift_dir = ${dir}`, 'log_level = ERROR',
    '[pipeline:main]', 'pipeline = catch_errors cache tempauth proxy-server',
    '[app:proxy-server]', 'use = egg:swift#proxy', 'account_autocreate = true',
    '[filter:tempauth]', 'use = egg:swift#tempauth', 'user_test_tester = testing .admin', 'user_admin_admin = admin .admin .reseller_admin',
    '[filter:cache]', 'use = egg:swift#memcache', `memcache_servers = 127.0.0.1:${memcache.port}`,
    '[filter:catch_errors]', 'use = egg:swift#catch_errors', '',
  ].join('\n'));
  const procs: ChildProcess[] = [];
  const start = (bin: string, conf: string) => {
    const p = spawn(bin, [join(dir, conf)], { stdio: ['ignore', 'ignore', process.env.SWIFTLY_TEST_SWIFT_LOGS ? 'inherit' : 'ignore'] });
    procs.push(p);
    return p;
  };
  start('swift-account-server', 'account-server.conf');
  const proxy = start('swift-proxy-server', 'proxy-server.conf');
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const kill = async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) { p.kill('SIGKILL'); await new Promise((r) => p.once('exit', r)); }
    await memcache.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Debian's Python servers take 20-30 s to start on a loaded machine (as swift-cluster.ts allows for).
    await Promise.all([waitHttp(`http://127.0.0.1:${accountPort}/healthcheck`, 90_000), waitHttp(`${proxyUrl}/info`, 90_000)]);
  } catch (err) {
    // Without this the servers it started keep the test process alive after the failed hook.
    await kill();
    throw err;
  }
  const stopProxy = async () => {
    if (proxy.exitCode !== null || proxy.signalCode !== null) return;
    proxy.kill('SIGKILL');
    await new Promise((r) => proxy.once('exit', r));
  };
  return {
    proxyUrl,
    authUrl: `${proxyUrl}/auth/v1.0`,
    stopProxy,
    close: kill,
  };
}
