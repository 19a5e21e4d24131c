/**
 * Security groups per guest interface (nova-network's per-instance
 * iptables chains, in nftables):
 *
 * - `inet swiftly_filter`: chain `sg-<tap>` holds the guest's ingress rules
 *   (established/related, DHCP from its gateway, each rule, then drop);
 *   the forward and output hooks jump there by the guest's fixed address
 *   (`guest_in` verdict map), so routed traffic (a floating IP's DNAT, the
 *   host) and, through br_netfilter, bridged traffic from other guests are
 *   filtered statefully. Egress is allowed.
 * - `bridge swiftly_spoof`: chain `spoof-<tap>` on frames the tap sends in
 *   (`guest_out` map by port name): only the guest's MAC, its fixed address
 *   (or 0.0.0.0 while it asks DHCP), and ARP for its own address, so no
 *   guest can wear another's address to pass that one's filter.
 *
 * One `nft -f` transaction replaces a guest's chains (flush + rules), so no
 * packet ever sees a half-applied set.
 */
import type { GuestInterface, IngressRule } from '../types.js';
import { intToIp, parseCidr } from '../ipv4.js';
import type { HostCommands, NftJson } from './host-command.js';
import { ipv4 } from './nat.js';

export const FILTER_TABLE = 'swiftly_filter';
export const SPOOF_TABLE = 'swiftly_spoof';
const F = `inet ${FILTER_TABLE}`;
const S = `bridge ${SPOOF_TABLE}`;

function skeleton(): string {
  return `add table ${F}
add map ${F} guest_in { type ipv4_addr : verdict; }
add chain ${F} forward { type filter hook forward priority filter; policy accept; }
add chain ${F} output { type filter hook output priority filter; policy accept; }
flush chain ${F} forward
flush chain ${F} output
add rule ${F} forward ip daddr vmap @guest_in
add rule ${F} output ip daddr vmap @guest_in
add table ${S}
add map ${S} guest_out { type ifname : verdict; }
add chain ${S} forward { type filter hook forward priority filter; policy accept; }
add chain ${S} input { type filter hook input priority filter; policy accept; }
flush chain ${S} forward
flush chain ${S} input
add rule ${S} forward iifname vmap @guest_out
add rule ${S} input iifname vmap @guest_out
`;
}

function device(name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name)) throw new RangeError(`not a network device name: ${name}`);
  return name;
}

function mac(m: string): string {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(m)) throw new RangeError(`not a MAC address: ${m}`);
  return m.toLowerCase();
}

function port(n: number | undefined, what: string, max: number): number | undefined {
  if (n === undefined || n === -1) return undefined;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`${what} out of range: ${n}`);
  return n;
}

/** One ingress rule as nft rule text (ending in accept). */
export function ruleText(r: IngressRule): string {
  const c = parseCidr(r.cidr);
  const parts: string[] = [];
  if (c.prefix > 0) parts.push(`ip saddr ${intToIp(c.base)}/${c.prefix}`);
  if (r.protocol === 'icmp') {
    const type = port(r.fromPort, 'icmp type', 255);
    const code = port(r.toPort, 'icmp code', 255);
    if (type === undefined) parts.push('meta l4proto icmp');
    else {
      parts.push(`icmp type ${type}`);
      if (code !== undefined) parts.push(`icmp code ${code}`);
    }
  } else if (r.protocol === 'tcp' || r.protocol === 'udp') {
    const from = port(r.fromPort, 'port', 65535);
    const to = port(r.toPort, 'port', 65535) ?? from;
    if (from === undefined || (from <= 1 && to === 65535)) parts.push(`meta l4proto ${r.protocol}`);
    else parts.push(`${r.protocol} dport ${from === to ? from : `${from}-${to}`}`);
  } else if (r.protocol !== undefined) {
    throw new RangeError(`unknown protocol ${String(r.protocol)}`);
  }
  parts.push('accept');
  return parts.join(' ');
}

export interface FilterState {
  /** fixed address → chain name */
  guestIn: Map<string, string>;
  /** port name → chain name */
  guestOut: Map<string, string>;
  chains: Set<string>;
  /** `inet swiftly_filter`, `bridge swiftly_spoof` when they exist */
  tables: Set<string>;
}

function verdicts(elem: unknown): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of (elem as unknown[] | undefined) ?? []) {
    if (!Array.isArray(e) || typeof e[0] !== 'string') continue;
    const target = (e[1] as { jump?: { target?: string } } | undefined)?.jump?.target;
    if (target) m.set(e[0], target);
  }
  return m;
}

export async function filterState(cmd: HostCommands): Promise<FilterState> {
  const s: FilterState = { guestIn: new Map(), guestOut: new Map(), chains: new Set(), tables: new Set() };
  const read = async (family: string, table: string): Promise<NftJson | undefined> => cmd.nftJson(['table', family, table]);
  for (const [family, table] of [['inet', FILTER_TABLE], ['bridge', SPOOF_TABLE]] as const) {
    const j = await read(family, table);
    if (j) s.tables.add(`${family} ${table}`);
    for (const o of j?.nftables ?? []) {
      const map = o.map as { name: string; elem?: unknown } | undefined;
      if (map?.name === 'guest_in') s.guestIn = verdicts(map.elem);
      if (map?.name === 'guest_out') s.guestOut = verdicts(map.elem);
      const chain = o.chain as { name: string } | undefined;
      if (chain) s.chains.add(`${family} ${chain.name}`);
    }
  }
  return s;
}

/** Replace the guest's filter with `rules` (all else inbound dropped) in one transaction. */
export async function applyGuestFilter(cmd: HostCommands, iface: GuestInterface, rules: IngressRule[]): Promise<void> {
  const dev = device(iface.device);
  const addr = ipv4(iface.address);
  const gw = ipv4(iface.network.gateway);
  const m = mac(iface.mac);
  const inChain = `sg-${dev}`;
  const outChain = `spoof-${dev}`;
  const lines = rules.map((r) => `add rule ${F} ${inChain} ${ruleText(r)}`);
  const s = await filterState(cmd);
  let script = skeleton();
  // The address may still point at another (stale) guest's chain: re-point it.
  if (s.guestIn.has(addr)) script += `delete element ${F} guest_in { ${addr} }\n`;
  if (s.guestOut.has(dev)) script += `delete element ${S} guest_out { "${dev}" }\n`;
  script += `add chain ${F} ${inChain}
flush chain ${F} ${inChain}
add rule ${F} ${inChain} ct state established,related accept
add rule ${F} ${inChain} ct state invalid drop
add rule ${F} ${inChain} ip saddr ${gw} udp sport 67 udp dport 68 accept
${lines.join('\n')}${lines.length ? '\n' : ''}add rule ${F} ${inChain} drop
add element ${F} guest_in { ${addr} : jump ${inChain} }
add chain ${S} ${outChain}
flush chain ${S} ${outChain}
add rule ${S} ${outChain} ether saddr != ${m} drop
add rule ${S} ${outChain} ether type ip ip saddr != { 0.0.0.0, ${addr} } drop
add rule ${S} ${outChain} ether type arp arp saddr ip != { 0.0.0.0, ${addr} } drop
add element ${S} guest_out { "${dev}" : jump ${outChain} }
`;
  await cmd.nft(script);
}

/** Remove the guest's chains; the tables go with the last guest. */
export async function removeGuestFilter(cmd: HostCommands, iface: GuestInterface): Promise<void> {
  const dev = device(iface.device);
  const addr = ipv4(iface.address);
  const inChain = `sg-${dev}`;
  const outChain = `spoof-${dev}`;
  const s = await filterState(cmd);
  let script = '';
  const inLeft = new Map(s.guestIn);
  const outLeft = new Map(s.guestOut);
  if (s.guestIn.get(addr) === inChain) {
    script += `delete element ${F} guest_in { ${addr} }\n`;
    inLeft.delete(addr);
  }
  if (s.guestOut.get(dev) === outChain) {
    script += `delete element ${S} guest_out { "${dev}" }\n`;
    outLeft.delete(dev);
  }
  const inUsed = [...inLeft.values()].includes(inChain);
  if (!inLeft.size && !outLeft.size) {
    for (const t of s.tables) script += `delete table ${t}\n`;
  } else {
    if (s.chains.has(`inet ${inChain}`) && !inUsed) script += `delete chain ${F} ${inChain}\n`;
    if (s.chains.has(`bridge ${outChain}`)) script += `delete chain ${S} ${outChain}\n`;
  }
  if (script) await cmd.nft(script);
}
