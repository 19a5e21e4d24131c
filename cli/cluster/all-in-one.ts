/**
 * `swiftly start [dir]`: the whole cluster on one machine — configs and
 * rings made on first start, then the proxy and every storage server as
 * child processes. Returns what a user needs to connect.
 */
import { join, resolve } from 'node:path';
import { readIniFile, getSection, getInt, getString } from '../../common/index.js';
import { clusterPaths, ensureClusterLayout, NODE_COUNT, STORAGE_KINDS, storagePort } from './layout.js';
import { Supervisor, type ChildSpec } from './supervisor.js';
import { startAllInOneCompute, type AllInOneCompute } from './compute.js';
import { dashboardChild } from './dashboard.js';

export interface AllInOneOptions {
  dir: string;
  bind: { host: string; port: number };
  onEvent?: (msg: string) => void;
  /** Also run the compute extension (API, scheduler, one worker). */
  compute?: { bind: { host: string; port: number }; imageBind?: { host: string; port: number }; driver?: string; networkNamespace?: string };
  /** On first start: encryption at rest in the proxy's pipeline, a new root secret in etc/keymaster.conf. */
  encryption?: boolean;
  /** Also run the web console (`swiftly dashboard`), at `bind` on first start (127.0.0.1:8090 by default). */
  dashboard?: { bind?: { host: string; port: number } };
  /** How long every server has to listen before the start fails [30 s]. */
  startTimeoutMs?: number;
}

export interface AllInOne {
  authUrl: string;
  /** `account:user` and key of the first tempauth user (the admin). */
  user: string;
  key: string;
  created: boolean;
  dir: string;
  /** Whether the proxy encrypts objects at rest (its pipeline has encryption). */
  encrypted: boolean;
  /** The S3 endpoint (the proxy's URL) when the proxy's pipeline has s3api; the key pair is `user` and `key`. */
  s3Url?: string;
  /** The compute API's URL when started with compute. */
  computeUrl?: string;
  /** The image API's URL when started with compute. */
  imageUrl?: string;
  /** The web console's URL, when started with it. */
  dashboardUrl?: string;
  /** The metadata service compute serves its guests, when started with compute (compute.conf's enabled_apis has metadata). */
  metadata?: { socketPath: string; guestUrl?: string; netns?: string; forwarderError?: string };
  /**
   * `/metrics` ports by server (`proxy-server`, `daemons`, `object-server-1`, …, `compute-api`, `scheduler`,
   * `compute`, `image-api`), as the configs set them (none in a cluster made before metrics); servers of one
   * process share a port.
   */
  metricsPorts: Record<string, number>;
  stop(): Promise<void>;
}

/** Parses `host:port` (IPv6 in brackets). */
export function parseBind(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value.trim());
  if (!m || Number(m[3]) > 65535) throw new Error(`--bind takes host:port, got ${JSON.stringify(value)}`);
  return { host: m[1] ?? m[2], port: Number(m[3]) };
}

/** Whether the proxy's pipeline runs the filter `egg:swift#<egg>` (an older cluster's config may not). */
function pipelineHas(proxyConf: string, egg: string): boolean {
  const ini = readIniFile(proxyConf);
  const names = (getSection(ini, 'pipeline:main')?.pipeline ?? '').split(/\s+/);
  return names.some((n) => (getSection(ini, `filter:${n}`)?.use ?? '').trim() === `egg:swift#${egg}`);
}

/** The first `user_<account>_<user>` line of tempauth: the admin. */
function firstTempauthUser(proxyConf: string): { user: string; key: string } {
  const section = getSection(readIniFile(proxyConf), 'filter:tempauth') ?? {};
  for (const [k, v] of Object.entries(section)) {
    const m = /^user_([^_]+)_(.+)$/.exec(k);
    if (m) return { user: `${m[1]}:${m[2]}`, key: v.split(/\s+/)[0] };
  }
  throw new Error(`no tempauth user in ${proxyConf}`);
}

export async function startAllInOne(options: AllInOneOptions): Promise<AllInOne> {
  const paths = clusterPaths(resolve(options.dir));
  const layout = ensureClusterLayout(paths, options.bind, undefined, { encryption: options.encryption, metrics: true });
  const proxy = getSection(readIniFile(paths.proxyConf), 'app:proxy-server') ?? {};
  const proxyHost = getString(proxy, 'bind_ip', options.bind.host);
  const proxyPort = getInt(proxy, 'bind_port', options.bind.port);
  const specs: ChildSpec[] = [];
  const reconHosts: string[] = [];
  const metricsPorts: Record<string, number> = {};
  const proxyMetrics = getInt(proxy, 'metrics_bind_port', 0);
  if (proxyMetrics) metricsPorts['proxy-server'] = proxyMetrics;
  for (let n = 1; n <= NODE_COUNT; n++) {
    for (const kind of STORAGE_KINDS) {
      const conf = paths.storageConf(kind, n);
      const ini = readIniFile(conf);
      const section = getSection(ini, `app:${kind}-server`) ?? {};
      if (section.metrics_bind_port) metricsPorts[`${kind}-server-${n}`] = getInt(section, 'metrics_bind_port', 0);
      const daemonMetrics = getSection(ini, `${kind}-replicator`)?.metrics_bind_port;
      if (daemonMetrics) metricsPorts.daemons = Number(daemonMetrics);
      const host = getString(section, 'bind_ip', '127.0.0.1');
      const port = getInt(section, 'bind_port', storagePort(kind, n));
      specs.push({ name: `${kind}-server-${n}`, args: ['server', kind, conf], host, port });
      reconHosts.push(`${host.includes(':') ? `[${host}]` : host}:${port}`);
    }
  }
  // Every node's consistency daemons in one child process (light on a laptop).
  specs.push({ name: 'daemons', args: ['daemons', ...STORAGE_KINDS.flatMap((kind) => Array.from({ length: NODE_COUNT }, (_, i) => paths.storageConf(kind, i + 1)))] });
  specs.push({ name: 'proxy-server', args: ['server', 'proxy', paths.proxyConf], host: proxyHost, port: proxyPort });
  const supervisor = new Supervisor(paths.log, options.onEvent);
  try {
    await supervisor.start(specs, options.startTimeoutMs);
  } catch (err) {
    await supervisor.stop(2000);
    throw err;
  }
  const admin = firstTempauthUser(paths.proxyConf);
  const shownHost = proxyHost === '0.0.0.0' ? '127.0.0.1' : proxyHost.includes(':') ? `[${proxyHost}]` : proxyHost;
  const proxyUrl = `http://${shownHost}:${proxyPort}`;
  let compute: AllInOneCompute | undefined;
  if (options.compute) {
    try {
      compute = await startAllInOneCompute({
        etcDir: paths.etc, dataDir: paths.dir, proxyUrl, bind: options.compute.bind, imageBind: options.compute.imageBind, driver: options.compute.driver,
        networkNamespace: options.compute.networkNamespace, admin,
        logFile: join(paths.log, 'compute.log'),
      });
    } catch (err) {
      await supervisor.stop(2000);
      throw err;
    }
  }
  if (compute) {
    const roles = compute.compute.metricsPorts;
    for (const [role, name] of [['api', 'compute-api'], ['scheduler', 'scheduler'], ['compute', 'compute']] as const) {
      if (roles[role] !== undefined) metricsPorts[name] = roles[role];
    }
    if (compute.images.metricsPort !== undefined) metricsPorts['image-api'] = compute.images.metricsPort;
  }
  const dashboard = options.dashboard && dashboardChild({
    etcDir: paths.etc, bind: options.dashboard.bind, proxyUrl, reconHosts, metricsPorts,
    computeUrl: compute?.compute.apiUrl, imageUrl: compute?.images.url,
  });
  if (dashboard) {
    try {
      await supervisor.start([dashboard.spec]);
    } catch (err) {
      await compute?.stop();
      await supervisor.stop(2000);
      throw err;
    }
  }
  return {
    authUrl: `${proxyUrl}/auth/v1.0`,
    user: admin.user,
    key: admin.key,
    created: layout.created,
    dir: paths.dir,
    s3Url: pipelineHas(paths.proxyConf, 's3api') ? proxyUrl : undefined,
    encrypted: pipelineHas(paths.proxyConf, 'encryption'),
    computeUrl: compute?.compute.apiUrl,
    imageUrl: compute?.images.url,
    dashboardUrl: dashboard?.url,
    metadata: compute?.compute.metadata,
    metricsPorts,
    stop: async () => {
      await compute?.stop();
      await supervisor.stop();
    },
  };
}
