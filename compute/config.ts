/**
 * compute's configuration, one typed object parsed from a Nova-style INI
 * file (option names are Nova's where Nova has one), every default here.
 *
 * ```ini
 * [DEFAULT]
 * host = compute1
 * transport_url = rabbit://guest:guest@127.0.0.1:5672/   ; empty: in-process bus
 * control_exchange = swiftly
 * rpc_response_timeout = 60
 * report_interval = 10
 * service_down_time = 60
 * compute_driver = fake
 * enabled_apis = osapi_compute      ; add metadata: the compute host serves the metadata service to its guests (see [network])
 * osapi_compute_listen = 127.0.0.1
 * osapi_compute_listen_port = 8774
 * cpu_allocation_ratio = 4.0
 * ram_allocation_ratio = 1.0
 * disk_allocation_ratio = 1.0
 * allow_resize_to_same_host = true
 * [database]
 * connection = sqlite:////var/lib/swiftly/compute.sqlite
 * ; or, for services on several hosts: postgresql://user:password@dbhost:5432/compute
 * ; (or postgresql://user@/compute?host=/var/run/postgresql: the unix socket)
 * [auth]
 * auth_strategy = tempauth        ; or noauth2 (token "user:project")
 * proxy_url = http://127.0.0.1:8080
 * admin_projects = admin
 * [glance]
 * ; the image service (Glance v2); empty: a local image registry in the compute DB
 * api_servers = http://127.0.0.1:9292
 * ; compute's own credentials for it (tempauth; an admin sees every image)
 * auth_url = http://127.0.0.1:8080/auth/v1.0
 * user = admin:admin
 * key = secret
 * [filter_scheduler]
 * enabled_filters = ComputeFilter,AvailabilityZoneFilter,RamFilter,CoreFilter,DiskFilter,ImagePropertiesFilter
 * ram_weight_multiplier = 1.0
 * cpu_weight_multiplier = 1.0
 * num_instances_weight_multiplier = -1.0
 * max_attempts = 3
 * [fake]
 * vcpus = 8
 * memory_mb = 16384
 * local_gb = 200
 * cpu_arch = x86_64
 * time_scale = 1.0
 * [libvirt]
 * ; compute_driver = libvirt: real guests through virsh (needs [glance] api_servers for image data)
 * virt_type = qemu                 ; qemu (TCG) or kvm (used when /dev/kvm is usable, else qemu)
 * connection_uri = qemu:///system  ; test:///default: libvirt's test driver (one long-lived virsh)
 * instances_path = /var/lib/swiftly/instances   ; <uuid>/ per guest, _base/ the image cache
 * shutdown_timeout = 60            ; seconds a clean (ACPI) power-off may take before the guest is destroyed
 * wait_soft_reboot_seconds = 120   ; seconds a SOFT reboot waits for the guest to stop before resetting it
 * virsh_timeout = 60               ; seconds one virsh command may take
 * [network]
 * ; nova-network (flat DHCP); every option may be left out
 * fixed_range = 10.0.0.0/24        ; a network made at start if none has this CIDR (empty: none; admins add more with os-networks)
 * network_label = private          ; its label (the key of `addresses` in the server view)
 * flat_network_bridge = br100      ; its bridge on each compute host
 * flat_network_dns = 8.8.4.4       ; DNS servers DHCP hands out (comma-separated)
 * floating_range = 172.24.4.0/24   ; the default floating pool's addresses (empty: no pool)
 * default_floating_pool = nova
 * allow_same_net_traffic = true    ; guests on one network reach each other whatever their security groups say
 * ; the Linux data plane (compute_driver = libvirt): bridges, dnsmasq, nftables
 * networks_path = /var/lib/swiftly/networks   ; dnsmasq's pid, leases, hosts and log files
 * public_interface =               ; where floating addresses are added as /32s (empty: none)
 * dhcp_lease_time = 86400          ; seconds
 * network_namespace =              ; a network namespace (which must exist) for all of it; guests get unmanaged taps moved there (empty: the host's own)
 * [volume]
 * ; the volume service (swiftly compute volume-service, or the all-in-one)
 * volumes_dir = /var/lib/swiftly/volumes   ; volume-<id> files (Cinder's volumes_dir)
 * volume_format = raw              ; raw (sparse) or qcow2 files for new volumes
 * ; volumes attached to guests on other hosts: exported with qemu-nbd (no authentication: a storage network only)
 * target_ip_address =               ; the address exports listen on, this host's storage IP (Cinder's name; empty: no exports, every host gets the file's path)
 * nbd_port_range = 10809-10908     ; one port per exported volume, from this range
 * network_namespace =              ; a network namespace (which must exist) the exports listen in (empty: the host's own)
 * [backup]
 * ; volume backups into the object store, as Cinder's Swift backup driver (Cinder's option names and defaults)
 * backup_swift_url =                ; storage URL up to the project (empty: <[auth] proxy_url>/v1/<reseller_prefix>_)
 * backup_swift_container = volumebackups
 * backup_swift_object_size = 52428800   ; bytes per object of a full backup
 * backup_swift_block_size = 32768       ; bytes per sha256 that incremental backups compare
 * backup_compression_algorithm = zlib   ; zlib or none
 * ```
 */
import { hostname } from 'node:os';
import { isIP, isIPv4 } from 'node:net';
import {
  ConfigError, getBool, getFloat, getInt, getSection, getString, listFromCsv, parseIni, readIniFile, type IniFile, type Section,
} from '../common/index.js';
import { DEFAULT_NETWORK_CONFIG, type NetworkConfig } from './network/network-service.js';
import { isPostgresUrl } from './db/index.js';

export interface ComputeConfig {
  host: string;
  transportUrl: string;
  controlExchange: string;
  rpcResponseTimeoutMs: number;
  reportIntervalMs: number;
  serviceDownTimeMs: number;
  computeDriver: string;
  /**
   * Nova's `enabled_apis`; swiftly reads only whether `metadata` is in it:
   * then the compute worker serves its guests the metadata service (a unix
   * socket `<networks_path>/metadata.sock`, and with the Linux data plane the
   * forwarder at 169.254.169.254:80 in its namespace). Default
   * `osapi_compute` (Nova's adds metadata).
   */
  enabledApis: string[];
  apiListen: string;
  apiPort: number;
  ratios: { cpu: number; ram: number; disk: number };
  allowResizeToSameHost: boolean;
  /** `[database] connection`: the SQLite file, or a `postgresql://` URL. */
  dbPath: string;
  auth: { strategy: 'tempauth' | 'noauth2'; proxyUrl: string; adminProjects: string[]; resellerPrefix: string };
  /** The image service; `apiServer` empty: LocalImageService. */
  glance: { apiServer: string; authUrl: string; user: string; key: string };
  scheduler: { enabledFilters: string[]; ram: number; cpu: number; numInstances: number; maxAttempts: number };
  fake: { vcpus: number; memoryMb: number; localGb: number; cpuArch: string; timeScale: number };
  libvirt: LibvirtConfig;
  network: NetworkConfig;
  /** `[volume]`: the volume service's files, and its NBD exports to other hosts (`targetIpAddress` set). */
  volume: { volumesDir: string; format: 'raw' | 'qcow2'; targetIpAddress?: string; nbdPortRange?: [number, number]; networkNamespace?: string };
  /** `[backup]`: volume backups in the object store (Cinder's backup_swift_* options). */
  backup: { swiftUrl: string; container: string; objectSize: number; blockSize: number; compression: 'zlib' | 'none' };
  logLevel: string;
  /**
   * `[metrics]`: where each role's process serves /metrics (`api_port`,
   * `scheduler_port` (with the conductor), `compute_port`; unset: none), on
   * `bind_ip`. One port per role, as the roles run as separate processes
   * from one compute.conf.
   */
  metrics: { bindIp: string; ports: { api?: number; scheduler?: number; compute?: number; volume?: number } };
  /** Periodic task intervals of the compute manager. */
  periodicIntervalMs: number;
}

export interface LibvirtConfig {
  virtType: 'qemu' | 'kvm';
  connectionUri: string;
  instancesPath: string;
  shutdownTimeoutMs: number;
  softRebootTimeoutMs: number;
  virshTimeoutMs: number;
}

export const DEFAULT_FILTERS = ['ComputeFilter', 'AvailabilityZoneFilter', 'RamFilter', 'CoreFilter', 'DiskFilter', 'ImagePropertiesFilter'];

/** `sqlite:////abs/path`, `sqlite:///rel/path` or a plain path; a `postgresql://` URL as it is. */
function dbPathFrom(connection: string): string {
  if (isPostgresUrl(connection)) return connection;
  if (!connection.startsWith('sqlite:')) {
    if (/^[a-z]+:\/\//.test(connection)) throw new ConfigError(`[database] connection: sqlite:// or postgresql:// only, got ${connection}`);
    return connection;
  }
  const m = /^sqlite:\/\/\/(.*)$/.exec(connection);
  if (!m || !m[1]) throw new ConfigError(`[database] connection: cannot read a path from ${connection}`);
  return m[1];
}

export function computeConfigFromIni(ini: IniFile): ComputeConfig {
  const empty: Section = {};
  const d: Section = ini.defaults;
  const db = getSection(ini, 'database') ?? empty;
  const auth = getSection(ini, 'auth') ?? empty;
  const fs = getSection(ini, 'filter_scheduler') ?? empty;
  const fake = getSection(ini, 'fake') ?? empty;
  const glance = getSection(ini, 'glance') ?? empty;
  const libvirt = getSection(ini, 'libvirt') ?? empty;
  const network = getSection(ini, 'network') ?? empty;
  const nd = DEFAULT_NETWORK_CONFIG;
  const dns = network.flat_network_dns === undefined ? nd.dns : listFromCsv(network.flat_network_dns);
  for (const a of dns) if (!isIPv4(a)) throw new ConfigError(`[network] flat_network_dns: ${a} is not an IPv4 address`);
  const metrics = getSection(ini, 'metrics') ?? empty;
  const port = (key: string): number | undefined => (metrics[key] ? getInt(metrics, key, 0, 0) : undefined);
  const virtType = getString(libvirt, 'virt_type', 'qemu');
  if (virtType !== 'qemu' && virtType !== 'kvm') throw new ConfigError(`[libvirt] virt_type must be qemu or kvm, got ${virtType}`);
  const strategy = getString(auth, 'auth_strategy', 'tempauth');
  if (strategy !== 'tempauth' && strategy !== 'noauth2') throw new ConfigError(`[auth] auth_strategy must be tempauth or noauth2, got ${strategy}`);
  const driver = getString(d, 'compute_driver', 'fake');
  const volume = getSection(ini, 'volume') ?? empty;
  const volumeFormat = getString(volume, 'volume_format', 'raw');
  const backup = getSection(ini, 'backup') ?? empty;
  const compression = getString(backup, 'backup_compression_algorithm', 'zlib');
  if (compression !== 'zlib' && compression !== 'none') throw new ConfigError(`[backup] backup_compression_algorithm must be zlib or none, got ${compression}`);
  const blockSize = getInt(backup, 'backup_swift_block_size', 32768, 512);
  const objectSize = getInt(backup, 'backup_swift_object_size', 52428800, 1);
  if (objectSize % blockSize !== 0) throw new ConfigError(`[backup] backup_swift_object_size (${objectSize}) must be a multiple of backup_swift_block_size (${blockSize})`);
  const proxyUrl = getString(auth, 'proxy_url', 'http://127.0.0.1:8080');
  if (volumeFormat !== 'raw' && volumeFormat !== 'qcow2') throw new ConfigError(`[volume] volume_format must be raw or qcow2, got ${volumeFormat}`);
  const targetIp = getString(volume, 'target_ip_address', '');
  if (targetIp && !isIP(targetIp)) throw new ConfigError(`[volume] target_ip_address must be an IP address, got ${targetIp}`);
  const range = /^(\d+)-(\d+)$/.exec(getString(volume, 'nbd_port_range', '10809-10908'));
  const nbdPortRange: [number, number] = range ? [Number(range[1]), Number(range[2])] : [0, -1];
  if (!(nbdPortRange[0] >= 1 && nbdPortRange[0] <= nbdPortRange[1] && nbdPortRange[1] <= 65535)) {
    throw new ConfigError(`[volume] nbd_port_range must be <first>-<last> ports, got ${volume.nbd_port_range}`);
  }
  return {
    host: getString(d, 'host', hostname()),
    transportUrl: getString(d, 'transport_url', ''),
    controlExchange: getString(d, 'control_exchange', 'swiftly'),
    rpcResponseTimeoutMs: getFloat(d, 'rpc_response_timeout', 60, 0.01) * 1000,
    reportIntervalMs: getFloat(d, 'report_interval', 10, 0.01) * 1000,
    serviceDownTimeMs: getFloat(d, 'service_down_time', 60, 0.01) * 1000,
    computeDriver: driver,
    enabledApis: listFromCsv(d.enabled_apis ?? 'osapi_compute'),
    apiListen: getString(d, 'osapi_compute_listen', '127.0.0.1'),
    apiPort: getInt(d, 'osapi_compute_listen_port', 8774, 0),
    ratios: {
      cpu: getFloat(d, 'cpu_allocation_ratio', 4.0, 0),
      ram: getFloat(d, 'ram_allocation_ratio', 1.0, 0),
      disk: getFloat(d, 'disk_allocation_ratio', 1.0, 0),
    },
    allowResizeToSameHost: getBool(d, 'allow_resize_to_same_host', true),
    dbPath: dbPathFrom(getString(db, 'connection', 'sqlite:///compute.sqlite')),
    auth: {
      strategy,
      proxyUrl: getString(auth, 'proxy_url', 'http://127.0.0.1:8080'),
      adminProjects: listFromCsv(auth.admin_projects ?? 'admin'),
      resellerPrefix: getString(auth, 'reseller_prefix', 'AUTH'),
    },
    glance: {
      apiServer: listFromCsv(glance.api_servers ?? '')[0] ?? '',
      authUrl: getString(glance, 'auth_url', ''),
      user: getString(glance, 'user', ''),
      key: getString(glance, 'key', ''),
    },
    scheduler: {
      enabledFilters: fs.enabled_filters ? listFromCsv(fs.enabled_filters) : DEFAULT_FILTERS,
      ram: getFloat(fs, 'ram_weight_multiplier', 1.0),
      cpu: getFloat(fs, 'cpu_weight_multiplier', 1.0),
      numInstances: getFloat(fs, 'num_instances_weight_multiplier', -1.0),
      maxAttempts: getInt(fs, 'max_attempts', 3, 1),
    },
    fake: {
      vcpus: getInt(fake, 'vcpus', 8, 1),
      memoryMb: getInt(fake, 'memory_mb', 16384, 1),
      localGb: getInt(fake, 'local_gb', 200, 1),
      cpuArch: getString(fake, 'cpu_arch', 'x86_64'),
      timeScale: getFloat(fake, 'time_scale', 1.0, 0),
    },
    libvirt: {
      virtType,
      connectionUri: getString(libvirt, 'connection_uri', 'qemu:///system'),
      instancesPath: getString(libvirt, 'instances_path', getString(d, 'instances_path', '/var/lib/swiftly/instances')),
      shutdownTimeoutMs: getFloat(libvirt, 'shutdown_timeout', getFloat(d, 'shutdown_timeout', 60, 0), 0) * 1000,
      softRebootTimeoutMs: getFloat(libvirt, 'wait_soft_reboot_seconds', 120, 0) * 1000,
      virshTimeoutMs: getFloat(libvirt, 'virsh_timeout', 60, 0.01) * 1000,
    },
    network: {
      fixedRange: getString(network, 'fixed_range', nd.fixedRange),
      networkLabel: getString(network, 'network_label', nd.networkLabel),
      bridge: getString(network, 'flat_network_bridge', nd.bridge),
      dns,
      floatingRange: getString(network, 'floating_range', nd.floatingRange),
      defaultFloatingPool: getString(network, 'default_floating_pool', nd.defaultFloatingPool),
      allowSameNetTraffic: getBool(network, 'allow_same_net_traffic', nd.allowSameNetTraffic),
      networksPath: getString(network, 'networks_path', nd.networksPath),
      publicInterface: getString(network, 'public_interface', nd.publicInterface),
      dhcpLeaseTimeSec: getInt(network, 'dhcp_lease_time', nd.dhcpLeaseTimeSec, 1),
      networkNamespace: getString(network, 'network_namespace', nd.networkNamespace),
    },
    volume: {
      volumesDir: getString(volume, 'volumes_dir', '/var/lib/swiftly/volumes'), format: volumeFormat,
      targetIpAddress: targetIp, nbdPortRange, networkNamespace: getString(volume, 'network_namespace', ''),
    },
    backup: {
      swiftUrl: getString(backup, 'backup_swift_url', '') || `${proxyUrl.replace(/\/$/, '')}/v1/${getString(auth, 'reseller_prefix', 'AUTH')}_`,
      container: getString(backup, 'backup_swift_container', 'volumebackups'),
      objectSize, blockSize, compression,
    },
    logLevel: getString(d, 'log_level', 'info'),
    metrics: {
      bindIp: getString(metrics, 'bind_ip', '127.0.0.1'),
      ports: { api: port('api_port'), scheduler: port('scheduler_port'), compute: port('compute_port'), volume: port('volume_port') },
    },
    periodicIntervalMs: getFloat(d, 'periodic_interval', 10, 0.01) * 1000,
  };
}

export function readComputeConfig(path: string): ComputeConfig {
  return computeConfigFromIni(readIniFile(path));
}

/** The defaults, with some fields replaced (tests, the all-in-one). */
export function computeConfig(overrides: Partial<ComputeConfig> = {}): ComputeConfig {
  return { ...computeConfigFromIni(parseIni('')), ...overrides };
}
