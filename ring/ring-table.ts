/**
 * One loaded ring, with what lookups need computed once per load: dense tier
 * ids per device (region, region+zone, region+zone+ip) and the counts of
 * tiers that hold partitions, so that primaries and handoffs are plain loops
 * over typed arrays.
 */
import { hash } from 'node:crypto';
import { RingError } from '../common/core.js';
import type { RingData, RingDevice, RingNode } from './types.js';

function ringError(message: string): RingError {
  return new RingError('ERR_RING', message);
}

/** Swift's `calc_replica_count`: whole arrays plus the last one's fraction. */
export function calcReplicaCount(table: readonly Uint16Array[]): number {
  if (table.length === 0) return 0;
  return table.length - 1 + table[table.length - 1].length / table[0].length;
}

const DEVICE_KEYS = new Set(['id', 'region', 'zone', 'ip', 'port', 'replication_ip', 'replication_port', 'device', 'weight', 'meta']);

/** Keys a device carries beyond RingDevice's (kept on its nodes, as Swift's dicts would). */
function extraEntries(dev: RingDevice): [string, unknown][] | null {
  const extra = Object.entries(dev).filter(([k]) => !DEVICE_KEYS.has(k));
  return extra.length ? extra : null;
}

/**
 * A fresh node for a device. An object literal of fixed shape: it costs a
 * hundredth of `{ ...dev, index }`, and this runs for every proxy request.
 */
function makeNode(d: RingDevice, extra: [string, unknown][] | null, index: number): RingNode {
  const node: RingNode = {
    id: d.id,
    region: d.region,
    zone: d.zone,
    ip: d.ip,
    port: d.port,
    replication_ip: d.replication_ip,
    replication_port: d.replication_port,
    device: d.device,
    weight: d.weight,
    meta: d.meta,
    index,
  };
  if (extra) for (const [k, v] of extra) (node as unknown as Record<string, unknown>)[k] = v;
  return node;
}

/** Top bits of a uint32 (`>> shift`, which in JS would wrap at 32). */
function topBits(top32: number, shift: number): number {
  return shift >= 32 ? 0 : top32 >>> shift;
}

export class RingTable {
  readonly devs: readonly (RingDevice | null)[];
  readonly replica2part2dev: readonly Uint16Array[];
  readonly partShift: number;
  readonly partCount: number;
  readonly replicaCount: number;
  readonly nextPartPower?: number;
  readonly version?: number;
  /** Non-null devices. */
  readonly deviceCount: number;
  /** Devices with weight > 0. */
  readonly weightedDeviceCount: number;
  /** Devices that hold at least one partition replica. */
  readonly assignedDeviceCount: number;

  // Per device id: dense ids of its region, (region, zone), (region, zone, ip).
  private readonly extras: ([string, unknown][] | null)[];
  private readonly regionOf: Int32Array;
  private readonly zoneOf: Int32Array;
  private readonly ipOf: Int32Array;
  private readonly regionIds: number;
  private readonly zoneIds: number;
  private readonly ipIds: number;
  // Tiers holding partitions: the handoff walk stops a stage once all are hit.
  private readonly numRegions: number;
  private readonly numZones: number;
  private readonly numIps: number;

  constructor(data: RingData) {
    const table = data.replica2part2dev;
    if (table.length === 0 || table[0].length === 0) throw ringError('ring has no partitions assigned (never rebalanced?)');
    this.devs = data.devs;
    this.replica2part2dev = table;
    this.partShift = data.partShift;
    this.partCount = table[0].length;
    this.replicaCount = calcReplicaCount(table);
    this.nextPartPower = data.nextPartPower;
    this.version = data.version;
    if (this.partCount !== 2 ** (32 - this.partShift)) {
      throw ringError(`ring has ${this.partCount} partitions but part_shift ${this.partShift}`);
    }

    const n = data.devs.length;
    const assigned = new Uint8Array(n);
    for (const part2dev of table) {
      for (let p = 0; p < part2dev.length; p++) {
        const id = part2dev[p];
        if (id >= n || data.devs[id] === null) throw ringError(`partition ${p} is assigned to missing device ${id}`);
        assigned[id] = 1;
      }
    }

    this.extras = data.devs.map((d) => (d === null ? null : extraEntries(d)));
    this.regionOf = new Int32Array(n).fill(-1);
    this.zoneOf = new Int32Array(n).fill(-1);
    this.ipOf = new Int32Array(n).fill(-1);
    const regions = new Map<string, number>();
    const zones = new Map<string, number>();
    const ips = new Map<string, number>();
    const intern = (m: Map<string, number>, key: string): number => {
      let v = m.get(key);
      if (v === undefined) m.set(key, (v = m.size));
      return v;
    };
    const hitRegions = new Set<number>();
    const hitZones = new Set<number>();
    const hitIps = new Set<number>();
    let devices = 0;
    let weighted = 0;
    let assignedDevs = 0;
    data.devs.forEach((dev, id) => {
      if (dev === null) return;
      if (dev.id !== id) throw ringError(`devs[${id}] has id ${dev.id}`);
      devices++;
      if (dev.weight > 0) weighted++;
      const r = intern(regions, JSON.stringify([dev.region]));
      const z = intern(zones, JSON.stringify([dev.region, dev.zone]));
      const i = intern(ips, JSON.stringify([dev.region, dev.zone, dev.ip]));
      this.regionOf[id] = r;
      this.zoneOf[id] = z;
      this.ipOf[id] = i;
      if (assigned[id]) {
        assignedDevs++;
        hitRegions.add(r);
        hitZones.add(z);
        hitIps.add(i);
      }
    });
    this.deviceCount = devices;
    this.weightedDeviceCount = weighted;
    this.assignedDeviceCount = assignedDevs;
    this.regionIds = regions.size;
    this.zoneIds = zones.size;
    this.ipIds = ips.size;
    this.numRegions = hitRegions.size;
    this.numZones = hitZones.size;
    this.numIps = hitIps.size;
  }

  get partPower(): number {
    return 32 - this.partShift;
  }

  /** Partition of a hash_path digest's first 4 bytes (big-endian): its top
   * part_power bits. */
  partOf(top32: number): number {
    return topBits(top32, this.partShift);
  }

  /**
   * Primaries of a partition in replica order, a device that holds several
   * replicas listed once (Swift's `_get_part_nodes`); `index` is the position
   * in this de-duplicated list.
   */
  partNodes(part: number): RingNode[] {
    const nodes: RingNode[] = [];
    if (!Number.isInteger(part) || part < 0) return nodes;
    const table = this.replica2part2dev;
    for (let r = 0; r < table.length; r++) {
      const part2dev = table[r];
      if (part >= part2dev.length) continue;
      const id = part2dev[part];
      let seen = false;
      for (let i = 0; i < nodes.length; i++) {
        if (nodes[i].id === id) {
          seen = true;
          break;
        }
      }
      if (!seen) nodes.push(makeNode(this.devs[id] as RingDevice, this.extras[id], nodes.length));
    }
    return nodes;
  }

  /**
   * Handoffs for a partition in Swift 2.30's `get_more_nodes` order. The walk
   * visits partitions from a start given by md5(str(part)), stepping by
   * partCount/65536, and takes each replica's device there; it runs four
   * times, first taking only devices in regions no node so far is in, then
   * zones, then ips, then any unused device. Only devices holding
   * partitions are ever reached, so a removed or drained device never shows.
   */
  *handoffs(part: number): Generator<RingNode, void, undefined> {
    const primaries = this.partNodes(part);
    const used = new Uint8Array(this.devs.length);
    const sameRegion = new Uint8Array(this.regionIds);
    const sameZone = new Uint8Array(this.zoneIds);
    const sameIp = new Uint8Array(this.ipIds);
    let usedCount = 0;
    let regionCount = 0;
    let zoneCount = 0;
    let ipCount = 0;
    // Marks a device's tiers as holding a node; every stage marks all tiers,
    // which is what Swift's bookkeeping amounts to for the stages after it.
    const mark = (id: number): void => {
      if (!used[id]) {
        used[id] = 1;
        usedCount++;
      }
      const r = this.regionOf[id];
      const z = this.zoneOf[id];
      const i = this.ipOf[id];
      if (!sameRegion[r]) {
        sameRegion[r] = 1;
        regionCount++;
      }
      if (!sameZone[z]) {
        sameZone[z] = 1;
        zoneCount++;
      }
      if (!sameIp[i]) {
        sameIp[i] = 1;
        ipCount++;
      }
    };
    for (const node of primaries) mark(node.id);

    const parts = this.partCount;
    const start = topBits(parseInt(hash('md5', String(part), 'hex').slice(0, 8), 16), this.partShift);
    const inc = Math.floor(parts / 65536) || 1;
    // Swift's second leg, kept exactly: with inc 1 it begins at 1, so after
    // the wrap partition 0 is never visited (unless the walk started there).
    const wrapStart = inc - ((parts - start) % inc);
    const table = this.replica2part2dev;
    const base = primaries.length;
    let handoffIndex = 0;

    // Stages: 0 new region, 1 new zone, 2 new ip, 3 any unused device.
    const tierOf = [this.regionOf, this.zoneOf, this.ipOf];
    const seenTier = [sameRegion, sameZone, sameIp];
    for (let stage = 0; stage < 4; stage++) {
      const done = (): boolean =>
        stage === 0
          ? regionCount === this.numRegions
          : stage === 1
            ? zoneCount === this.numZones
            : stage === 2
              ? ipCount === this.numIps
              : usedCount === this.assignedDeviceCount;
      if (done()) continue;
      const tier = tierOf[stage];
      const seen = seenTier[stage];
      let wrapped = false;
      walk: for (let hp = start; ; hp += inc) {
        if (!wrapped && hp >= parts) {
          wrapped = true;
          hp = wrapStart;
        }
        if (wrapped && hp >= start) break;
        for (let r = 0; r < table.length; r++) {
          const part2dev = table[r];
          if (hp >= part2dev.length) continue;
          const id = part2dev[hp];
          if (used[id] || (stage < 3 && seen[tier[id]])) continue;
          const node = makeNode(this.devs[id] as RingDevice, this.extras[id], base + handoffIndex);
          node.handoff_index = handoffIndex;
          yield node;
          handoffIndex++;
          mark(id);
          if (done()) break walk;
        }
      }
    }
  }
}
