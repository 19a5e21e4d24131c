/**
 * The compute part of `swiftly start --with-compute`: Nova- and Glance-style
 * configs written once under `<dir>/etc/` (`compute.conf`, `image-api.conf`;
 * operator-editable, like the rest), then the image API (Glance v2, data in
 * the object store's `glance` container of the admin account) and API +
 * scheduler + one compute worker + the volume service in this process, on the in-process bus
 * unless compute.conf names a `transport_url`, and the metadata service its
 * guests read (`enabled_apis = osapi_compute,metadata`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../common/index.js';
import { METRICS_PORTS } from './layout.js';
import {
  GlanceImageService, readComputeConfig, readImageConfig, startComputeServices, startImageService, type ComputeServices, type ImageServiceHandle,
} from '../../compute/index.js';

export interface ComputeStartOptions {
  etcDir: string;
  dataDir: string;
  /** The object store's proxy, for token checks. */
  proxyUrl: string;
  bind: { host: string; port: number };
  /** The image API's address (Glance's port 9292 by default). */
  imageBind?: { host: string; port: number };
  /** The object store's admin (tempauth `account:user` + key): the image store's account and compute's identity towards the image API. */
  admin: { user: string; key: string };
  driver?: string;
  /** `[network] network_namespace`: an existing network namespace for guest networks (none: this host's own). */
  networkNamespace?: string;
  /** Where the compute services log. */
  logFile: string;
}

export interface AllInOneCompute {
  compute: ComputeServices;
  images: ImageServiceHandle;
  stop(): Promise<void>;
}

const DEFAULT_IMAGE_BIND = { host: '127.0.0.1', port: 9292 };

function shownUrl(bind: { host: string; port: number }): string {
  const host = bind.host === '0.0.0.0' ? '127.0.0.1' : bind.host.includes(':') ? `[${bind.host}]` : bind.host;
  return `http://${host}:${bind.port}`;
}

export function ensureComputeConf(options: ComputeStartOptions): string {
  const path = join(options.etcDir, 'compute.conf');
  if (existsSync(path)) return path;
  writeFileSync(
    path,
    `[DEFAULT]
host = ${'aio-compute'}
# empty: in-process message bus; e.g. rabbit://guest:guest@127.0.0.1:5672/
transport_url =
compute_driver = ${options.driver ?? 'fake'}
# metadata: the compute worker serves its guests the metadata service (socket <networks_path>/metadata.sock;
# with libvirt, its forwarder at 169.254.169.254:80 in the guest networks' namespace)
enabled_apis = osapi_compute,metadata
osapi_compute_listen = ${options.bind.host}
osapi_compute_listen_port = ${options.bind.port}

[database]
connection = sqlite:///${join(options.dataDir, 'compute', 'state.sqlite')}

[auth]
auth_strategy = tempauth
proxy_url = ${options.proxyUrl}
admin_projects = admin

[glance]
# the image service; empty: a local image registry in the compute DB
api_servers = ${shownUrl(options.imageBind ?? DEFAULT_IMAGE_BIND)}
auth_url = ${options.proxyUrl}/auth/v1.0
user = ${options.admin.user}
key = ${options.admin.key}

[libvirt]
# compute_driver = libvirt (or swiftly start --compute-driver libvirt): real guests through virsh
# qemu (TCG) or kvm (used when /dev/kvm is usable)
virt_type = qemu
connection_uri = qemu:///system
instances_path = ${join(options.dataDir, 'compute', 'instances')}
shutdown_timeout = 60
wait_soft_reboot_seconds = 120

[network]
# nova-network (flat DHCP): add networks with swiftly compute network create, or set fixed_range
# floating_range = 172.24.4.0/24
networks_path = ${join(options.dataDir, 'compute', 'networks')}
# keep guest networks (bridges, dnsmasq, nftables, 169.254.169.254) out of this host's own namespace: ip netns add <name>
network_namespace = ${options.networkNamespace ?? ''}

[metrics]
# /metrics (Prometheus text) of each role; swiftly start runs them (and the
# image API) in one process, so they share one port and one set of metrics.
# Run as separate processes, give each role a port of its own.
bind_ip = 127.0.0.1
api_port = ${METRICS_PORTS.compute}
scheduler_port = ${METRICS_PORTS.compute}
compute_port = ${METRICS_PORTS.compute}
volume_port = ${METRICS_PORTS.compute}

[volume]
# the volume service (Cinder's v3 API at the compute API's /v3): volume-<id> files, raw (sparse) or qcow2
volumes_dir = ${join(options.dataDir, 'compute', 'volumes')}
volume_format = raw
`,
    { mode: 0o600 },
  );
  return path;
}

export function ensureImageConf(options: ComputeStartOptions): string {
  const path = join(options.etcDir, 'image-api.conf');
  if (existsSync(path)) return path;
  const bind = options.imageBind ?? DEFAULT_IMAGE_BIND;
  writeFileSync(
    path,
    `[DEFAULT]
bind_host = ${bind.host}
bind_port = ${bind.port}
# /metrics; the same port as compute.conf's [metrics]: swiftly start runs both in one process
metrics_bind_ip = 127.0.0.1
metrics_bind_port = ${METRICS_PORTS.compute}

[database]
connection = sqlite:///${join(options.dataDir, 'images', 'images.sqlite')}

[auth]
auth_strategy = tempauth
proxy_url = ${options.proxyUrl}
admin_projects = admin

[glance_store]
swift_store_auth_address = ${options.proxyUrl}/auth/v1.0
swift_store_user = ${options.admin.user}
swift_store_key = ${options.admin.key}
swift_store_container = glance
# MiB; a larger image (or one of unknown size) is stored as segments of
# swift_store_large_object_chunk_size MiB and a static large object manifest
swift_store_large_object_size = 5120
swift_store_large_object_chunk_size = 200

[compute]
# the compute DB: an image a server uses cannot be deleted (409)
connection = sqlite:///${join(options.dataDir, 'compute', 'state.sqlite')}
`,
    { mode: 0o600 },
  );
  return path;
}

export async function startAllInOneCompute(options: ComputeStartOptions): Promise<AllInOneCompute> {
  const read = readComputeConfig(ensureComputeConf(options));
  // A compute.conf written before volumes existed: its volumes under the data dir too.
  const config = /^\s*\[volume\]/m.test(readFileSync(ensureComputeConf(options), 'utf8'))
    ? read : { ...read, volume: { ...read.volume, volumesDir: join(options.dataDir, 'compute', 'volumes') } };
  const imageConfig = readImageConfig(ensureImageConf(options));
  const logger = createLogger({ name: 'swiftly-compute', level: config.logLevel, destination: options.logFile });
  const images = await startImageService({ config: imageConfig, logger: logger.child({ service: 'image-api' }) });
  let compute: ComputeServices;
  try {
    // compute reaches the image API just started, as the object store's admin (whatever an older compute.conf says).
    const client = new GlanceImageService({ url: images.url, credentials: { authUrl: `${options.proxyUrl}/auth/v1.0`, user: options.admin.user, key: options.admin.key } });
    const chosen = {
      ...config,
      ...(options.driver ? { computeDriver: options.driver } : {}),
      ...(options.networkNamespace !== undefined ? { network: { ...config.network, networkNamespace: options.networkNamespace } } : {}),
    };
    compute = await startComputeServices({ config: chosen, logger, images: client });
  } catch (err) {
    await images.stop();
    throw err;
  }
  return {
    compute, images,
    stop: async () => {
      await compute.stop();
      await images.stop();
    },
  };
}

