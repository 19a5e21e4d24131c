/** IPv4 addresses and CIDRs as numbers: the little arithmetic fixed and floating ranges need. */
import { isIPv4 } from 'node:net';
import { InvalidArgumentError } from '../../common/index.js';

export function ipToInt(ip: string): number {
  if (!isIPv4(ip)) throw new InvalidArgumentError(`${ip} is not an IPv4 address`);
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr {
  /** The network address as a number. */
  base: number;
  prefix: number;
  /** Addresses in the block, network and broadcast included. */
  size: number;
}

/** `10.0.0.0/24` → its block; host bits set (`10.0.0.5/24`) are refused, as Nova does. */
export function parseCidr(cidr: string): Cidr {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr.trim());
  const prefix = m ? Number(m[2]) : NaN;
  if (!m || !isIPv4(m[1]) || prefix > 32) throw new InvalidArgumentError(`${cidr} is not an IPv4 CIDR`);
  const size = 2 ** (32 - prefix);
  const base = ipToInt(m[1]);
  if (base % size !== 0) throw new InvalidArgumentError(`${cidr} has host bits set (the network is ${intToIp(base - (base % size))}/${prefix})`);
  return { base, prefix, size };
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + c.size;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

export function netmask(c: Cidr): string {
  return intToIp(c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0);
}

export function broadcast(c: Cidr): string {
  return intToIp(c.base + c.size - 1);
}
