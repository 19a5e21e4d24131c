/**
 * The proxy app's options (`[app:proxy-server]`), parsed once with Swift's
 * names and defaults.
 */
import { getBool, getFloat, getInt, getString, listFromCsv, ConfigError, type Section } from '../common/index.js';

export type SortingMethod = 'shuffle' | 'timing' | 'affinity';

export interface ProxyConf {
  swiftDir: string;
  /** Seconds, as Swift's. */
  connTimeout: number;
  nodeTimeout: number;
  recoverableNodeTimeout: number;
  clientTimeout: number;
  postQuorumTimeout: number;
  errorSuppressionInterval: number;
  errorSuppressionLimit: number;
  accountAutocreate: boolean;
  allowAccountManagement: boolean;
  recheckAccountExistence: number;
  recheckContainerExistence: number;
  sortingMethod: SortingMethod;
  readAffinity: string;
  writeAffinity: string;
  /** e.g. "2 * replicas" or a number. */
  writeAffinityNodeCount: string;
  /** Local handoffs an object DELETE also goes to with write_affinity; undefined (`auto`): as many as non-local primaries. */
  writeAffinityHandoffDeleteCount?: number;
  requestNodeCount: string;
  /** Primaries' 404s without a timestamp an object read disregards (Swift's default 1: a rebalance's new primary). */
  rebalanceMissingSuppressionCount: number;
  expiringObjectsAccount: string;
  expiringObjectsContainerDivisor: number;
  logHeaders: boolean;
  /** Count (statsd `handoff_count`, `handoff_all_count`) and log handoffs past the expected ones. */
  logHandoffs: boolean;
  /** CORS: origins allowed for every container, headers exposed to every origin, and whether an unallowed origin gets no CORS headers. */
  corsAllowOrigin: string[];
  corsExposeHeaders: string[];
  strictCorsMode: boolean;
}

export function proxyConfFromSection(conf: Section): ProxyConf {
  const sorting = getString(conf, 'sorting_method', 'shuffle').toLowerCase();
  if (sorting !== 'shuffle' && sorting !== 'timing' && sorting !== 'affinity') {
    throw new ConfigError(`Invalid sorting_method: ${sorting}`);
  }
  const nodeTimeout = getFloat(conf, 'node_timeout', 10, 0);
  return {
    swiftDir: getString(conf, 'swift_dir', '/etc/swift'),
    connTimeout: getFloat(conf, 'conn_timeout', 0.5, 0),
    nodeTimeout,
    recoverableNodeTimeout: getFloat(conf, 'recoverable_node_timeout', nodeTimeout, 0),
    clientTimeout: getFloat(conf, 'client_timeout', 60, 0),
    postQuorumTimeout: getFloat(conf, 'post_quorum_timeout', 0.5, 0),
    errorSuppressionInterval: getFloat(conf, 'error_suppression_interval', 60, 0),
    errorSuppressionLimit: getInt(conf, 'error_suppression_limit', 10, 0),
    accountAutocreate: getBool(conf, 'account_autocreate', false),
    allowAccountManagement: getBool(conf, 'allow_account_management', false),
    recheckAccountExistence: getFloat(conf, 'recheck_account_existence', 60, 0),
    recheckContainerExistence: getFloat(conf, 'recheck_container_existence', 60, 0),
    sortingMethod: sorting,
    readAffinity: getString(conf, 'read_affinity', ''),
    writeAffinity: getString(conf, 'write_affinity', ''),
    writeAffinityNodeCount: getString(conf, 'write_affinity_node_count', '2 * replicas'),
    writeAffinityHandoffDeleteCount: ['', 'auto'].includes(getString(conf, 'write_affinity_handoff_delete_count', 'auto').trim())
      ? undefined : getInt(conf, 'write_affinity_handoff_delete_count', 0, 0),
    requestNodeCount: getString(conf, 'request_node_count', '2 * replicas'),
    rebalanceMissingSuppressionCount: getInt(conf, 'rebalance_missing_suppression_count', 1, 0),
    expiringObjectsAccount: '.' + getString(conf, 'expiring_objects_account_name', 'expiring_objects'),
    expiringObjectsContainerDivisor: getInt(conf, 'expiring_objects_container_divisor', 86400, 1),
    logHeaders: getBool(conf, 'log_headers', false),
    logHandoffs: getBool(conf, 'log_handoffs', true),
    corsAllowOrigin: listFromCsv(conf.cors_allow_origin),
    corsExposeHeaders: listFromCsv(conf.cors_expose_headers).map((h) => h.toLowerCase()),
    strictCorsMode: getBool(conf, 'strict_cors_mode', true),
  };
}

/** Evaluates "N" or "N * replicas" as Swift does. */
export function nodeCount(expr: string, replicas: number): number {
  const m = /^\s*(\d+)\s*(\*\s*replicas)?\s*$/.exec(expr);
  if (!m) throw new ConfigError(`Invalid node count: ${expr}`);
  return Number(m[1]) * (m[2] ? replicas : 1);
}
