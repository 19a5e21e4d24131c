/**
 * Python-style formatting for swift-ring-builder's output, so our lines
 * match Swift's character for character (`%.02f`, `%-5s`, `str(float)`,
 * `str(timedelta)`).
 */
import { isIPv6 } from 'node:net';
import type { BuilderDevice, RingDevice } from '../../ring/index.js';

/** Python's `'%.<digits>f' % x` (ties on exact binary halves go to even, as C printf does). */
export function fixed(x: number, digits: number): string {
  const scaled = x * 10 ** digits;
  if (Number.isFinite(scaled) && Math.abs(scaled) < 2 ** 52 && !Number.isInteger(scaled) && Number.isInteger(scaled * 2)) {
    // An exact tie: JS rounds away from zero, printf to even.
    const down = Math.trunc(scaled);
    const even = down % 2 === 0 ? down : down + Math.sign(scaled);
    const s = (Math.abs(even) / 10 ** digits).toFixed(digits);
    return (scaled < 0 ? '-' : '') + s;
  }
  return x.toFixed(digits);
}

/** Python's `str(float)`. */
export function pyFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  const s = String(x);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** `%Ns` (right-aligned) and `%-Ns` (left-aligned). */
export const right = (v: unknown, width: number): string => String(v).padStart(width);
export const left = (v: unknown, width: number): string => String(v).padEnd(width);

/** Python's `str(timedelta(seconds=n))` for whole seconds. */
export function timedelta(seconds: number): string {
  const s = Math.max(0, Math.trunc(seconds));
  const days = Math.floor(s / 86400);
  const rem = s % 86400;
  const hms = `${Math.floor(rem / 3600)}:${String(Math.floor((rem % 3600) / 60)).padStart(2, '0')}:${String(rem % 60).padStart(2, '0')}`;
  return days ? `${days} day${days === 1 ? '' : 's'}, ${hms}` : hms;
}

const bracketed = (ip: string): string => (ip.includes(':') ? `[${ip}]` : ip);

/** swift-ring-builder's one-line device: `d0r1z1-10.0.0.1:6200R10.0.0.1:6200/sdb_"meta"`. */
export function formatDevice(dev: RingDevice): string {
  return (
    `d${dev.id}r${dev.region}z${dev.zone}-${bracketed(dev.ip)}:${dev.port}` +
    `R${bracketed(dev.replication_ip)}:${dev.replication_port}/${dev.device}_"${dev.meta}"`
  );
}

/** The device table of the summary (header line, then a line per device sorted by region, zone, ip, name). */
export function deviceTable(
  devs: readonly BuilderDevice[],
  balanceOf: (dev: BuilderDevice) => number,
  flagsOf: (dev: BuilderDevice) => string = () => '',
): string[] {
  let ipW = 10, portW = 4, repIpW = 14, repPortW = 4, weightW = 6;
  let ip6 = false, rep6 = false;
  for (const dev of devs) {
    if (isIPv6(dev.ip)) ip6 = true;
    if (isIPv6(dev.replication_ip)) rep6 = true;
    ipW = Math.max(dev.ip.length, ipW);
    repIpW = Math.max(dev.replication_ip.length, repIpW);
    portW = Math.max(String(dev.port).length, portW);
    repPortW = Math.max(String(dev.replication_port).length, repPortW);
    weightW = Math.max(right(fixed(dev.weight, 2), 6).length, weightW);
  }
  if (ip6) ipW += 2;
  if (rep6) repIpW += 2;
  const header =
    `Devices:${right('id', 5)} ${right('region', 6)} ${right('zone', 4)} ${right('ip address', ipW)}:${left('port', portW)} ` +
    `${right('replication ip', repIpW)}:${left('port', repPortW)} ${right('name', 5)} ${right('weight', weightW)} ` +
    `${right('partitions', 10)} ${right('balance', 7)} ${right('flags', 5)} meta`;
  const sorted = [...devs].sort((a, b) => {
    if (a.region !== b.region) return a.region - b.region;
    if (a.zone !== b.zone) return a.zone - b.zone;
    if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
    return a.device < b.device ? -1 : a.device > b.device ? 1 : 0;
  });
  const lines = [header];
  for (const dev of sorted) {
    lines.push(
      `${right(dev.id, 13)} ${right(dev.region, 6)} ${right(dev.zone, 4)} ${right(bracketed(dev.ip), ipW)}:${left(dev.port, portW)} ` +
        `${right(bracketed(dev.replication_ip), repIpW)}:${left(dev.replication_port, repPortW)} ${right(dev.device, 5)} ` +
        `${right(fixed(dev.weight, 2), weightW)} ${right(dev.parts, 10)} ${right(fixed(balanceOf(dev), 2), 7)} ` +
        `${right(flagsOf(dev), 5)} ${dev.meta}`,
    );
  }
  return lines;
}
