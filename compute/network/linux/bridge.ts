/**
 * A network's Linux bridge on the host (nova-network linux_net's
 * ensure_bridge): the bridge, the gateway address on it, up; forwarding on.
 * Every step is "make it so", so a compute restarting re-runs it safely.
 */
import type { Network } from '../types.js';
import { parseCidr } from '../ipv4.js';
import { HostCommandError, type HostCommands } from './host-command.js';

export async function linkExists(cmd: HostCommands, dev: string): Promise<boolean> {
  try {
    await cmd.ip(['link', 'show', 'dev', dev]);
    return true;
  } catch (err) {
    if (err instanceof HostCommandError && /does not exist/.test(err.stderr)) return false;
    throw err;
  }
}

/**
 * Routing between the guests and the public side on; bridged IPv4 through the inet hooks (br_netfilter), where
 * each guest's filter is: guest-to-guest frames on one bridge never reach IP routing, and the bridge family has
 * no conntrack on every kernel. False when br_netfilter is absent (only routed traffic is filtered then).
 */
export async function enableForwarding(cmd: HostCommands): Promise<boolean> {
  await cmd.sysctl('net.ipv4.ip_forward', '1');
  try {
    await cmd.sysctl('net.bridge.bridge-nf-call-iptables', '1');
    return true;
  } catch (err) {
    if (err instanceof HostCommandError && /cannot stat|No such file/.test(err.stderr)) return false;
    throw err;
  }
}

export async function ensureBridge(cmd: HostCommands, net: Network): Promise<void> {
  if (net.bridge.length > 15) throw new RangeError(`bridge name ${net.bridge} is longer than 15 characters`);
  if (!(await linkExists(cmd, net.bridge))) {
    try {
      await cmd.ip(['link', 'add', 'name', net.bridge, 'type', 'bridge']);
    } catch (err) {
      if (!(err instanceof HostCommandError && /File exists/.test(err.stderr))) throw err;
    }
  }
  const { prefix } = parseCidr(net.cidr);
  await cmd.ip(['addr', 'replace', `${net.gateway}/${prefix}`, 'dev', net.bridge]);
  await cmd.ip(['link', 'set', 'dev', net.bridge, 'up']);
}

export async function deleteBridge(cmd: HostCommands, bridge: string): Promise<void> {
  if (await linkExists(cmd, bridge)) await cmd.ip(['link', 'del', 'dev', bridge]);
}
