/**
 * Starting compute's services: the API, the scheduler (with the conductor's
 * build/migrate tasks beside it, as one binary), a compute worker and a
 * volume service —
 * together in one process (the all-in-one) or one per process from a
 * config file (`swiftly compute api|scheduler|compute <conf>`).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createLogger, httpMetrics, openSharedMetricsServer, type Logger, type MetricsServer } from '../common/index.js';
import { createComputeApiApp } from './api/app.js';
import { HttpTokenValidator, NoAuthValidator, type TokenValidator } from './api/auth.js';
import { ComputeApiService } from './api/compute-api.js';
import { BootVolumes } from './api/boot-volume-api.js';
import { NetworkApiService } from './api/network-api.js';
import { VolumeAttachService } from './api/volume-attach-api.js';
import { DbMetadataLookup, metadataSourceOf, startGuestMetadata, type GuestMetadata } from './metadata/index.js';
import { computeConfig, readComputeConfig, type ComputeConfig } from './config.js';
import { ConductorManager } from './conductor/conductor-manager.js';
import { openComputeDb, type ComputeDb } from './db/index.js';
import { FakeDriver, LibvirtDriver, type HypervisorDriver } from './driver/index.js';
import { GlanceImageService, LocalImageService, type ImageService } from './image/index.js';
import { ComputeManager } from './manager/compute-manager.js';
import { HostNetworking, NetworkService, NoNetworkDriver, RecordingNetworkDriver, type NetworkDriver } from './network/index.js';
import { LinuxNetworkDriver } from './network/linux/index.js';
import { createTransport, type Transport } from './rpc/index.js';
import { COMPUTE_TOPIC, ComputeApi, CONDUCTOR_TOPIC, ConductorApi, SCHEDULER_TOPIC, SchedulerApi } from './rpcapi.js';
import { filtersByName } from './scheduler/filters.js';
import { SchedulerManager } from './scheduler/scheduler-manager.js';
import { Service } from './service/index.js';
import {
  FileVolumeBackend, NbdExports, SqlVolumeStore, VolumeApiService, VolumeManager, VolumeRpcApi, VOLUME_BINARY, VOLUME_TOPIC, type VolumeStore,
  BackupApiService, BackupManager, FileSnapshots, SnapshotApiService, SnapshotManager, SqlBackupStore, SqlSnapshotStore, VolumeRawFiles,
} from './volume/index.js';

export type ComputeRole = 'api' | 'scheduler' | 'compute' | 'volume';

export interface StartComputeOptions {
  /** Replaces defaults; `dbPath` should be set (the SQLite file, or a `postgresql://` URL). */
  config?: Partial<ComputeConfig>;
  /** Which services to run here (all four by default). */
  run?: readonly ComputeRole[];
  logger?: Logger;
  /** A transport to share (tests); otherwise made from `config.transportUrl`. */
  transport?: Transport;
  /** The compute worker's driver; otherwise from `config.computeDriver`. */
  driver?: HypervisorDriver;
  /** The compute worker's network data plane; otherwise from the hypervisor driver's type (`networkDriverFor`). */
  networkDriver?: NetworkDriver;
  validator?: TokenValidator;
  images?: ImageService;
}

export interface ComputeServices {
  config: ComputeConfig;
  /** `http://host:port` of the API, when it runs here. */
  apiUrl?: string;
  api?: FastifyInstance;
  services: Service[];
  transport: Transport;
  db: ComputeDb;
  driver?: HypervisorDriver;
  /** The compute worker's network data plane, when it has one. */
  networkDriver?: NetworkDriver;
  /** The volume rows (every role has them: the API shows attachments, the compute worker attaches). */
  volumes: VolumeStore;
  /** The volume service's manager, when it runs here. */
  volumeManager?: VolumeManager;
  /** The metadata service the compute worker serves its guests (`enabled_apis` has `metadata`). */
  metadata?: GuestMetadata;
  /** The /metrics port of each role run here whose `[metrics] <role>_port` is set. */
  metricsPorts: Partial<Record<ComputeRole, number>>;
  /** Stop consuming, finish running work, close the API, the bus and the DB. */
  stop(): Promise<void>;
}

function makeDriver(config: ComputeConfig, images: ImageService, logger: Logger, network: NetworkService): HypervisorDriver {
  if (config.computeDriver === 'fake') {
    const f = config.fake;
    return new FakeDriver({ vcpus: f.vcpus, memoryMb: f.memoryMb, localGb: f.localGb, cpuArch: f.cpuArch, timeScale: f.timeScale });
  }
  if (config.computeDriver === 'libvirt') {
    if (!(images instanceof GlanceImageService)) throw new Error('compute_driver = libvirt needs the image service for image data: set [glance] api_servers');
    const l = config.libvirt;
    return new LibvirtDriver({
      images, connectionUri: l.connectionUri, virtType: l.virtType, instancesPath: l.instancesPath, shutdownTimeoutMs: l.shutdownTimeoutMs,
      softRebootTimeoutMs: l.softRebootTimeoutMs, virshTimeoutMs: l.virshTimeoutMs, networkNamespace: config.network.networkNamespace || undefined,
      logger: logger.child({ driver: 'libvirt' }), metadataSource: (instance) => metadataSourceOf(network, instance),
    });
  }
  throw new Error(`compute_driver ${config.computeDriver} is not available (known: fake, libvirt)`);
}

/**
 * A compute host's network data plane: the recording one beside the fake
 * hypervisor, the Linux one (bridges, dnsmasq, nftables; `[network]`
 * networks_path, public_interface, dhcp_lease_time) beside libvirt, and
 * for any other a driver that refuses to plug a server into a network.
 */
export function networkDriverFor(config: ComputeConfig, hypervisorType: string, logger: Logger): NetworkDriver {
  if (hypervisorType === 'fake') return new RecordingNetworkDriver();
  if (hypervisorType === 'libvirt') {
    const n = config.network;
    return new LinuxNetworkDriver({
      stateDir: n.networksPath, publicInterface: n.publicInterface || undefined, dhcpLeaseTimeSec: n.dhcpLeaseTimeSec,
      netns: n.networkNamespace || undefined,
      logger: logger.child({ network: 'linux' }),
    });
  }
  return new NoNetworkDriver(config.host);
}

/** The image service's client when `[glance] api_servers` names one, else the local registry. */
function makeImages(config: ComputeConfig, db: ComputeDb): ImageService {
  const g = config.glance;
  if (!g.apiServer) return new LocalImageService(db);
  if (!g.authUrl || !g.user) throw new Error('[glance] api_servers needs auth_url, user and key (compute\'s credentials for the image service)');
  return new GlanceImageService({ url: g.apiServer, credentials: { authUrl: g.authUrl, user: g.user, key: g.key } });
}

function makeValidator(config: ComputeConfig): TokenValidator {
  if (config.auth.strategy === 'noauth2') return new NoAuthValidator();
  return new HttpTokenValidator({ proxyUrl: config.auth.proxyUrl, adminProjects: config.auth.adminProjects, resellerPrefix: config.auth.resellerPrefix });
}

/** Start the chosen compute services in this process. The all-in-one `swiftly start --with-compute` calls this. */
export async function startComputeServices(options: StartComputeOptions = {}): Promise<ComputeServices> {
  const config = computeConfig(options.config);
  const logger = options.logger ?? createLogger({ name: 'swiftly-compute', level: config.logLevel });
  const run = new Set<ComputeRole>(options.run ?? ['api', 'scheduler', 'compute', 'volume']);
  const db = await openComputeDb(config.dbPath);
  const transport = options.transport ?? createTransport(config.transportUrl, { logger, exchange: config.controlExchange });
  const ownsTransport = !options.transport;
  const images = options.images ?? makeImages(config, db);
  const timeout = config.rpcResponseTimeoutMs;
  const conductorApi = new ConductorApi(transport, timeout);
  const computeApi = new ComputeApi(transport, timeout);
  const schedulerApi = new SchedulerApi(transport, timeout);
  const volumeRpc = new VolumeRpcApi(transport, timeout);
  const volumes = new SqlVolumeStore(db.sql);
  const snapshots = new SqlSnapshotStore(db.sql);
  const backups = new SqlBackupStore(db.sql);
  let volumeManager: VolumeManager | undefined;
  const common = { db, transport, logger, reportIntervalMs: config.reportIntervalMs };
  const services: Service[] = [];
  let driver: HypervisorDriver | undefined;
  let networkDriver: NetworkDriver | undefined;
  let metadata: GuestMetadata | undefined;
  const network = new NetworkService(db.sql, config.network);
  let api: FastifyInstance | undefined;
  let apiUrl: string | undefined;
  const metricsServers: MetricsServer[] = [];
  const metricsPorts: Partial<Record<ComputeRole, number>> = {};

  const stop = async () => {
    for (const m of metricsServers) await m.close();
    await api?.close();
    for (const s of [...services].reverse()) await s.stop();
    await metadata?.close();
    if (driver && driver !== options.driver) await driver.close?.();
    if (ownsTransport) await transport.close();
    await db.close();
  };

  try {
    if (run.has('scheduler')) {
      const scheduler = new SchedulerManager({
        db, logger, filters: filtersByName(config.scheduler.enabledFilters), ratios: config.ratios,
        weighers: { ram: config.scheduler.ram, cpu: config.scheduler.cpu, numInstances: config.scheduler.numInstances },
        serviceDownTimeMs: config.serviceDownTimeMs,
      });
      const conductor = new ConductorManager({
        db, logger, scheduler: schedulerApi, compute: computeApi,
        maxAttempts: config.scheduler.maxAttempts, allowResizeToSameHost: config.allowResizeToSameHost,
        serviceDownTimeMs: config.serviceDownTimeMs, reapIntervalMs: config.periodicIntervalMs,
      });
      services.push(new Service({ ...common, binary: 'swiftly-scheduler', topic: SCHEDULER_TOPIC, host: config.host, manager: scheduler }));
      services.push(new Service({ ...common, binary: 'swiftly-conductor', topic: CONDUCTOR_TOPIC, host: config.host, manager: conductor }));
    }
    if (run.has('compute')) {
      driver = options.driver ?? makeDriver(config, images, logger, network);
      networkDriver = options.networkDriver ?? networkDriverFor(config, driver.type, logger);
      const manager = new ComputeManager({
        host: config.host, db, driver, images, conductor: conductorApi, compute: computeApi, logger, ratios: config.ratios,
        network: new HostNetworking(network, networkDriver), volumes: { store: volumes, rpc: volumeRpc },
        resourceIntervalMs: config.periodicIntervalMs, syncPowerStateIntervalMs: config.periodicIntervalMs,
      });
      services.push(new Service({ ...common, binary: 'swiftly-compute', topic: COMPUTE_TOPIC, host: config.host, manager }));
      if (config.enabledApis.includes('metadata')) {
        mkdirSync(config.network.networksPath, { recursive: true });
        metadata = await startGuestMetadata({
          lookup: new DbMetadataLookup(db, network), socketPath: join(config.network.networksPath, 'metadata.sock'),
          // Guests reach 169.254.169.254 through a data plane of ours only: the Linux one.
          forwarder: networkDriver instanceof LinuxNetworkDriver, netns: config.network.networkNamespace || undefined,
          logger: logger.child({ service: 'metadata' }),
        });
      }
    }
    if (run.has('volume')) {
      const backend = new FileVolumeBackend(config.volume.volumesDir);
      const files = new FileSnapshots(backend);
      const snapshotManager = new SnapshotManager({ volumes, snapshots, files, logger, host: config.host, compute: computeApi });
      const backupManager = new BackupManager({
        volumes, backend, backups, raw: new VolumeRawFiles(backend, files, config.volume.volumesDir), logger,
        config: { objectSize: config.backup.objectSize, blockSize: config.backup.blockSize, compression: config.backup.compression, availabilityZone: 'nova' },
      });
      const v = config.volume;
      const exports = v.targetIpAddress ? new NbdExports({
        bindHost: v.targetIpAddress, ports: v.nbdPortRange ?? [10809, 10908], netns: v.networkNamespace || undefined, stateDir: join(v.volumesDir, 'nbd'),
      }) : undefined;
      volumeManager = new VolumeManager({
        host: config.host, store: volumes, backend, images, logger, scratchDir: config.volume.volumesDir, exports,
        snapshots: snapshotManager.source(), methods: { ...snapshotManager.methods, ...backupManager.methods },
      });
      mkdirSync(config.volume.volumesDir, { recursive: true });
      services.push(new Service({ ...common, binary: VOLUME_BINARY, topic: VOLUME_TOPIC, host: config.host, manager: volumeManager }));
    }
    for (const s of services) await s.start();
    if (run.has('api')) {
      await network.ensureConfigured();
      const networkApi = new NetworkApiService({ db, network, compute: computeApi, logger, natTimeoutMs: config.rpcResponseTimeoutMs });
      const snapshotApi = new SnapshotApiService(volumes, snapshots, transport);
      const backupApi = new BackupApiService({
        volumes, snapshots, backups, transport, container: config.backup.container, swiftUrl: config.backup.swiftUrl, volumeFormat: config.volume.format,
      });
      const volumeApi = new VolumeApiService({
        store: volumes, rpc: volumeRpc, services: db, format: config.volume.format, serviceDownTimeMs: config.serviceDownTimeMs, logger,
        snapshots: { get: (ctx, id) => snapshotApi.directoryGet(ctx, id), countFor: (id) => snapshotApi.countFor(id) },
      });
      const service = new ComputeApiService({
        db, images, network, conductor: conductorApi, compute: computeApi, logger, serviceDownTimeMs: config.serviceDownTimeMs,
        bootVolumes: new BootVolumes({ api: volumeApi, rpc: volumeRpc }, logger),
      });
      const volumeAttach = new VolumeAttachService({ volumes: volumeApi, rpc: volumeRpc, compute: computeApi, logger, timeoutMs: config.rpcResponseTimeoutMs });
      api = createComputeApiApp({ service, db, images, network, networkApi, volumeApi, volumeAttach, snapshotApi, backupApi, validator: options.validator ?? makeValidator(config), logger, serviceDownTimeMs: config.serviceDownTimeMs });
      const http = httpMetrics('compute-api');
      api.server.on('request', (req, res) => http.observe(req, res));
      await api.listen({ host: config.apiListen, port: config.apiPort });
      const addr = api.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.apiPort;
      const host = config.apiListen.includes(':') ? `[${config.apiListen}]` : config.apiListen;
      apiUrl = `http://${host}:${port}`;
      logger.info({ url: `${apiUrl}/v2.1` }, 'compute API listening');
    }
    // Roles run together share one registry, and one server per distinct port (with whatever else in this process names it).
    for (const role of run) {
      const port = config.metrics.ports[role];
      if (port === undefined) continue;
      const server = await openSharedMetricsServer({ host: config.metrics.bindIp, port });
      metricsServers.push(server);
      metricsPorts[role] = server.port;
    }
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  return { config, apiUrl, api, services, transport, db, driver, networkDriver, metadata, volumes, volumeManager, metricsPorts, stop };
}

/** Run one role from a config file until SIGINT/SIGTERM (the `swiftly compute …` commands). */
export async function runComputeService(role: ComputeRole, confPath: string): Promise<ComputeServices> {
  const config = readComputeConfig(confPath);
  const running = await startComputeServices({ config, run: [role] });
  const shutdown = () => {
    void running.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return running;
}
