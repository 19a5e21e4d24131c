/**
 * The compute side's config files on bed hosts, as an operator writes them
 * for services on several hosts (README "Deploying on several machines"):
 *
 *   <root>/h<n>/etc/compute.conf     every compute host and the controller: host = h<n>,
 *                                    the broker at 127.0.0.1:5672 (broker-forward.ts),
 *                                    [database] the one PostgreSQL database
 *   <root>/h<n>/etc/image-api.conf   the controller: images in the bed's object store,
 *                                    [compute] connection = the same database (in-use check)
 *
 * The APIs bind 0.0.0.0 (each host is a namespace of its own); every host
 * reaches the controller at its net-A address.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { iniText } from '../../../cli/cluster/layout.js';
import type { BedHost } from './bed.js';
import { PROXY_PORT } from './host-config.js';
import { AMQP_PORT } from './broker-forward.js';

export const COMPUTE_API_PORT = 8774;
export const IMAGE_API_PORT = 9292;
/** The object store's admin, the user compute and the image service log in as. */
export const BED_ADMIN = { user: 'admin:admin', key: 'admin' };
/** The proxies' tempauth users: the reseller admin and a project (demo) whose user owns its account (.admin, as Swift's test:tester). */
export const BED_TEMPAUTH = { user_admin_admin: `${BED_ADMIN.key} .admin .reseller_admin`, user_demo_demo: 'demo .admin' };

/** The compute host name of bed host `n`: the name its compute.conf gives it (`host =`). */
export const computeHostName = (n: number): string => `h${n}`;

export interface ComputeTuning {
  /** `postgresql://…` of the compute database. */
  database: string;
  /** control_exchange: unique per run, so runs sharing the broker stay apart. */
  exchange: string;
  /** Seconds (Nova's report_interval / service_down_time). */
  reportInterval: number;
  serviceDownTime: number;
}

/** compute.conf of `host`, whose controller (API, scheduler, image API) is `controller`. */
export function computeConfText(host: BedHost, controller: BedHost, t: ComputeTuning): string {
  const proxy = `http://${controller.ip}:${PROXY_PORT}`;
  return iniText([
    ['DEFAULT', {
      host: computeHostName(host.n), transport_url: `rabbit://guest:guest@127.0.0.1:${AMQP_PORT}/`, control_exchange: t.exchange,
      rpc_response_timeout: 20, report_interval: t.reportInterval, service_down_time: t.serviceDownTime, periodic_interval: 2,
      compute_driver: 'fake', osapi_compute_listen: '0.0.0.0', osapi_compute_listen_port: COMPUTE_API_PORT, log_level: 'info',
    }],
    ['database', { connection: t.database }],
    ['auth', { auth_strategy: 'tempauth', proxy_url: proxy, admin_projects: 'admin' }],
    ['glance', { api_servers: `http://${controller.ip}:${IMAGE_API_PORT}`, auth_url: `${proxy}/auth/v1.0`, user: BED_ADMIN.user, key: BED_ADMIN.key }],
    ['fake', { vcpus: 8, memory_mb: 8192, local_gb: 100, time_scale: 0.05 }],
    ['network', { networks_path: join(host.paths.dir, 'compute-networks') }],
  ]);
}

/** image-api.conf of the controller: images in the bed's object store, the in-use check asked of the compute database. */
export function imageConfText(controller: BedHost, t: ComputeTuning): string {
  const proxy = `http://${controller.ip}:${PROXY_PORT}`;
  return iniText([
    ['DEFAULT', { bind_host: '0.0.0.0', bind_port: IMAGE_API_PORT, log_level: 'info' }],
    ['database', { connection: `sqlite:///${join(controller.paths.dir, 'images.sqlite')}` }],
    ['auth', { auth_strategy: 'tempauth', proxy_url: proxy, admin_projects: 'admin' }],
    ['glance_store', { swift_store_auth_address: `${proxy}/auth/v1.0`, swift_store_user: BED_ADMIN.user, swift_store_key: BED_ADMIN.key, swift_store_container: 'glance' }],
    ['compute', { connection: t.database }],
  ]);
}

/** Writes `compute.conf` (and on the controller `image-api.conf`) under the host's etc; returns their paths. */
export function writeComputeFiles(host: BedHost, controller: BedHost, t: ComputeTuning): { compute: string; image?: string } {
  const compute = join(host.paths.etc, 'compute.conf');
  writeFileSync(compute, computeConfText(host, controller, t));
  if (host.n !== controller.n) return { compute };
  const image = join(host.paths.etc, 'image-api.conf');
  writeFileSync(image, imageConfText(controller, t));
  return { compute, image };
}
