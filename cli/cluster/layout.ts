/**
 * The all-in-one cluster's files under one folder, Swift-SAIO style:
 *
 *   <dir>/etc/swift.conf                       random hash prefix/suffix
 *   <dir>/etc/{account,container,object}.builder, *.ring.gz
 *   <dir>/etc/proxy-server.conf                tempauth users, admin first
 *   <dir>/etc/{object,container,account}-server/<n>.conf
 *   <dir>/srv/<n>/node/sdb<n>/                 one device per node
 *   <dir>/log/<server>.log
 *
 * Written once, on the first start; later starts read them as they are, so
 * an operator can edit users, ports and workers.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RingBuilder, writeRingFile, saveBuilder } from '../../ring/index.js';

export const NODE_COUNT = 3;
export type ServerKind = 'object' | 'container' | 'account';
export const STORAGE_KINDS: readonly ServerKind[] = ['object', 'container', 'account'];

/** SAIO's ports: node n serves object on 6n10, container 6n11, account 6n12. */
export function storagePort(kind: ServerKind, node: number): number {
  return 6000 + node * 10 + 200 + STORAGE_KINDS.indexOf(kind);
}

export interface ClusterPaths {
  dir: string;
  etc: string;
  log: string;
  proxyConf: string;
  storageConf(kind: ServerKind, node: number): string;
  devices(node: number): string;
}

export function clusterPaths(dir: string): ClusterPaths {
  const etc = join(dir, 'etc');
  return {
    dir,
    etc,
    log: join(dir, 'log'),
    proxyConf: join(etc, 'proxy-server.conf'),
    storageConf: (kind, node) => join(etc, `${kind}-server`, `${node}.conf`),
    devices: (node) => join(dir, 'srv', String(node), 'node'),
  };
}

export interface CreatedCluster {
  created: boolean;
  /** The admin's key, known only when the files were just written. */
  adminKey?: string;
}

/**
 * Writes the cluster's configs, devices and rings unless swift.conf is already there.
 * `portOf` places the storage servers (SAIO's ports unless given, e.g. free
 * ports for clusters that run side by side).
 */
export function ensureClusterLayout(
  paths: ClusterPaths,
  bind: { host: string; port: number },
  portOf: (kind: ServerKind, node: number) => number = storagePort,
): CreatedCluster {
  if (existsSync(join(paths.etc, 'swift.conf'))) return { created: false };
  mkdirSync(paths.etc, { recursive: true });
  mkdirSync(paths.log, { recursive: true });
  const secret = (): string => randomBytes(16).toString('hex');
  writeFileSync(
    join(paths.etc, 'swift.conf'),
    `[swift-hash]\nswift_hash_path_prefix = ${secret()}\nswift_hash_path_suffix = ${secret()}\n\n` +
      `[storage-policy:0]\nname = Policy-0\ndefault = yes\n`,
    { mode: 0o600 },
  );
  for (let n = 1; n <= NODE_COUNT; n++) {
    mkdirSync(join(paths.devices(n), `sdb${n}`), { recursive: true });
    for (const kind of STORAGE_KINDS) {
      mkdirSync(join(paths.etc, `${kind}-server`), { recursive: true });
      writeFileSync(paths.storageConf(kind, n), storageConf(paths, kind, n, portOf(kind, n)));
    }
  }
  for (const kind of STORAGE_KINDS) {
    const builder = RingBuilder.create(10, 3, 1);
    for (let n = 1; n <= NODE_COUNT; n++) {
      builder.addDev({ region: 1, zone: n, ip: '127.0.0.1', port: portOf(kind, n), device: `sdb${n}`, weight: 1 });
    }
    builder.rebalance({ seed: 1 });
    saveBuilder(builder, join(paths.etc, `${kind}.builder`));
    writeRingFile(join(paths.etc, `${kind}.ring.gz`), builder.getRing());
  }
  const adminKey = secret();
  writeFileSync(paths.proxyConf, proxyConf(paths, bind, adminKey), { mode: 0o600 });
  return { created: true, adminKey };
}

function storageConf(paths: ClusterPaths, kind: ServerKind, node: number, port: number): string {
  return `[DEFAULT]
devices = ${paths.devices(node)}
mount_check = false
bind_ip = 127.0.0.1
bind_port = ${port}
workers = 0
swift_dir = ${paths.etc}
recon_cache_path = ${join(paths.dir, 'cache', String(node))}
log_level = INFO

[pipeline:main]
pipeline = ${kind}-server

[app:${kind}-server]
use = egg:swift#${kind}

[${kind}-replicator]

[${kind}-auditor]
${kind === 'object' ? `\n[object-updater]\n\n[object-expirer]\nprocesses = ${NODE_COUNT}\nprocess = ${node - 1}\n` : ''}${kind === 'container' ? '\n[container-updater]\n' : ''}${kind === 'account' ? '\n[account-reaper]\n' : ''}`;
}

function proxyConf(paths: ClusterPaths, bind: { host: string; port: number }, adminKey: string): string {
  return `[DEFAULT]
bind_ip = ${bind.host}
bind_port = ${bind.port}
swift_dir = ${paths.etc}
workers = 1
log_level = INFO

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
# user_<account>_<user> = <key> [group] [group] [...] [storage_url]
user_admin_admin = ${adminKey} .admin .reseller_admin

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
`;
}
