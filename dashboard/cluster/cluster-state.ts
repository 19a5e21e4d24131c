/**
 * What the cluster view shows, put together from the public APIs: the rings
 * (as the daemons' /metrics show them), every storage server's /recon, the
 * proxy's error-limited nodes and each server's request rate and latency
 * over the last hour (the sampler's history of /metrics).
 */
import type { MetricsSampler, RatePoint } from './metrics-sampler.js';
import { ratesOf } from './metrics-sampler.js';
import { pollServer, type ServerKind, type ServerStatus } from './recon-poll.js';

export interface RingDeviceView {
  id: number;
  region: number;
  zone: number;
  ip: string;
  port: number;
  device: string;
  weight: number;
  partitions: number;
  balance: number;
}

export interface RingView {
  name: string;
  partPower: number;
  replicas: number;
  balance: number;
  dispersion: number;
  devices: RingDeviceView[];
}

export interface ClusterState {
  at: number;
  rings: RingView[];
  servers: ServerStatus[];
  /** `ip:port/device` the proxy skips now, with how many of its workers skip it. */
  errorLimited: { proxy: string; node: string; workers: number }[];
  metrics: { name: string; up: boolean; error?: string; rates: RatePoint[] }[];
}

const RING_GAUGES: Record<string, keyof Omit<RingView, 'name' | 'devices'>> = {
  swiftly_ring_part_power: 'partPower', swiftly_ring_replicas: 'replicas',
  swiftly_ring_balance_percent: 'balance', swiftly_ring_dispersion_percent: 'dispersion',
};
const DEVICE_GAUGES: Record<string, 'weight' | 'partitions' | 'balance'> = {
  swiftly_ring_device_weight: 'weight', swiftly_ring_device_partitions: 'partitions', swiftly_ring_device_balance_percent: 'balance',
};

/** The rings from the latest scrapes (the same ring shown by several daemons' processes is read once). */
export function ringsFrom(sampler: MetricsSampler): RingView[] {
  const rings = new Map<string, RingView>();
  const devices = new Map<string, RingDeviceView>();
  const ring = (name: string): RingView => {
    let r = rings.get(name);
    if (!r) rings.set(name, (r = { name, partPower: 0, replicas: 0, balance: 0, dispersion: 0, devices: [] }));
    return r;
  };
  for (const { sample } of sampler.allLatest()) {
    const field = RING_GAUGES[sample.name];
    if (field) ring(sample.labels.ring)[field] = sample.value;
    const devField = DEVICE_GAUGES[sample.name];
    if (!devField) continue;
    const l = sample.labels;
    const key = `${l.ring}/${l.id}`;
    let dev = devices.get(key);
    if (!dev) {
      dev = { id: Number(l.id), region: Number(l.region), zone: Number(l.zone), ip: l.ip, port: Number(l.port), device: l.device, weight: 0, partitions: 0, balance: 0 };
      devices.set(key, dev);
      ring(l.ring).devices.push(dev);
    }
    dev[devField] = sample.value;
  }
  for (const r of rings.values()) r.devices.sort((a, b) => a.id - b.id);
  return [...rings.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The kind of each `ip:port` by the ring naming it (`object-1` is an object ring). */
function kindsOf(rings: readonly RingView[]): Map<string, ServerKind> {
  const out = new Map<string, ServerKind>();
  for (const r of rings) {
    const kind = r.name.split('-')[0];
    if (kind !== 'object' && kind !== 'container' && kind !== 'account') continue;
    for (const d of r.devices) out.set(`${d.ip.includes(':') ? `[${d.ip}]` : d.ip}:${d.port}`, kind);
  }
  return out;
}

export async function clusterState(sampler: MetricsSampler, reconHosts: readonly string[], now = Date.now()): Promise<ClusterState> {
  const rings = ringsFrom(sampler);
  const kinds = kindsOf(rings);
  // Servers named by the config first, then any the rings name that it left out.
  const hosts = [...new Set([...reconHosts, ...kinds.keys()])];
  const servers = await Promise.all(hosts.map((host) => pollServer(host, kinds.get(host))));
  const errorLimited: ClusterState['errorLimited'] = [];
  for (const { server, sample } of sampler.allLatest()) {
    if (sample.name === 'swiftly_proxy_error_limited_nodes' && sample.value > 0) {
      errorLimited.push({ proxy: server, node: sample.labels.node, workers: sample.value });
    }
  }
  const metrics = [...sampler.series.values()].map((s) => ({ name: s.name, up: s.up, error: s.error, rates: ratesOf(s.points) }));
  return { at: now, rings, servers, errorLimited, metrics };
}
