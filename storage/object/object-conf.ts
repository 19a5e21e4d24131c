/**
 * The object server's typed config: Swift's `[app:object-server]` options
 * (merged over `[DEFAULT]`) with Swift's names and defaults, read once at
 * start-up.
 */
import { getBool, getFloat, getInt, getString, listFromCsv, type Section } from '../../common/index.js';

/** Swift's default `allowed_headers` for the object server. */
const DEFAULT_ALLOWED_HEADERS =
  'content-disposition, content-encoding, x-delete-at, x-object-manifest, x-static-large-object, ' +
  'cache-control, content-language, expires, x-robots-tag';

/** Headers Swift never lets `allowed_headers` override (RESERVED_DATAFILE_META). */
const RESERVED_DATAFILE_META = new Set(['content-length', 'content-type', 'deleted', 'etag']);

export interface ObjectServerConf {
  devices: string;
  mountCheck: boolean;
  /** Seconds between two reads of a PUT body before 408. */
  clientTimeout: number;
  /** Seconds a whole PUT may take before 408. */
  maxUploadTime: number;
  connTimeout: number;
  nodeTimeout: number;
  containerUpdateTimeout: number;
  diskChunkSize: number;
  networkChunkSize: number;
  /** Objects smaller than this stay in the page cache when read, if the request allows it (bytes). */
  keepCacheSize: number;
  /** Whether reads for requests with an auth token stay in the page cache too (Swift drops them by default). */
  keepCachePrivate: boolean;
  reclaimAge: number;
  /** Lower-case header names stored with the object and returned on GET/HEAD. */
  allowedHeaders: Set<string>;
  expiringObjectsAccount: string;
  expiringObjectsContainerDivisor: number;
  /** Swift's `replication_server`: undefined serves every verb, true only REPLICATE and SSYNC, false all but those. */
  replicationServer: boolean | undefined;
}

/** Reads the object server options Swift knows, with Swift's defaults. */
export function objectServerConf(conf: Section): ObjectServerConf {
  const allowed = new Set(
    listFromCsv(getString(conf, 'allowed_headers', DEFAULT_ALLOWED_HEADERS))
      .map((h) => h.toLowerCase())
      .filter((h) => !RESERVED_DATAFILE_META.has(h)),
  );
  const autoCreatePrefix = getString(conf, 'auto_create_account_prefix', '.');
  return {
    devices: getString(conf, 'devices', '/srv/node'),
    mountCheck: getBool(conf, 'mount_check', true),
    clientTimeout: getFloat(conf, 'client_timeout', 60, 0),
    maxUploadTime: getFloat(conf, 'max_upload_time', 86400, 0),
    connTimeout: getFloat(conf, 'conn_timeout', 0.5, 0),
    nodeTimeout: getFloat(conf, 'node_timeout', 3, 0),
    containerUpdateTimeout: getFloat(conf, 'container_update_timeout', 1, 0),
    diskChunkSize: getInt(conf, 'disk_chunk_size', 65536, 1),
    networkChunkSize: getInt(conf, 'network_chunk_size', 65536, 1),
    keepCacheSize: getInt(conf, 'keep_cache_size', 5242880, 0),
    keepCachePrivate: getBool(conf, 'keep_cache_private', false),
    reclaimAge: getInt(conf, 'reclaim_age', 604800, 0),
    allowedHeaders: allowed,
    expiringObjectsAccount: autoCreatePrefix + getString(conf, 'expiring_objects_account_name', 'expiring_objects'),
    expiringObjectsContainerDivisor: getInt(conf, 'expiring_objects_container_divisor', 86400, 1),
    replicationServer: conf.replication_server === undefined || conf.replication_server === ''
      ? undefined : getBool(conf, 'replication_server', false),
  };
}
