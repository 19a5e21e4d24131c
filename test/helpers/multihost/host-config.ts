/**
 * The files each bed host runs from, Swift-style, in its own folder (what
 * /etc/swift and /srv/node are on a real host):
 *
 *   <root>/h<n>/etc/swift.conf                  the same hash path secrets on every host
 *   <root>/h<n>/etc/{object,container,account}.ring.gz
 *   <root>/h<n>/etc/{object,container,account}-server.conf   server + its daemons' sections
 *   <root>/h<n>/etc/proxy-server.conf           on proxy hosts
 *   <root>/h<n>/srv/node/d<n>/                  the host's one device
 *   <root>/h<n>/log/
 *   <root>/rings/*.builder                      the operator's builder files
 *
 * Servers bind 0.0.0.0 (each host is a namespace of its own); the ring
 * gives each device its net-A ip (storage traffic) and its net-B
 * replication_ip, so replicators' REPLICATE and SSYNC go over net B.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverConfText, swiftConfText, type ConfOptions, type ServerKind } from '../../../cli/cluster/layout.js';
import { RingBuilder, saveBuilder, writeRingFile } from '../../../ring/index.js';
import { hostIpA, hostIpB } from './network.js';

export const KINDS: readonly ServerKind[] = ['object', 'container', 'account'];
export const STORAGE_PORTS: Record<ServerKind, number> = { object: 6200, container: 6201, account: 6202 };
export const PROXY_PORT = 8080;

export interface HostPaths {
  dir: string;
  etc: string;
  log: string;
  devices: string;
  device: string;
  conf(kind: ServerKind | 'proxy'): string;
}

export function hostPaths(root: string, n: number): HostPaths {
  const dir = join(root, `h${n}`);
  const etc = join(dir, 'etc');
  return {
    dir, etc,
    log: join(dir, 'log'),
    devices: join(dir, 'srv', 'node'),
    device: `d${n}`,
    conf: (kind) => join(etc, `${kind}-server.conf`),
  };
}

export interface DaemonTuning {
  /** Seconds between replication passes (Swift's `interval`). */
  replicatorInterval: number;
  /** Seconds between updater passes. */
  updaterInterval: number;
}

/** A storage server's conf: the server and its replicator and updater (no auditor, expirer, reaper, sync: the bed doesn't exercise them). */
export function storageConfText(p: HostPaths, kind: ServerKind, t: DaemonTuning): string {
  const daemons: [string, ConfOptions][] = [[`${kind}-replicator`, { interval: t.replicatorInterval, concurrency: 4, node_timeout: 10, conn_timeout: 2 }]];
  if (kind !== 'account') daemons.push([`${kind}-updater`, { interval: t.updaterInterval, node_timeout: 10, conn_timeout: 2 }]);
  return serverConfText({
    defaults: {
      devices: p.devices, mount_check: false, bind_ip: '0.0.0.0', bind_port: STORAGE_PORTS[kind], workers: 0,
      swift_dir: p.etc, recon_cache_path: join(p.dir, 'cache'), log_level: 'INFO',
    },
    pipeline: [`${kind}-server`],
    app: kind === 'object' ? { container_update_timeout: 1 } : {},
    extra: daemons,
  });
}

export interface ProxyTuning {
  region: number;
  /** `[app:proxy-server]` options over the bed's (affinity to `region`, short timeouts). */
  app?: ConfOptions;
  /** `[filter:tempauth]` options (`user_<account>_<user> = <key> [groups]`): tempauth in the pipeline; none: no auth. */
  tempauth?: ConfOptions | null;
}

export function proxyConfText(p: HostPaths, t: ProxyTuning): string {
  return serverConfText({
    defaults: { bind_ip: '0.0.0.0', bind_port: PROXY_PORT, swift_dir: p.etc, workers: 0, log_level: 'INFO' },
    pipeline: ['catch_errors', 'gatekeeper', 'healthcheck', 'proxy-logging', ...(t.tempauth ? ['tempauth'] : []), 'proxy-server'],
    filters: t.tempauth ? { tempauth: t.tempauth } : undefined,
    app: {
      account_autocreate: true, conn_timeout: 0.5, node_timeout: 3, error_suppression_interval: 60, error_suppression_limit: 10,
      sorting_method: 'affinity', read_affinity: `r${t.region}=100`, write_affinity: `r${t.region}`, write_affinity_node_count: '2 * replicas',
      ...t.app,
    },
  });
}

export interface BedHostSpec {
  n: number;
  region: number;
  zone: number;
  proxy: boolean;
}

/** The bed's first rings: one device per host, weight 100, seed 1; builders saved under `<root>/rings`. */
export function buildRings(root: string, hosts: readonly BedHostSpec[], partPower: number, replicas: number): Record<ServerKind, RingBuilder> {
  mkdirSync(join(root, 'rings'), { recursive: true });
  const out = {} as Record<ServerKind, RingBuilder>;
  for (const kind of KINDS) {
    const b = RingBuilder.create(partPower, replicas, 0);
    for (const h of hosts) {
      b.addDev({
        region: h.region, zone: h.zone, ip: hostIpA(h.n), port: STORAGE_PORTS[kind],
        replication_ip: hostIpB(h.n), replication_port: STORAGE_PORTS[kind], device: `d${h.n}`, weight: 100,
      });
    }
    b.rebalance({ seed: 1 });
    saveBuilder(b, join(root, 'rings', `${kind}.builder`));
    out[kind] = b;
  }
  return out;
}

/** Writes one host's folders and confs (not its rings: see `writeRingToHost`). */
export function writeHostFiles(p: HostPaths, spec: BedHostSpec, swiftConf: string, daemons: DaemonTuning, proxy: ProxyTuning | undefined): void {
  for (const d of [p.etc, p.log, join(p.devices, p.device), join(p.dir, 'cache')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(p.etc, 'swift.conf'), swiftConf);
  for (const kind of KINDS) writeFileSync(p.conf(kind), storageConfText(p, kind, daemons));
  if (spec.proxy && proxy) writeFileSync(p.conf('proxy'), proxyConfText(p, proxy));
}

/** `<etc>/<kind>.ring.gz` from `builder`, written as a new file and renamed, as a ring push would. */
export function writeRingToHost(p: HostPaths, kind: ServerKind, builder: RingBuilder): void {
  writeRingFile(join(p.etc, `${kind}.ring.gz`), builder.getRing());
}

export const bedSwiftConf = (prefix: string, suffix: string): string => swiftConfText(prefix, suffix, [{ name: 'Policy-0', default: true }]);
