/** Seeded ring data for ring tests: several regions, zones, ips and devices. */
import type { RingData, RingDevice } from '../../ring/index.js';

/** mulberry32: a small seeded PRNG, so fixtures are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeDevice(id: number, region: number, zone: number, ip: string, port: number, device: string, weight: number): RingDevice {
  return { id, region, zone, ip, port, replication_ip: ip, replication_port: port + 1000, device, weight, meta: '' };
}

/**
 * Devices over 2 regions, zones numbered alike in both regions (so a zone is
 * (region, zone)), an ip shared by two zones, several devices per ip, one
 * removed device (null), one zero-weight device still holding some
 * partitions (being drained) and one holding none.
 */
export function sampleDevices(): (RingDevice | null)[] {
  return [
    makeDevice(0, 1, 1, '10.0.1.1', 6200, 'sda', 100),
    makeDevice(1, 1, 1, '10.0.1.1', 6200, 'sdb', 100),
    makeDevice(2, 1, 1, '10.0.1.2', 6200, 'sda', 50.5),
    makeDevice(3, 1, 2, '10.0.1.3', 6200, 'sda', 100),
    makeDevice(4, 1, 2, '10.0.1.3', 6201, 'sdb', 100),
    null,
    makeDevice(6, 1, 3, '10.0.1.4', 6200, 'sda', 100),
    makeDevice(7, 2, 1, '10.0.2.1', 6200, 'sda', 100),
    makeDevice(8, 2, 1, '10.0.2.1', 6200, 'sdb', 100),
    makeDevice(9, 2, 2, '10.0.2.1', 6200, 'sdc', 100),
    makeDevice(10, 2, 2, '10.0.2.2', 6200, 'sda', 0),
    makeDevice(11, 3, 1, '10.0.3.1', 6200, 'sda', 100),
    makeDevice(12, 1, 3, '10.0.1.5', 6200, 'sda', 0),
  ];
}

/**
 * Ring data with random assignments (so some partitions have a device twice,
 * which lookups must de-duplicate). `replicas` may be fractional: the last
 * array then covers that fraction of the partitions.
 */
export function sampleRingData(partPower: number, replicas: number, seed = 1): RingData {
  const devs = sampleDevices();
  const rand = seededRandom(seed);
  const parts = 2 ** partPower;
  // Device 10 (weight 0, draining) keeps a few partitions; device 12 none.
  const pool = devs.filter((d): d is RingDevice => d !== null && d.id !== 12 && d.id !== 10).map((d) => d.id);
  const table: Uint16Array[] = [];
  const whole = Math.floor(replicas);
  const lengths = Array.from({ length: whole }, () => parts);
  if (replicas > whole) lengths.push(Math.floor(parts * (replicas - whole)));
  for (const len of lengths) {
    const part2dev = new Uint16Array(len);
    for (let p = 0; p < len; p++) {
      part2dev[p] = rand() < 0.01 ? 10 : pool[Math.floor(rand() * pool.length)];
    }
    table.push(part2dev);
  }
  return { devs, replica2part2dev: table, partShift: 32 - partPower, version: 7 };
}

/** Random account/container/object names, some non-ASCII. */
export function sampleNames(count: number, seed = 2): [string, string?, string?][] {
  const rand = seededRandom(seed);
  const word = (): string => {
    let s = '';
    const n = 1 + Math.floor(rand() * 12);
    for (let i = 0; i < n; i++) {
      s += rand() < 0.05 ? String.fromCodePoint(0xe9 + Math.floor(rand() * 200)) : String.fromCharCode(97 + Math.floor(rand() * 26));
    }
    return s;
  };
  const names: [string, string?, string?][] = [];
  for (let i = 0; i < count; i++) {
    const k = i % 3;
    if (k === 0) names.push([`AUTH_${word()}`]);
    else if (k === 1) names.push([`AUTH_${word()}`, word()]);
    else names.push([`AUTH_${word()}`, word(), `${word()}/${word()}`]);
  }
  return names;
}
