/**
 * The standard bench topology's files, identical for swiftly and Swift:
 * one proxy (tempauth, memcache) and 3 storage nodes, each with an object,
 * container and account server and one device; 3 replicas; part power 10;
 * `workers = 1` everywhere (Swift's meaning: one forked worker serves).
 *
 *   <dir>/etc/swift.conf, *.ring.gz, proxy-server.conf, <kind>-server/<n>.conf
 *   <dir>/srv/<n>/sdb<n>/     <dir>/log/
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXED_SWIFT_CONF, PROXY_PIPELINE, serverConfText, writeRing } from '../../cli/cluster/layout.js';

export const NODES = 3;
export const KINDS = ['object', 'container', 'account'] as const;
export type Kind = (typeof KINDS)[number];

export const ADMIN = { user: 'admin:admin', key: 'admin', account: 'AUTH_admin' };
export const TESTER = { user: 'test:tester', key: 'testing', account: 'AUTH_test' };

export interface Layout {
  dir: string;
  etc: string;
  log: string;
  host: string;
  proxyPort: number;
  memcachePort: number;
  proxyConf: string;
  storage: { kind: Kind; node: number; conf: string; port: number }[];
}

/** Ports from `base`: node n's servers at base + 10n + {0,1,2}, proxy at base + 80, memcached base + 99. */
export function writeLayout(dir: string, base: number): Layout {
  const host = '127.0.0.1';
  const etc = join(dir, 'etc');
  const log = join(dir, 'log');
  mkdirSync(log, { recursive: true });
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, 'swift.conf'), FIXED_SWIFT_CONF); // the tests' secrets (Swift reads /etc/swift/swift.conf)
  const layout: Layout = {
    dir, etc, log, host, proxyPort: base + 80, memcachePort: base + 99, proxyConf: join(etc, 'proxy-server.conf'), storage: [],
  };
  for (const kind of KINDS) {
    mkdirSync(join(etc, `${kind}-server`), { recursive: true });
    const ringDevices = [];
    for (let n = 1; n <= NODES; n++) {
      const port = base + 10 * n + KINDS.indexOf(kind);
      const devices = join(dir, 'srv', String(n));
      mkdirSync(join(devices, `sdb${n}`), { recursive: true });
      const conf = join(etc, `${kind}-server`, `${n}.conf`);
      writeFileSync(conf, storageConf(kind, devices, port, etc));
      layout.storage.push({ kind, node: n, conf, port });
      ringDevices.push({ zone: n, ip: host, port, device: `sdb${n}`, weight: 1 });
    }
    writeRing(etc, kind, { partPower: 10, minPartHours: 1, devices: ringDevices });
  }
  writeFileSync(layout.proxyConf, proxyConf(layout));
  return layout;
}

function storageConf(kind: Kind, devices: string, port: number, etc: string): string {
  return serverConfText({
    defaults: {
      devices, mount_check: false, bind_ip: '127.0.0.1', bind_port: port, workers: 1, user: 'root', swift_dir: etc, log_level: 'WARNING',
    },
    pipeline: [`${kind}-server`],
    app: kind === 'object' ? OBJECT_CACHE_CONF : {},
  });
}

/**
 * The same page-cache policy on both sides. Swift's proxy passes the
 * client's token on to the object servers, which then drop every GET's
 * pages unless keep_cache_private is set; swiftly's proxy keeps tokens to
 * itself, so its object servers take each GET as public. With this line
 * both keep what they read of objects under keep_cache_size (5 MiB, the
 * default) and both drop what they read of larger ones, and what every PUT
 * wrote once it is fsynced.
 */
const OBJECT_CACHE_CONF = { keep_cache_private: true };

function proxyConf(l: Layout): string {
  return serverConfText({
    defaults: { bind_ip: l.host, bind_port: l.proxyPort, swift_dir: l.etc, workers: 1, user: 'root', log_level: 'WARNING' },
    pipeline: PROXY_PIPELINE,
    app: { account_autocreate: true },
    filters: {
      tempauth: { user_admin_admin: `${ADMIN.key} .admin .reseller_admin`, user_test_tester: `${TESTER.key} .admin` },
      // Swift's default pool (2 connections, 1 s wait) times out under 128
      // concurrent requests, error-limits memcached for 60 s and then every
      // token check fails: size it for the bench's concurrency.
      cache: { memcache_servers: `127.0.0.1:${l.memcachePort}`, memcache_max_connections: 128 },
    },
  });
}
