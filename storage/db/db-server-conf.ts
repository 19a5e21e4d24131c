/**
 * The options container and account servers read from `[DEFAULT]` +
 * `[app:<kind>-server]`, with Swift's names and defaults, parsed once.
 */
import { getBool, getFloat, getInt, getString, type Section } from '../../common/index.js';

export interface DbServerConf {
  devices: string;
  /** Where swift.conf, the rings and container-sync-realms.conf are. */
  swiftDir: string;
  mountCheck: boolean;
  /** Seconds to wait on a backend's answer (account updates). */
  nodeTimeout: number;
  connTimeout: number;
  /** How long a container server waits for each account update (default node_timeout). */
  accountUpdateTimeout: number;
  autoCreateAccountPrefix: string;
  allowVersions: boolean;
  /** SQLite `synchronous` (swiftly's `db_synchronous`: normal or full). */
  synchronous: 'NORMAL' | 'FULL';
  /** Open DB handles kept per process (swiftly's `db_cache_size`). */
  dbCacheSize: number;
  reclaimAge: number;
  /** Swift's `replication_server`: undefined serves every verb, true only REPLICATE, false all but REPLICATE. */
  replicationServer: boolean | undefined;
  /** Hosts X-Container-Sync-To may name (Swift's `allowed_sync_hosts`). */
  allowedSyncHosts: string[];
  /** Swift's `log_requests`: an access log line per request. */
  logRequests: boolean;
}

export function readDbServerConf(conf: Section): DbServerConf {
  const nodeTimeout = getFloat(conf, 'node_timeout', 3, 0);
  return {
    devices: getString(conf, 'devices', '/srv/node'),
    swiftDir: getString(conf, 'swift_dir', '/etc/swift'),
    mountCheck: getBool(conf, 'mount_check', true),
    nodeTimeout,
    connTimeout: getFloat(conf, 'conn_timeout', 0.5, 0),
    accountUpdateTimeout: getFloat(conf, 'account_update_timeout', nodeTimeout, 0),
    autoCreateAccountPrefix: getString(conf, 'auto_create_account_prefix', '.'),
    allowVersions: getBool(conf, 'allow_versions', false),
    synchronous: getString(conf, 'db_synchronous', 'normal').toLowerCase() === 'full' ? 'FULL' : 'NORMAL',
    dbCacheSize: getInt(conf, 'db_cache_size', 256, 1),
    reclaimAge: getInt(conf, 'reclaim_age', 604800, 0),
    replicationServer: conf.replication_server === undefined || conf.replication_server === ''
      ? undefined : getBool(conf, 'replication_server', false),
    logRequests: getBool(conf, 'log_requests', true),
    allowedSyncHosts: getString(conf, 'allowed_sync_hosts', '127.0.0.1').split(',').map((h) => h.trim()).filter(Boolean),
  };
}
