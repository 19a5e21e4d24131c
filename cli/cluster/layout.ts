/**
 * Cluster layouts: the files a Swift-style cluster runs from — swift.conf,
 * rings, and each server's paste.deploy config — written one way for every
 * cluster swiftly makes: `swiftly start`'s all-in-one, the bench's, and the
 * test helpers'.
 *
 * The all-in-one's files live under one folder, Swift-SAIO style:
 *
 *   <dir>/etc/swift.conf                       random hash prefix/suffix
 *   <dir>/etc/{account,container,object}.builder, *.ring.gz
 *   <dir>/etc/proxy-server.conf                tempauth users, admin first
 *   <dir>/etc/container-sync-realms.conf       realm `swiftly`, this cluster as `local`
 *   <dir>/etc/{object,container,account}-server/<n>.conf
 *   <dir>/srv/<n>/node/sdb<n>/                 one device per node
 *   <dir>/log/<server>.log
 *
 * Written once, on the first start; later starts read them as they are, so
 * an operator can edit users, ports and workers.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONTAINER_SYNC_REALMS_FILE, writeFileAtomicSync } from '../../common/index.js';
import { RingBuilder, writeRingFile, saveBuilder } from '../../ring/index.js';

export type ConfValue = string | number | boolean;
export type ConfOptions = Record<string, ConfValue>;

/**
 * INI text of `sections` in order, one `key = value` a line, a blank line
 * between sections. A key that starts with `#` is written alone, as a
 * comment line (its value is not written).
 */
export function iniText(sections: [name: string, options: ConfOptions][]): string {
  const line = ([k, v]: [string, ConfValue]): string => (k.startsWith('#') ? `${k}\n` : `${k} = ${v}\n`);
  return sections.map(([name, options]) => `[${name}]\n${Object.entries(options).map(line).join('')}`).join('\n');
}

/** Where a filter's section name is not its egg name (the names of Swift's sample configs). */
const FILTER_EGGS: Record<string, string> = {
  'proxy-logging': 'proxy_logging', cache: 'memcache', 'container-quotas': 'container_quotas', 'account-quotas': 'account_quotas',
  'etag-quoter': 'etag_quoter', 'list-endpoints': 'list_endpoints',
};

/** The pipeline of the proxies swiftly writes configs for (swiftly start, the bench). */
export const PROXY_PIPELINE: readonly string[] = [
  'catch_errors', 'gatekeeper', 'healthcheck', 'proxy-logging', 'cache', 'listing_formats', 'container_sync', 'bulk', 'tempurl', 'ratelimit', 'formpost', 's3api', 'tempauth', 'copy',
  'container-quotas', 'account-quotas', 'slo', 'dlo', 'versioned_writes', 'symlink', 'proxy-logging', 'proxy-server',
];

/**
 * Options a filter's section gets unless a config says otherwise: both
 * versioning modes on, as Swift's SAIO configs have them (its sample leaves
 * them off, which would make versioned_writes do nothing).
 */
const FILTER_DEFAULTS: Record<string, ConfOptions> = {
  versioned_writes: { allow_versioned_writes: true, allow_object_versioning: true },
};

export interface ServerConf {
  /** `[DEFAULT]`: bind_ip, bind_port, swift_dir, devices, … */
  defaults: ConfOptions;
  /** Filter names, then the app: `proxy-server` or `<kind>-server` (its egg: `egg:swift#proxy`, `…#<kind>`). */
  pipeline: readonly string[];
  /** Options of the app's section. */
  app?: ConfOptions;
  /** Options of filters' sections, by name; every filter gets `use = egg:swift#<egg>`. */
  filters?: Record<string, ConfOptions>;
  /** Sections after the pipeline's (daemons: `[object-replicator]`, …). */
  extra?: [name: string, options: ConfOptions][];
}

/** A paste.deploy server config (`proxy-server.conf`, `object-server.conf`, …) as Swift's servers and ours read it. */
export function serverConfText(conf: ServerConf): string {
  const app = conf.pipeline[conf.pipeline.length - 1];
  const filters = [...new Set(conf.pipeline.slice(0, -1))];
  return iniText([
    ['DEFAULT', conf.defaults],
    ['pipeline:main', { pipeline: conf.pipeline.join(' ') }],
    [`app:${app}`, { use: `egg:swift#${app.replace(/-server$/, '')}`, ...conf.app }],
    ...filters.map((f): [string, ConfOptions] => [`filter:${f}`, { use: `egg:swift#${FILTER_EGGS[f] ?? f}`, ...FILTER_DEFAULTS[f], ...conf.filters?.[f] }]),
    ...(conf.extra ?? []),
  ]);
}

export interface PolicySpec {
  name: string;
  default?: boolean;
}

/** swift.conf: the hash path secrets and the storage policies (the first the default unless one says so). */
export function swiftConfText(prefix: string, suffix: string, policies: readonly PolicySpec[] = [{ name: 'gold', default: true }]): string {
  return iniText([
    ['swift-hash', { swift_hash_path_prefix: prefix, swift_hash_path_suffix: suffix }],
    ...policies.map((p, i): [string, ConfOptions] => [`storage-policy:${i}`, { name: p.name, ...(p.default ? { default: 'yes' } : {}) }]),
  ]);
}

/** The swift.conf of the tests' and the bench's clusters, whose Swift servers read it from /etc/swift. */
export const FIXED_SWIFT_CONF = swiftConfText('swiftlytestprefix', 'swiftlytestsuffix');

/**
 * Debian's Swift servers read the hash path secrets only from
 * /etc/swift/swift.conf: makes that file hold `text` (atomically, as test
 * processes running side by side may write it at once).
 */
export function ensureEtcSwiftConf(text = FIXED_SWIFT_CONF, path = '/etc/swift/swift.conf'): void {
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // not there yet
  }
  if (current === text) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomicSync(path, Buffer.from(text));
}

export interface RingSpec {
  partPower: number;
  replicas?: number;
  minPartHours?: number;
  /** Every device: region 1 and ip 127.0.0.1 unless given. */
  devices: { zone: number; port: number; device: string; weight: number; region?: number; ip?: string }[];
}

/** A ring builder with `spec`'s devices, rebalanced with seed 1 (the same partitions every time). */
export function buildRing(spec: RingSpec): RingBuilder {
  const builder = RingBuilder.create(spec.partPower, spec.replicas ?? 3, spec.minPartHours ?? 0);
  for (const d of spec.devices) builder.addDev({ region: 1, ip: '127.0.0.1', ...d });
  builder.rebalance({ seed: 1 });
  return builder;
}

/** Writes `<etc>/<name>.ring.gz` (and `<name>.builder` when asked) from `spec`; returns the builder. */
export function writeRing(etc: string, name: string, spec: RingSpec, options: { builderFile?: boolean } = {}): RingBuilder {
  const builder = buildRing(spec);
  if (options.builderFile) saveBuilder(builder, join(etc, `${name}.builder`));
  writeRingFile(join(etc, `${name}.ring.gz`), builder.getRing());
  return builder;
}

export const NODE_COUNT = 3;
export type ServerKind = 'object' | 'container' | 'account';
export const STORAGE_KINDS: readonly ServerKind[] = ['object', 'container', 'account'];

/**
 * Where the all-in-one serves /metrics: the proxy, all daemons (one
 * process), each storage server at its port + 100 (6310–6332), and the
 * compute services with the image API (one process: `swiftly start`'s own).
 */
export const METRICS_PORTS = { proxy: 6080, daemons: 6090, storageOffset: 100, compute: 6100 };

/** SAIO's ports: node n serves object on 6n10, container 6n11, account 6n12. */
export function storagePort(kind: ServerKind, node: number): number {
  return 6000 + node * 10 + 200 + STORAGE_KINDS.indexOf(kind);
}

export interface ClusterPaths {
  dir: string;
  etc: string;
  log: string;
  proxyConf: string;
  /** The root secret of `swiftly start --encryption` (keymaster_config_path). */
  keymasterConf: string;
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
    keymasterConf: join(etc, 'keymaster.conf'),
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
  options: { encryption?: boolean; metrics?: boolean } = {},
): CreatedCluster {
  if (existsSync(join(paths.etc, 'swift.conf'))) return { created: false };
  mkdirSync(paths.etc, { recursive: true });
  mkdirSync(paths.log, { recursive: true });
  const secret = (): string => randomBytes(16).toString('hex');
  writeFileSync(join(paths.etc, 'swift.conf'), swiftConfText(secret(), secret(), [{ name: 'Policy-0', default: true }]), { mode: 0o600 });
  for (let n = 1; n <= NODE_COUNT; n++) {
    mkdirSync(join(paths.devices(n), `sdb${n}`), { recursive: true });
    for (const kind of STORAGE_KINDS) {
      mkdirSync(join(paths.etc, `${kind}-server`), { recursive: true });
      writeFileSync(paths.storageConf(kind, n), storageConf(paths, kind, n, portOf(kind, n), options.metrics ?? false));
    }
  }
  for (const kind of STORAGE_KINDS) {
    const devices = Array.from({ length: NODE_COUNT }, (_, i) => ({ zone: i + 1, port: portOf(kind, i + 1), device: `sdb${i + 1}`, weight: 1 }));
    writeRing(paths.etc, kind, { partPower: 10, minPartHours: 1, devices }, { builderFile: true });
  }
  const adminKey = secret();
  if (options.encryption) {
    writeFileSync(paths.keymasterConf, iniText([['keymaster', { encryption_root_secret: randomBytes(32).toString('base64') }]]), { mode: 0o600 });
  }
  writeFileSync(paths.proxyConf, proxyConf(paths, bind, adminKey, options.encryption ?? false, options.metrics ?? false), { mode: 0o600 });
  writeFileSync(join(paths.etc, CONTAINER_SYNC_REALMS_FILE), realmsConf(bind, secret()), { mode: 0o600 });
  return { created: true, adminKey };
}

const DAEMONS: Record<ServerKind, (node: number) => [string, ConfOptions][]> = {
  object: (node) => [['object-updater', {}], ['object-expirer', { processes: NODE_COUNT, process: node - 1 }]],
  container: () => [['container-updater', {}], ['container-sync', {}]],
  account: () => [['account-reaper', {}]],
};

function storageConf(paths: ClusterPaths, kind: ServerKind, node: number, port: number, metrics: boolean): string {
  // Per section, not [DEFAULT]: the server and its daemons run in different processes.
  const daemonMetrics: ConfOptions = metrics ? { metrics_bind_port: METRICS_PORTS.daemons } : {};
  return serverConfText({
    defaults: {
      devices: paths.devices(node), mount_check: false, bind_ip: '127.0.0.1', bind_port: port, workers: 0,
      swift_dir: paths.etc, recon_cache_path: join(paths.dir, 'cache', String(node)), log_level: 'INFO',
    },
    pipeline: [`${kind}-server`],
    app: metrics ? { metrics_bind_port: port + METRICS_PORTS.storageOffset } : {},
    extra: ([[`${kind}-replicator`, {}], [`${kind}-auditor`, {}], ...DAEMONS[kind](node)] as [string, ConfOptions][])
      .map(([name, o]): [string, ConfOptions] => [name, { ...o, ...daemonMetrics }]),
  });
}

/** The realm and the name this cluster has in its container-sync-realms.conf (the proxy's `current`). */
export const SYNC_REALM = 'swiftly';
export const SYNC_CLUSTER = 'local';

/**
 * container-sync-realms.conf naming this cluster, so a container can sync
 * to another of its containers (`//swiftly/local/<account>/<container>`);
 * another cluster joins the realm with the same key and a `cluster_<name>`
 * line in both files.
 */
function realmsConf(bind: { host: string; port: number }, key: string): string {
  const host = bind.host === '0.0.0.0' ? '127.0.0.1' : bind.host.includes(':') ? `[${bind.host}]` : bind.host;
  return iniText([
    ['DEFAULT', { '# How often (seconds) servers look for changes to this file': '', mtime_check_interval: 300 }],
    [SYNC_REALM, { key, [`cluster_${SYNC_CLUSTER}`]: `http://${host}:${bind.port}/v1/` }],
  ]);
}

/**
 * The pipeline with encryption where Swift's docs put it: after every filter
 * that makes subrequests (slo, dlo, versioning, symlink), just before the
 * last proxy-logging and the app.
 */
export function withEncryption(pipeline: readonly string[]): string[] {
  const out = [...pipeline];
  out.splice(out.lastIndexOf('proxy-logging'), 0, 'keymaster', 'encryption');
  return out;
}

function proxyConf(paths: ClusterPaths, bind: { host: string; port: number }, adminKey: string, encryption: boolean, metrics: boolean): string {
  return serverConfText({
    defaults: {
      bind_ip: bind.host, bind_port: bind.port, swift_dir: paths.etc, workers: 1, log_level: 'INFO',
      ...(metrics ? { metrics_bind_ip: '127.0.0.1', metrics_bind_port: METRICS_PORTS.proxy } : {}),
    },
    pipeline: encryption ? withEncryption(PROXY_PIPELINE) : PROXY_PIPELINE,
    app: { account_autocreate: true },
    filters: {
      ...(encryption ? { keymaster: { keymaster_config_path: paths.keymasterConf } } : {}),
      container_sync: { current: `//${SYNC_REALM}/${SYNC_CLUSTER}` },
      tempauth: {
        '# user_<account>_<user> = <key> [group] [group] [...] [storage_url]': '',
        user_admin_admin: `${adminKey} .admin .reseller_admin`,
      },
    },
  });
}
