/**
 * Options the consistency daemons share, read from their section with
 * Swift's names and defaults (`[object-replicator]`, `[object-updater]`,
 * …, over `[DEFAULT]` of the server's conf). Each daemon reads its own
 * extra options beside these.
 */
import { getBool, getFloat, getInt, getString, type Section } from '../common/index.js';

export interface CommonDaemonConf {
  devices: string;
  mountCheck: boolean;
  swiftDir: string;
  /** Seconds between the starts of two passes (Swift's `interval`, 30). */
  interval: number;
  /** Parallel jobs within a pass. */
  concurrency: number;
  reclaimAge: number;
  connTimeout: number;
  nodeTimeout: number;
  /** Where recon cache files (`object.recon`, …) are written. */
  reconCachePath: string;
  bindIp: string;
  /** The server's own port: ring devices on this port (and a local IP) are ours. */
  bindPort: number;
  /** Limit a pass to these devices / partitions (Swift's `devices=`/`partitions=` run-once options). */
  onlyDevices?: Set<string>;
  onlyPartitions?: Set<number>;
}

const csvSet = (v: string | undefined): Set<string> | undefined =>
  v ? new Set(v.split(',').map((s) => s.trim()).filter(Boolean)) : undefined;

/** Reads the shared options; `defaults` sets a daemon's own default interval/concurrency/port. */
export function commonDaemonConf(
  conf: Section, defaults: { interval?: number; concurrency?: number; bindPort?: number } = {},
): CommonDaemonConf {
  const parts = csvSet(conf.partitions);
  return {
    devices: getString(conf, 'devices', '/srv/node'),
    mountCheck: getBool(conf, 'mount_check', true),
    swiftDir: getString(conf, 'swift_dir', '/etc/swift'),
    interval: getFloat(conf, 'interval', getFloat(conf, 'run_pause', defaults.interval ?? 30, 0), 0),
    concurrency: getInt(conf, 'concurrency', defaults.concurrency ?? 1, 1),
    reclaimAge: getInt(conf, 'reclaim_age', 604800, 0),
    connTimeout: getFloat(conf, 'conn_timeout', 0.5, 0),
    nodeTimeout: getFloat(conf, 'node_timeout', 10, 0),
    reconCachePath: getString(conf, 'recon_cache_path', '/var/cache/swift'),
    bindIp: getString(conf, 'bind_ip', '0.0.0.0'),
    bindPort: getInt(conf, 'bind_port', defaults.bindPort ?? 6200, 0),
    onlyDevices: csvSet(conf.devices_filter ?? conf.override_devices),
    onlyPartitions: parts ? new Set([...parts].map(Number)) : undefined,
  };
}
