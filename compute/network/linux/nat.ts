/**
 * Floating IPs and outbound NAT in our own table, `ip swiftly_nat`
 * (nova-network linux_net's nova-network-floating-snat/PREROUTING rules, as
 * nftables maps): `fip_dnat` floating → fixed (prerouting, and output for
 * the host's own connections), `fip_snat` fixed → floating (postrouting),
 * the networks' CIDRs in `fixed_nets` (traffic between them is never
 * NATed; everything else a guest sends out is masqueraded). Every
 * transaction re-declares the table's skeleton, so a first call, a repeat
 * and a call after a restart are the same and atomic.
 */
import { isIPv4 } from 'node:net';
import { intToIp, parseCidr } from '../ipv4.js';
import type { HostCommands, NftJson } from './host-command.js';

export const NAT_TABLE = 'swiftly_nat';
const T = `ip ${NAT_TABLE}`;

function skeleton(): string {
  return `add table ${T}
add set ${T} fixed_nets { type ipv4_addr; flags interval; }
add map ${T} fip_dnat { type ipv4_addr : ipv4_addr; }
add map ${T} fip_snat { type ipv4_addr : ipv4_addr; }
add chain ${T} prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain ${T} output { type nat hook output priority -100; policy accept; }
add chain ${T} postrouting { type nat hook postrouting priority srcnat; policy accept; }
flush chain ${T} prerouting
flush chain ${T} output
flush chain ${T} postrouting
add rule ${T} prerouting dnat to ip daddr map @fip_dnat
add rule ${T} output dnat to ip daddr map @fip_dnat
add rule ${T} postrouting ip daddr @fixed_nets return
add rule ${T} postrouting snat to ip saddr map @fip_snat
add rule ${T} postrouting ip saddr @fixed_nets masquerade
`;
}

/** Checked before it goes into an nft script. */
export function ipv4(addr: string): string {
  if (!isIPv4(addr)) throw new RangeError(`not an IPv4 address: ${addr}`);
  return addr;
}

function cidrText(cidr: string): string {
  const c = parseCidr(cidr);
  return `${intToIp(c.base)}/${c.prefix}`;
}

export interface NatState {
  /** floating → fixed */
  dnat: Map<string, string>;
  /** fixed → floating */
  snat: Map<string, string>;
  fixedNets: string[];
}

function pairs(elem: unknown): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of (elem as unknown[] | undefined) ?? []) {
    if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string') m.set(e[0], e[1]);
  }
  return m;
}

export async function natState(cmd: HostCommands): Promise<NatState | undefined> {
  const j: NftJson | undefined = await cmd.nftJson(['table', 'ip', NAT_TABLE]);
  if (!j) return undefined;
  const s: NatState = { dnat: new Map(), snat: new Map(), fixedNets: [] };
  for (const o of j.nftables) {
    const map = o.map as { name: string; elem?: unknown } | undefined;
    if (map?.name === 'fip_dnat') s.dnat = pairs(map.elem);
    if (map?.name === 'fip_snat') s.snat = pairs(map.elem);
    const set = o.set as { name: string; elem?: unknown[] } | undefined;
    if (set?.name === 'fixed_nets') {
      for (const e of set.elem ?? []) {
        const p = (e as { prefix?: { addr: string; len: number } }).prefix;
        s.fixedNets.push(p ? `${p.addr}/${p.len}` : `${String(e)}/32`);
      }
    }
  }
  return s;
}

export async function addFixedNet(cmd: HostCommands, cidr: string): Promise<void> {
  await cmd.nft(`${skeleton()}add element ${T} fixed_nets { ${cidrText(cidr)} }\n`);
}

/** Forget a network's CIDR; the table goes when nothing is left in it. */
export async function removeFixedNet(cmd: HostCommands, cidr: string): Promise<void> {
  const s = await natState(cmd);
  if (!s) return;
  const c = cidrText(cidr);
  const left = s.fixedNets.filter((n) => n !== c);
  if (!left.length && !s.dnat.size && !s.snat.size) {
    await cmd.nft(`delete table ${T}\n`);
  } else if (left.length !== s.fixedNets.length) {
    await cmd.nft(`delete element ${T} fixed_nets { ${c} }\n`);
  }
}

/** floating ↔ fixed, replacing whatever either address was paired with before. */
export async function addFloating(cmd: HostCommands, fixed: string, floating: string): Promise<void> {
  ipv4(fixed);
  ipv4(floating);
  const s = await natState(cmd);
  let script = skeleton();
  const oldFixed = s?.dnat.get(floating);
  const oldFloating = s?.snat.get(fixed);
  if (oldFixed !== undefined) script += `delete element ${T} fip_dnat { ${floating} }\n`;
  if (oldFloating !== undefined) script += `delete element ${T} fip_snat { ${fixed} }\n`;
  if (oldFixed !== undefined && oldFixed !== fixed && s?.snat.get(oldFixed) === floating) script += `delete element ${T} fip_snat { ${oldFixed} }\n`;
  if (oldFloating !== undefined && oldFloating !== floating && s?.dnat.get(oldFloating) === fixed) script += `delete element ${T} fip_dnat { ${oldFloating} }\n`;
  script += `add element ${T} fip_dnat { ${floating} : ${fixed} }\nadd element ${T} fip_snat { ${fixed} : ${floating} }\n`;
  await cmd.nft(script);
}

/** Drop the pair when it is in place (the entries of another association are left alone). */
export async function removeFloating(cmd: HostCommands, fixed: string, floating: string): Promise<void> {
  ipv4(fixed);
  ipv4(floating);
  const s = await natState(cmd);
  if (!s) return;
  let script = '';
  if (s.dnat.get(floating) === fixed) script += `delete element ${T} fip_dnat { ${floating} }\n`;
  if (s.snat.get(fixed) === floating) script += `delete element ${T} fip_snat { ${fixed} }\n`;
  if (script) await cmd.nft(script);
}
