/**
 * One dnsmasq per network, as nova-network's linux_net ran it: DHCP on the
 * network's bridge from a static range, one `--dhcp-hostsfile` line per
 * guest interface (mac,hostname,ip), re-read on SIGHUP when the entries
 * change. Its pid, leases and hosts files live in `<stateDir>`, named by the
 * bridge. A running dnsmasq is ours when its command line names our pid
 * file; one started with other options (the network changed) is restarted.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomicSync } from '../../../common/index.js';
import type { Network } from '../types.js';
import { sanitizeHostname } from '../network-service.js';
import { intToIp, netmask, parseCidr } from '../ipv4.js';
import type { HostCommands } from './host-command.js';

export interface DhcpHost {
  mac: string;
  ip: string;
  hostname: string;
}

export interface DnsmasqFiles {
  pid: string;
  leases: string;
  hosts: string;
  /** dnsmasq's own log (one line per DHCP exchange, and why it could not read a file): no syslog needed. */
  log: string;
}

export function dnsmasqFiles(stateDir: string, bridge: string): DnsmasqFiles {
  const base = join(stateDir, `nova-${bridge}`);
  return { pid: `${base}.pid`, leases: `${base}.leases`, hosts: `${base}.hosts`, log: `${base}.log` };
}

/** One DNS label, as dnsmasq takes it (Nova's sanitized hostname, up to its first dot). */
export function dhcpHostname(name: string): string {
  return sanitizeHostname(name, 'host').split('.')[0] || 'host';
}

/**
 * dnsmasq's command line for `net`. DNS: a network with its own `dns` servers hands those out and dnsmasq
 * serves no DNS (`--port=0`); otherwise dnsmasq answers the guests itself (their names from the DHCP entries),
 * forwarding to `dnsUpstream` (none: nothing is forwarded) or, when that is undefined, to the host's
 * resolv.conf, as nova-network did.
 */
export function dnsmasqArgs(net: Network, files: DnsmasqFiles, leaseTimeSec: number, dnsUpstream?: string[]): string[] {
  const c = parseCidr(net.cidr);
  const args = [
    '--strict-order', '--bind-interfaces', '--conf-file=', '--no-hosts', '--except-interface=lo',
    `--interface=${net.bridge}`, `--listen-address=${net.gateway}`,
    `--pid-file=${files.pid}`, `--log-facility=${files.log}`, `--dhcp-leasefile=${files.leases}`, `--dhcp-hostsfile=${files.hosts}`,
    `--dhcp-range=set:${net.bridge},${net.dhcpStart ?? intToIp(c.base)},static,${netmask(c)},${leaseTimeSec}s`,
    `--dhcp-lease-max=${c.size}`,
    `--dhcp-option=option:router,${net.gateway}`,
  ];
  if (net.dns.length) args.push(`--dhcp-option=option:dns-server,${net.dns.join(',')}`, '--port=0');
  else if (dnsUpstream) args.push('--no-resolv', ...dnsUpstream.map((s) => `--server=${s}`));
  return args;
}

export function formatHosts(hosts: DhcpHost[]): string {
  return hosts.map((h) => `${h.mac.toLowerCase()},${dhcpHostname(h.hostname)},${h.ip}\n`).join('');
}

export async function readHosts(path: string): Promise<DhcpHost[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text.split('\n').filter(Boolean).map((line) => {
    const [mac = '', hostname = '', ip = ''] = line.split(',');
    return { mac, hostname, ip };
  });
}

export function writeHosts(path: string, hosts: DhcpHost[]): void {
  writeFileAtomicSync(path, Buffer.from(formatHosts(hosts)));
}

/** The argv of a live process, or undefined when it is gone (or exiting). */
async function cmdline(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const argv = raw.split('\0');
    if (argv[argv.length - 1] === '') argv.pop();
    return argv.length ? argv : undefined; // a zombie's is empty
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw err;
  }
}

export interface RunningDnsmasq {
  pid: number;
  args: string[];
}

/** Our dnsmasq for these files, when one runs. */
export async function runningDnsmasq(files: DnsmasqFiles): Promise<RunningDnsmasq | undefined> {
  let pid: number;
  try {
    pid = Number.parseInt(await readFile(files.pid, 'utf8'), 10);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const argv = await cmdline(pid);
  if (!argv || !argv.includes(`--pid-file=${files.pid}`)) return undefined;
  return { pid, args: argv.slice(1) };
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if ((await cmdline(pid)) === undefined) return true;
    await sleep(20);
  }
  return (await cmdline(pid)) === undefined;
}

export async function stopDnsmasq(files: DnsmasqFiles): Promise<void> {
  const running = await runningDnsmasq(files);
  if (running) {
    process.kill(running.pid, 'SIGTERM');
    if (!(await waitGone(running.pid, 5000))) {
      process.kill(running.pid, 'SIGKILL');
      if (!(await waitGone(running.pid, 5000))) throw new Error(`dnsmasq ${running.pid} did not exit`);
    }
  }
  await rm(files.pid, { force: true });
}

/** Drop the leases of `mac` or `ip` from a stopped dnsmasq's lease file (dnsmasq keeps leases in memory). */
export async function dropLease(files: DnsmasqFiles, mac: string, ip: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(files.leases, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const m = mac.toLowerCase();
  const kept = text.split('\n').filter((line) => {
    const f = line.split(' ');
    return line !== '' && f[1]?.toLowerCase() !== m && f[2] !== ip;
  });
  writeFileAtomicSync(files.leases, Buffer.from(kept.map((l) => l + '\n').join('')));
}

/**
 * dnsmasq for `net` running with exactly `args`: started when absent, restarted when it runs with other options,
 * told to re-read its hosts file (SIGHUP) otherwise.
 */
export async function ensureDnsmasq(cmd: HostCommands, files: DnsmasqFiles, args: string[], dnsmasqPath = 'dnsmasq'): Promise<number> {
  const running = await runningDnsmasq(files);
  if (running && running.args.join('\0') === args.join('\0')) {
    process.kill(running.pid, 'SIGHUP');
    return running.pid;
  }
  if (running) await stopDnsmasq(files);
  await rm(files.pid, { force: true });
  // dnsmasq daemonizes once it is bound; its exit status says whether it could start.
  await cmd.run(dnsmasqPath, args);
  for (let i = 0; i < 250; i++) {
    const started = await runningDnsmasq(files);
    if (started) return started.pid;
    await sleep(20);
  }
  throw new Error(`dnsmasq for ${files.pid} did not write its pid file`);
}
