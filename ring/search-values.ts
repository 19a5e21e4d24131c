/**
 * Swift's device strings: search values (`d74r4z1-1.2.3.4:5678R5.6.7.8:9/sdb1_meta`),
 * add values (`r1z2-10.1.2.3:6200/sdf`), set_info change values, and the
 * address normalisation they share (swift/common/ring/utils.py).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError } from '../common/core.js';
import type { BuilderDevice } from './builder-state.js';

/** What a search may constrain; absent keys match anything. */
export interface SearchValues {
  id?: number;
  region?: number;
  zone?: number;
  ip?: string;
  port?: number;
  replication_ip?: string;
  replication_port?: number;
  device?: string;
  weight?: number;
  /** Matches when contained in the device's meta. */
  meta?: string;
}

/** A device to add, as parsed from an add value (region null when not given). */
export interface AddValue {
  region: number | null;
  zone: number;
  ip: string;
  port: number;
  device: string;
  replication_ip: string | null;
  replication_port: number | null;
  meta: string;
}

/** Changes set_info may make. */
export interface ChangeValues {
  ip?: string;
  port?: number;
  replication_ip?: string;
  replication_port?: number;
  device?: string;
  meta?: string;
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message);
}

/** Canonical IPv6 text (lower case, zeros compressed), as inet_ntop gives. */
function canonicalIPv6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** Lower-cases an IP and canonicalises IPv6; throws for anything else. */
export function validateAndNormalizeIp(ip: string): string {
  const lower = ip.toLowerCase();
  if (isIPv4(lower)) return lower;
  if (isIPv6(lower)) return canonicalIPv6(lower);
  throw invalid(`Invalid ip ${ip}`);
}

/** True for a syntactically valid hostname (RFC 1123 labels). */
export function isValidHostname(hostname: string): boolean {
  if (hostname.length < 1 || hostname.length > 255) return false;
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  return name.split('.').every((label) => /^(?!-)[a-z\d-]{1,63}(?<!-)$/i.test(label));
}

/** Like `validateAndNormalizeIp` but also accepts hostnames (lower-cased) and `[v6]`. */
export function validateAndNormalizeAddress(address: string): string {
  if (address.startsWith('[') && address.endsWith(']')) return validateAndNormalizeIp(address.slice(1, -1));
  const bare = address.replace(/^\[+/, '').replace(/\]+$/, '').toLowerCase();
  if (isIPv4(bare)) return bare;
  if (isIPv6(bare)) return canonicalIPv6(bare);
  if (isValidHostname(bare)) return bare;
  throw invalid(`Invalid address ${address}`);
}

export function validateDeviceName(name: string): boolean {
  return !(name.startsWith(' ') || name.endsWith(' ') || name.length === 0);
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Reads `<prefix><digits>` off the front of `s`; `int('')` fails as in Python. */
function takeInt(s: string, original: string): [number, string] {
  let i = 1;
  while (i < s.length && isDigit(s[i])) i++;
  const digits = s.slice(1, i);
  if (!digits) throw invalid(`invalid literal for int() with base 10: '' in ${JSON.stringify(original)}`);
  return [Number(digits), s.slice(i)];
}

/** Reads an IPv4-ish run of digits and dots, or a bracketed IPv6, off the front of `s`. */
function takeIp(s: string): [string | undefined, string] {
  if (isDigit(s[0])) {
    let i = 1;
    while (i < s.length && '0123456789.'.includes(s[i])) i++;
    return [s.slice(0, i), s.slice(i)];
  }
  if (s.startsWith('[')) {
    let i = 1;
    while (i < s.length && s[i] !== ']') i++;
    i++;
    return [s.slice(0, i).replace(/^\[+/, '').replace(/\]+$/, ''), s.slice(i)];
  }
  return [undefined, s];
}

/** Parses Swift's `<search-value>` (every part optional, at least one given). */
export function parseSearchValue(searchValue: string): SearchValues {
  const match: SearchValues = {};
  let s = searchValue;
  if (s.startsWith('d')) [match.id, s] = takeInt(s, searchValue);
  if (s.startsWith('r')) [match.region, s] = takeInt(s, searchValue);
  if (s.startsWith('z')) [match.zone, s] = takeInt(s, searchValue);
  if (s.startsWith('-')) s = s.slice(1);
  let ip: string | undefined;
  [ip, s] = takeIp(s);
  if (ip !== undefined) match.ip = validateAndNormalizeIp(ip);
  if (s.startsWith(':')) [match.port, s] = takeInt(s, searchValue);
  if (s.startsWith('R')) {
    s = s.slice(1);
    let rip: string | undefined;
    [rip, s] = takeIp(s);
    if (rip !== undefined) match.replication_ip = validateAndNormalizeIp(rip);
    if (s.startsWith(':')) [match.replication_port, s] = takeInt(s, searchValue);
  }
  if (s.startsWith('/')) {
    let i = 1;
    while (i < s.length && s[i] !== '_') i++;
    match.device = s.slice(1, i);
    s = s.slice(i);
  }
  if (s.startsWith('_')) {
    match.meta = s.slice(1);
    s = '';
  }
  if (s) throw invalid(`Invalid <search-value>: '${searchValue}'`);
  return match;
}

/** Splits `ip:port` (IPv6 possibly bracketed) off the front, up to an `R` or `/`. */
function parseAddress(rest: string): [string, number, string] {
  if (rest.startsWith('[')) rest = rest.replace('[', '').replace(']', '');
  let pos = 0;
  while (pos < rest.length && rest[pos] !== 'R' && rest[pos] !== '/') pos++;
  const address = rest.slice(0, pos);
  rest = rest.slice(pos);
  const colon = address.lastIndexOf(':');
  if (colon === -1) throw invalid('Invalid port in add value');
  const portText = address.slice(colon + 1);
  if (!/^\s*[+-]?\d+\s*$/.test(portText)) throw invalid(`Invalid port ${address.slice(colon)} in add value`);
  return [validateAndNormalizeIp(address.slice(0, colon)), Number(portText), rest];
}

/** Parses an add value: `[r<region>]z<zone>-<ip>:<port>[R<r_ip>:<r_port>]/<device>[_<meta>]`. */
export function parseAddValue(addValue: string): AddValue {
  let region: number | null = null;
  let rest = addValue;
  if (rest.startsWith('r')) [region, rest] = takeInt(rest, addValue);
  if (!rest.startsWith('z')) throw invalid(`Invalid add value: ${addValue}`);
  let zone: number;
  [zone, rest] = takeInt(rest, addValue);
  if (!rest.startsWith('-')) throw invalid(`Invalid add value: ${addValue}`);
  const [ip, port, afterIp] = parseAddress(rest.slice(1));
  rest = afterIp;
  let replicationIp: string | null = null;
  let replicationPort: number | null = null;
  if (rest.startsWith('R')) [replicationIp, replicationPort, rest] = parseAddress(rest.slice(1));
  if (!rest.startsWith('/')) throw invalid(`Invalid add value: ${addValue}`);
  let i = 1;
  while (i < rest.length && rest[i] !== '_') i++;
  const device = rest.slice(1, i);
  if (!validateDeviceName(device)) throw invalid('Invalid device name');
  rest = rest.slice(i);
  const meta = rest.startsWith('_') ? rest.slice(1) : '';
  return { region, zone, ip, port, device, replication_ip: replicationIp, replication_port: replicationPort, meta };
}

/** Parses a set_info change value: `[<ip>][:<port>][R[<r_ip>][:<r_port>]][/<device>][_<meta>]`. */
export function parseChangeValue(changeValue: string): ChangeValues {
  const change: ChangeValues = {};
  const addressPart = (s: string, ipKey: 'ip' | 'replication_ip', portKey: 'port' | 'replication_port'): string => {
    let ip: string | undefined;
    [ip, s] = takeIp(s);
    if (ip) change[ipKey] = validateAndNormalizeIp(ip);
    if (s.startsWith(':')) [change[portKey], s] = takeInt(s, changeValue);
    return s;
  };
  let s = addressPart(changeValue, 'ip', 'port');
  if (s.startsWith('R')) s = addressPart(s.slice(1), 'replication_ip', 'replication_port');
  if (s.startsWith('/')) {
    let i = 1;
    while (i < s.length && s[i] !== '_') i++;
    change.device = s.slice(1, i);
    s = s.slice(i);
  }
  if (s.startsWith('_')) {
    change.meta = s.slice(1);
    s = '';
  }
  if (s || Object.keys(change).length === 0) throw invalid(`Invalid set info change value: '${changeValue}'`);
  return change;
}

/** True when `dev` matches every given search value (Swift's `search_devs`). */
export function devMatches(dev: BuilderDevice, values: SearchValues): boolean {
  for (const [key, value] of Object.entries(values) as [keyof SearchValues, unknown][]) {
    if (value === undefined || value === null) continue;
    if (key === 'meta') {
      if (!dev.meta.includes(value as string)) return false;
    } else if (key === 'ip' || key === 'replication_ip') {
      let normal = '';
      try {
        normal = validateAndNormalizeAddress(dev[key]);
      } catch {
        normal = '';
      }
      if (normal !== value) return false;
    } else if (dev[key] !== value) {
      return false;
    }
  }
  return true;
}
