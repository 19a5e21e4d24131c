/**
 * The image service's configuration, one typed object from a Glance-style
 * INI file (option names are Glance's / glance_store's), every default here.
 *
 * ```ini
 * [DEFAULT]
 * bind_host = 127.0.0.1
 * bind_port = 9292
 * [database]
 * connection = sqlite:////var/lib/swiftly/images.sqlite
 * [auth]
 * auth_strategy = tempauth        ; or noauth2
 * proxy_url = http://127.0.0.1:8080
 * admin_projects = admin
 * [glance_store]
 * swift_store_auth_address = http://127.0.0.1:8080/auth/v1.0
 * swift_store_user = admin:admin
 * swift_store_key = secret
 * swift_store_container = glance
 * ; MiB; a bigger image (or one of unknown size) is stored as segments + an SLO manifest
 * swift_store_large_object_size = 5120
 * ; MiB per segment
 * swift_store_large_object_chunk_size = 200
 * [DEFAULT] image_size_cap = 1099511627776   ; bytes, the largest image accepted
 * [compute]
 * ; the compute DB, to refuse deleting an image a server uses (409); empty: no check
 * ; (compute.conf's [database] connection: a SQLite file, or postgresql://… when compute runs on several hosts)
 * connection = sqlite:////var/lib/swiftly/compute.sqlite
 * ```
 */
import { ConfigError, getInt, getSection, getString, listFromCsv, parseIni, readIniFile, type IniFile, type Section } from '../../common/index.js';
import { isPostgresUrl } from '../db/index.js';

export interface ImageConfig {
  bindHost: string;
  bindPort: number;
  dbPath: string;
  auth: { strategy: 'tempauth' | 'noauth2'; proxyUrl: string; adminProjects: string[]; resellerPrefix: string };
  store: { authUrl: string; user: string; key: string; container: string; largeObjectSize: number; largeObjectChunkSize: number };
  /** Glance's image_size_cap, bytes. */
  imageSizeCap: number;
  /** The compute DB for in-use checks (a SQLite path or a `postgresql://` URL), or '' for none. */
  computeDbPath: string;
  logLevel: string;
  /** `/metrics` on `metrics_bind_ip:metrics_bind_port` ([DEFAULT]); unset port: none. */
  metricsBindIp: string;
  metricsBindPort?: number;
}

/** A SQLite path from `sqlite:///path` or a plain path; a `postgresql://` URL as it is where `postgres` allows one. */
function sqlitePath(connection: string, where: string, postgres = false): string {
  if (connection === '') return '';
  if (postgres && isPostgresUrl(connection)) return connection;
  const m = /^sqlite:\/\/\/(.*)$/.exec(connection);
  if (m && m[1]) return m[1];
  if (/^[a-z]+:\/\//.test(connection)) throw new ConfigError(`[${where}] connection: only sqlite is supported, got ${connection}`);
  return connection;
}

export function imageConfigFromIni(ini: IniFile): ImageConfig {
  const empty: Section = {};
  const d = ini.defaults;
  const auth = getSection(ini, 'auth') ?? empty;
  const store = getSection(ini, 'glance_store') ?? empty;
  const strategy = getString(auth, 'auth_strategy', 'tempauth');
  if (strategy !== 'tempauth' && strategy !== 'noauth2') throw new ConfigError(`[auth] auth_strategy must be tempauth or noauth2, got ${strategy}`);
  return {
    bindHost: getString(d, 'bind_host', '127.0.0.1'),
    bindPort: getInt(d, 'bind_port', 9292, 0),
    dbPath: sqlitePath(getString(getSection(ini, 'database') ?? empty, 'connection', 'sqlite:///images.sqlite'), 'database'),
    auth: {
      strategy,
      proxyUrl: getString(auth, 'proxy_url', 'http://127.0.0.1:8080'),
      adminProjects: listFromCsv(auth.admin_projects ?? 'admin'),
      resellerPrefix: getString(auth, 'reseller_prefix', 'AUTH'),
    },
    store: {
      authUrl: getString(store, 'swift_store_auth_address', 'http://127.0.0.1:8080/auth/v1.0'),
      user: getString(store, 'swift_store_user', ''),
      key: getString(store, 'swift_store_key', ''),
      container: getString(store, 'swift_store_container', 'glance'),
      largeObjectSize: getInt(store, 'swift_store_large_object_size', 5120, 1) * 1024 * 1024,
      largeObjectChunkSize: getInt(store, 'swift_store_large_object_chunk_size', 200, 1) * 1024 * 1024,
    },
    imageSizeCap: getInt(d, 'image_size_cap', 1099511627776, 1),
    computeDbPath: sqlitePath(getString(getSection(ini, 'compute') ?? empty, 'connection', ''), 'compute', true),
    logLevel: getString(d, 'log_level', 'info'),
    metricsBindIp: getString(d, 'metrics_bind_ip', getString(d, 'bind_host', '127.0.0.1')),
    metricsBindPort: d.metrics_bind_port ? getInt(d, 'metrics_bind_port', 0, 0) : undefined,
  };
}

export function readImageConfig(path: string): ImageConfig {
  return imageConfigFromIni(readIniFile(path));
}

/** The defaults with some fields replaced (tests, the all-in-one). */
export function imageConfig(overrides: Partial<ImageConfig> = {}): ImageConfig {
  return { ...imageConfigFromIni(parseIni('')), ...overrides };
}
