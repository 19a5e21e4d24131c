/**
 * Test helper (not a test): an all-swiftly object store in this process —
 * account, container and object servers × 3 nodes on port 0, rings from
 * swiftly's RingBuilder, and swiftly's proxy with tempauth (`test:tester` /
 * `testing` is an account admin, `admin:admin` / `admin` a reseller admin).
 * Nothing is spawned and no fixed port is used, so it runs beside any test.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIni, silentLogger, swiftConfFromIni } from '../../../common/index.js';
import { serverConfText, swiftConfText, writeRing } from '../../../cli/cluster/layout.js';
import { startStorageServer, type ListeningServer, type StorageKind } from '../../../storage/index.js';
import { startProxyServer, type ProxyServer } from '../../../proxy/index.js';

const SWIFT_CONF = swiftConfText('imgprefix', 'imgsuffix');

export interface SwiftlyCluster {
  dir: string;
  proxyUrl: string;
  authUrl: string;
  stop(): Promise<void>;
}

export interface SwiftlyClusterOptions {
  /** Options added to `[filter:tempauth]` (more users, `reseller_prefix`, …). */
  tempauth?: Record<string, string>;
}

export async function startSwiftlyCluster(options: SwiftlyClusterOptions = {}): Promise<SwiftlyCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-img-'));
  const etc = join(dir, 'etc');
  mkdirSync(etc);
  writeFileSync(join(etc, 'swift.conf'), SWIFT_CONF);
  const swiftConf = swiftConfFromIni(parseIni(SWIFT_CONF));
  const servers: ListeningServer[] = [];
  let proxy: ProxyServer | undefined;
  const stop = async () => {
    await proxy?.close();
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const kind of ['account', 'container', 'object'] as StorageKind[]) {
      const ringDevices = [];
      for (let n = 1; n <= 3; n++) {
        const devices = join(dir, 'srv', String(n));
        mkdirSync(join(devices, `sdb${n}`), { recursive: true });
        const s = await startStorageServer(kind, { devices, mount_check: 'false', swift_dir: etc }, { host: '127.0.0.1', port: 0, swiftConf, logger: silentLogger });
        servers.push(s);
        ringDevices.push({ zone: n, port: s.port, device: `sdb${n}`, weight: 1 });
      }
      writeRing(etc, kind, { partPower: 6, minPartHours: 1, devices: ringDevices });
    }
    const conf = join(etc, 'proxy-server.conf');
    writeFileSync(conf, serverConfText({
      defaults: { bind_ip: '127.0.0.1', bind_port: 0 },
      pipeline: 'catch_errors gatekeeper healthcheck cache listing_formats tempauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-server'.split(' '),
      app: { swift_dir: etc, account_autocreate: true },
      filters: {
        tempauth: { user_admin_admin: 'admin .admin .reseller_admin', user_test_tester: 'testing .admin', user_other_tester: 'testing .admin', ...options.tempauth },
      },
    }));
    proxy = await startProxyServer(conf, { logger: silentLogger, port: 0, swiftConf });
    const proxyUrl = `http://127.0.0.1:${proxy.port}`;
    return { dir, proxyUrl, authUrl: `${proxyUrl}/auth/v1.0`, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

/** tempauth login: token and project (account without AUTH_). */
export async function login(authUrl: string, user: string, key: string): Promise<{ token: string; project: string; storageUrl: string }> {
  const res = await fetch(authUrl, { headers: { 'x-auth-user': user, 'x-auth-key': key } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`login ${user}: ${res.status}`);
  const storageUrl = res.headers.get('x-storage-url')!;
  return { token: res.headers.get('x-auth-token')!, storageUrl, project: decodeURIComponent(new URL(storageUrl).pathname.split('/')[2]).replace(/^AUTH_/, '') };
}

/** A cluster with `test:tester` logged in, and the proxy's port for raw-socket requests. */
export async function startClusterAsTester(): Promise<{ cluster: SwiftlyCluster; port: number; token: string }> {
  const cluster = await startSwiftlyCluster();
  try {
    const { token } = await login(cluster.authUrl, 'test:tester', 'testing');
    return { cluster, port: Number(new URL(cluster.proxyUrl).port), token };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
