/**
 * compute/network/linux against the real kernel, dnsmasq and nftables, all
 * inside network namespaces this test makes and removes: `host` (the
 * compute host's networking: bridge, dnsmasq, NAT, filters), `public` (the
 * outside, a veth to the host's public interface), and guests standing in
 * for VMs (a veth whose host end is the guest's tap on the bridge, busybox
 * udhcpc asking dnsmasq for the lease). Nothing touches the machine's own
 * namespace; no packet leaves these namespaces.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { LinuxNetworkDriver, dnsmasqFiles } from '../../compute/network/linux/index.js';
import { tapDevice, type GuestInterface, type IngressRule, type Network } from '../../compute/network/index.js';
import { NetnsLab, listNetns, netnsUnavailable } from '../helpers/netns.js';

const unavailable = await netnsUnavailable(['nft', 'dnsmasq', 'busybox']);

const net: Network = {
  id: '5b1c6a52-2b4e-4c5e-9a3a-8d1f0a7c1e01', label: 'private', cidr: '10.10.0.0/24', bridge: 'br100',
  gateway: '10.10.0.1', dns: [], dhcpStart: '10.10.0.2',
};
const FLOATING = '172.24.4.10';
const PUBLIC_PEER = '172.24.4.1';
const MAC1 = 'fa:16:3e:00:00:01';
const MAC2 = 'fa:16:3e:00:00:02';
const IP1 = '10.10.0.5';

/** A TCP client that prints what the server sent, or exits 2 after `ms`. */
const TCP_CLIENT = `const s=require('net').connect(+process.argv[2],process.argv[1]);let d='';
s.on('data',b=>d+=b);s.on('end',()=>{process.stdout.write(d);process.exit(0)});s.on('error',()=>process.exit(1));
setTimeout(()=>process.exit(2),+process.argv[3]);`;
/** A TCP server that answers each client with the address it came from. */
const TCP_SERVER = `require('net').createServer(s=>s.end('from '+s.remoteAddress.replace('::ffff:','')+'\\n')).listen(+process.argv[1],()=>console.log('listening'));`;

describe('compute/network/linux: bridge, dnsmasq, floating IPs and security groups in namespaces', { skip: unavailable ?? false }, () => {
  const lab = new NetnsLab();
  let hostNs = '';
  let pubNs = '';
  let stateDir = '';
  let driver: LinuxNetworkDriver;

  /** A stand-in guest: its own namespace, eth0 with `mac`, the host end as `tapDevice(mac)` on the bridge. */
  async function guest(role: string, mac: string): Promise<{ ns: string; iface: GuestInterface; leaseFile: string; script: string }> {
    const ns = await lab.add(role);
    const tap = tapDevice(mac);
    await lab.veth(hostNs, tap, ns, 'eth0');
    await lab.ip(ns, ['link', 'set', 'eth0', 'address', mac]);
    await lab.ip(hostNs, ['link', 'set', tap, 'master', net.bridge]);
    const leaseFile = join(stateDir, `${role}.lease`);
    const script = join(stateDir, `${role}.udhcpc.sh`);
    await writeFile(script, `#!/bin/sh
case "$1" in
  deconfig) ip addr flush dev "$interface" ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "$router" dev "$interface"
    echo "ip=$ip mask=$mask router=$router hostname=$hostname" > '${leaseFile}' ;;
esac
exit 0
`);
    await chmod(script, 0o755);
    return { ns, iface: { instanceUuid: role, network: net, mac, address: IP1, device: tap }, leaseFile, script };
  }

  /** busybox udhcpc once: 0 with a lease, else its exit status. */
  function dhcp(g: { ns: string; script: string }): Promise<number> {
    return lab.run(g.ns, 'busybox', ['udhcpc', '-i', 'eth0', '-f', '-q', '-n', '-t', '3', '-T', '1', '-s', g.script], 30_000).then(() => 0, () => 1);
  }

  function ping(ns: string, addr: string): Promise<number> {
    return lab.status(ns, 'busybox', ['ping', '-c', '1', '-W', '2', addr]);
  }

  async function tcp(ns: string, addr: string, port: number): Promise<string> {
    try {
      return await lab.run(ns, process.execPath, ['-e', TCP_CLIENT, addr, String(port), '2500']);
    } catch (err) {
      return `failed (${String((err as { code?: unknown }).code)})`;
    }
  }

  async function tcpServer(ns: string, port: number): Promise<void> {
    const child = lab.spawn(ns, process.execPath, ['-e', TCP_SERVER, String(port)]);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`tcp server exited ${code}`)));
    });
  }

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'swiftly-netlinux-'));
    await chmod(stateDir, 0o755); // dnsmasq reads its hosts file as nobody
    hostNs = await lab.add('host');
    pubNs = await lab.add('public');
    // The host's public side, as an operator configures it: pub0 on the public link.
    await lab.veth(hostNs, 'pub0', pubNs, 'eth0');
    await lab.ip(hostNs, ['addr', 'add', '172.24.4.2/24', 'dev', 'pub0']);
    await lab.ip(pubNs, ['addr', 'add', `${PUBLIC_PEER}/24`, 'dev', 'eth0']);
    driver = new LinuxNetworkDriver({ stateDir: join(stateDir, 'networks'), netns: hostNs, publicInterface: 'pub0', dhcpLeaseTimeSec: 120, dnsUpstream: [] });
  });

  after(async () => {
    const ours = lab.namespaces.slice();
    await lab.cleanup();
    const left = await listNetns();
    assert.deepEqual(left.filter((n) => ours.includes(n)), [], 'namespaces left behind');
    const procs = await dnsmasqsOf(stateDir);
    assert.deepEqual(procs, [], 'dnsmasq processes left behind');
    await rm(stateDir, { recursive: true, force: true });
  });

  it('sets up the bridge with the gateway and a dnsmasq on it inside the namespace, and again on a re-run without restarting it', async () => {
    await driver.setupNetwork(net);
    const addr = await lab.ip(hostNs, ['-o', '-4', 'addr', 'show', 'dev', net.bridge]);
    assert.match(addr, /inet 10\.10\.0\.1\/24 /);
    assert.match(await lab.ip(hostNs, ['link', 'show', 'dev', net.bridge]), /state UP|,UP/);
    assert.equal(await lab.status(hostNs, 'cat', ['/proc/sys/net/ipv4/ip_forward']), 0);
    assert.equal((await lab.run(hostNs, 'cat', ['/proc/sys/net/ipv4/ip_forward'])).trim(), '1');
    const files = dnsmasqFiles(join(stateDir, 'networks'), net.bridge);
    const pid = Number(await readFile(files.pid, 'utf8'));
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    assert.ok(argv.includes('--interface=br100') && argv.includes(`--dhcp-hostsfile=${files.hosts}`), argv.join(' '));
    assert.ok(argv.some((a) => a.startsWith('--dhcp-range=set:br100,10.10.0.2,static,255.255.255.0,')), argv.join(' '));
    // dnsmasq runs in the host namespace of the test, not the machine's.
    assert.equal(await readlinkNs(pid), `net:[${(await stat(`/run/netns/${hostNs}`)).ino}]`);
    assert.notEqual(await readlinkNs(pid), await readlinkNs(process.pid));
    assert.equal(await linkInMachine(net.bridge), false);

    await driver.setupNetwork(net);
    assert.equal(Number(await readFile(files.pid, 'utf8')), pid, 'a re-run keeps the running dnsmasq');
    assert.equal((await lab.ip(hostNs, ['-o', '-4', 'addr', 'show', 'dev', net.bridge])).trim().split('\n').length, 1);
  });

  it('hands a guest its fixed IP, router and hostname from the static host entry; a MAC without one gets no lease', async () => {
    const g1 = await guest('g1', MAC1);
    await driver.plugInstance(net, MAC1, IP1, 'Web Server 1');
    assert.equal(await dhcp(g1), 0);
    assert.equal((await readFile(g1.leaseFile, 'utf8')).trim(), `ip=${IP1} mask=24 router=10.10.0.1 hostname=web-server-1`);
    assert.equal(await ping(g1.ns, net.gateway), 0);

    const stranger = await guest('g9', 'fa:16:3e:00:00:09');
    assert.notEqual(await dhcp(stranger), 0, 'static range: no lease for an unknown MAC');
    await assertNoFile(stranger.leaseFile);
  });

  it('reaches a guest at its floating IP from the public side only while a security group rule allows it; egress leaves as the floating IP', async () => {
    const g1 = { ns: `${lab.prefix}-g1`, iface: { instanceUuid: 'g1', network: net, mac: MAC1, address: IP1, device: tapDevice(MAC1) } };
    await driver.applySecurityGroups(g1.iface, []);
    await driver.applyFloating(IP1, FLOATING);
    assert.match(await lab.ip(hostNs, ['-o', '-4', 'addr', 'show', 'dev', 'pub0']), / 172\.24\.4\.10\/32 /);
    await tcpServer(g1.ns, 8080);
    await tcpServer(pubNs, 9090);

    // No rule: nothing gets in, from the public side or from the host.
    assert.notEqual(await ping(pubNs, FLOATING), 0);
    assert.match(await tcp(pubNs, FLOATING, 8080), /^failed/);
    assert.notEqual(await ping(hostNs, IP1), 0);
    // Egress is allowed, replies come back, and the guest is seen as its floating address.
    assert.equal(await ping(g1.ns, PUBLIC_PEER), 0);
    assert.equal((await tcp(g1.ns, PUBLIC_PEER, 9090)).trim(), `from ${FLOATING}`);

    const rules: IngressRule[] = [
      { protocol: 'icmp', fromPort: -1, toPort: -1, cidr: '0.0.0.0/0' },
      { protocol: 'tcp', fromPort: 8080, toPort: 8080, cidr: '172.24.4.0/24' },
    ];
    await driver.applySecurityGroups(g1.iface, rules);
    assert.equal(await ping(pubNs, FLOATING), 0);
    assert.equal((await tcp(pubNs, FLOATING, 8080)).trim(), `from ${PUBLIC_PEER}`);
    // The tcp rule is for the public range only; the host (10.10.0.1) is not in it, ICMP is for all.
    assert.match(await tcp(hostNs, IP1, 8080), /^failed/);
    assert.equal(await ping(hostNs, IP1), 0);

    await driver.applySecurityGroups(g1.iface, [rules[1]!]);
    assert.notEqual(await ping(pubNs, FLOATING), 0, 'ICMP rule removed');
    assert.equal((await tcp(pubNs, FLOATING, 8080)).trim(), `from ${PUBLIC_PEER}`);

    await driver.applySecurityGroups(g1.iface, []);
    assert.match(await tcp(pubNs, FLOATING, 8080), /^failed/, 'TCP rule removed');

    await driver.applySecurityGroups(g1.iface, rules);
    await driver.removeFloating(IP1, FLOATING);
    assert.doesNotMatch(await lab.ip(hostNs, ['-o', '-4', 'addr', 'show', 'dev', 'pub0']), /172\.24\.4\.10/);
    assert.notEqual(await ping(pubNs, FLOATING), 0, 'floating IP disassociated');
    assert.match(await tcp(pubNs, FLOATING, 8080), /^failed/);
    // Without a floating IP the guest still gets out, masqueraded as the host's public address.
    assert.equal((await tcp(g1.ns, PUBLIC_PEER, 9090)).trim(), 'from 172.24.4.2');
  });

  it('drops what a guest sends from another address or MAC than its own', async () => {
    const ns = `${lab.prefix}-g1`;
    assert.equal(await ping(ns, net.gateway), 0);
    await lab.ip(ns, ['addr', 'add', '10.10.0.77/24', 'dev', 'eth0']);
    assert.notEqual(await lab.status(ns, 'busybox', ['ping', '-c', '1', '-W', '2', '-I', '10.10.0.77', net.gateway]), 0);
    await lab.ip(ns, ['addr', 'del', '10.10.0.77/24', 'dev', 'eth0']);
    await lab.ip(ns, ['link', 'set', 'eth0', 'address', 'fa:16:3e:00:00:66']);
    await lab.ip(ns, ['neigh', 'flush', 'all']);
    assert.notEqual(await ping(ns, net.gateway), 0);
    await lab.ip(ns, ['link', 'set', 'eth0', 'address', MAC1]);
    assert.equal(await ping(ns, net.gateway), 0);
  });

  it('unplugging drops the host entry and the lease, so the address goes to the next MAC', async () => {
    const iface1: GuestInterface = { instanceUuid: 'g1', network: net, mac: MAC1, address: IP1, device: tapDevice(MAC1) };
    await driver.removeSecurityGroups(iface1);
    await driver.unplugInstance(net, MAC1, IP1);
    const files = dnsmasqFiles(join(stateDir, 'networks'), net.bridge);
    assert.doesNotMatch(await readFile(files.hosts, 'utf8'), /fa:16:3e:00:00:01/);
    assert.doesNotMatch(await readFile(files.leases, 'utf8'), /fa:16:3e:00:00:01/);
    await lab.ip(hostNs, ['link', 'del', tapDevice(MAC1)]);

    const g2 = await guest('g2', MAC2);
    await driver.plugInstance(net, MAC2, IP1, 'second');
    assert.equal(await dhcp(g2), 0);
    assert.match(await readFile(g2.leaseFile, 'utf8'), new RegExp(`^ip=${IP1.replace(/\./g, '\\.')} .* hostname=second$`, 'm'));
    assert.equal(await ping(g2.ns, net.gateway), 0);
  });

  it('tears everything down: no nft table, bridge, dnsmasq or dnsmasq file is left in the host namespace', async () => {
    const iface2: GuestInterface = { instanceUuid: 'g2', network: net, mac: MAC2, address: IP1, device: tapDevice(MAC2) };
    await driver.applySecurityGroups(iface2, []);
    await driver.applyFloating(IP1, FLOATING);
    await driver.removeFloating(IP1, FLOATING);
    await driver.removeSecurityGroups(iface2);
    await driver.unplugInstance(net, MAC2, IP1);
    const files = dnsmasqFiles(join(stateDir, 'networks'), net.bridge);
    const pid = Number(await readFile(files.pid, 'utf8'));
    await driver.teardownNetwork(net);
    assert.equal((await lab.run(hostNs, 'nft', ['list', 'ruleset'])).trim(), '');
    assert.doesNotMatch(await lab.ip(hostNs, ['link', 'show']), /br100/);
    assert.equal(await alive(pid), false, 'dnsmasq stopped');
    assert.deepEqual(await readdir(join(stateDir, 'networks')), []);
    assert.deepEqual(await dnsmasqsOf(stateDir), []);
  });
});

async function assertNoFile(path: string): Promise<void> {
  await assert.rejects(readFile(path), { code: 'ENOENT' });
}

/** A process that runs (not gone, not a zombie). */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) [ZX] /.test(stat);
}

async function readlinkNs(pid: number): Promise<string> {
  return readlink(`/proc/${pid}/ns/net`);
}

async function linkInMachine(dev: string): Promise<boolean> {
  try {
    execFileSync('ip', ['link', 'show', 'dev', dev], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** dnsmasq processes whose command line names a file under `dir`. */
async function dnsmasqsOf(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const cmd = await readFile(`/proc/${e}/cmdline`, 'utf8').catch(() => '');
    if (cmd.startsWith('dnsmasq') && cmd.includes(dir)) out.push(Number(e));
  }
  return out;
}
