/**
 * Which ring devices are this server's (Swift's `whataremyips()` +
 * `bind_port` match): a device on one of this host's IPs (or bind_ip) whose
 * port — or replication_port — is the server's bind_port.
 */
import { networkInterfaces } from 'node:os';
import type { RingDevice, RingLookup } from '../ring/index.js';
import type { CommonDaemonConf } from './daemon-conf.js';

function myIps(bindIp: string): Set<string> {
  const ips = new Set<string>();
  if (bindIp !== '0.0.0.0' && bindIp !== '::') ips.add(bindIp);
  else {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) ips.add(a.address);
  }
  return ips;
}

/** Whether `ip:port` is this server (Swift's `is_local_device`): one of this host's IPs (or bind_ip), and bind_port. */
export function isLocalAddress(conf: CommonDaemonConf, ip: string, port: number): boolean {
  return port === conf.bindPort && myIps(conf.bindIp).has(ip);
}

/** The ring's devices that live on this server, filtered by `onlyDevices`. */
export function localDevices(ring: RingLookup, conf: CommonDaemonConf): RingDevice[] {
  const ips = myIps(conf.bindIp);
  const out: RingDevice[] = [];
  for (const dev of ring.devs) {
    if (!dev) continue;
    const onIp = ips.has(dev.ip) || ips.has(dev.replication_ip);
    const onPort = dev.port === conf.bindPort || dev.replication_port === conf.bindPort;
    if (!onIp || !onPort) continue;
    if (conf.onlyDevices && !conf.onlyDevices.has(dev.device)) continue;
    out.push(dev);
  }
  return out;
}

/** True when `node` is the local device `dev` (same ip, port and name). */
export function isSameDevice(a: RingDevice, b: RingDevice): boolean {
  return a.id === b.id || (a.ip === b.ip && a.port === b.port && a.device === b.device);
}
