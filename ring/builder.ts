/**
 * RingBuilder: Swift's ring builder — devices, weights, replica count,
 * overload, min_part_hours — whose `rebalance()` assigns partitions and
 * whose `getRing()` gives the RingData written to a `.ring.gz`.
 */
import { InvalidArgumentError, RingError } from '../common/core.js';
import { balancePerDev, getBalance } from './balance.js';
import {
  liveDevs,
  MAX_BALANCE,
  NONE_DEV,
  newBuilderState,
  type BuilderDevice,
  type BuilderState,
} from './builder-state.js';
import { buildDispersionGraph, dispersionReport, type DispersionReport } from './dispersion.js';
import { rebalance, updateLastPartMoves, type RebalanceOptions, type RebalanceResult } from './rebalance.js';
import { requiredOverload, weightOfOnePart } from './replica-plan.js';
import { devMatches, type ChangeValues, type SearchValues } from './search-values.js';
import { buildTierTree } from './tier-tree.js';
import type { RingData, RingDevice } from './types.js';

/** A device to add; `id` is the lowest free one when not given, replication address defaults to the main one. */
export interface NewDevice {
  id?: number;
  region: number;
  zone: number;
  ip: string;
  port: number;
  replication_ip?: string | null;
  replication_port?: number | null;
  device: string;
  weight: number;
  meta?: string;
}

/** The highest dev id a Uint16 replica array can hold (65535 means "unassigned"). */
const MAX_DEV_ID = NONE_DEV - 1;

function builderError(message: string): RingError {
  return new RingError('ERR_RING_BUILDER', message);
}

export class RingBuilder {
  constructor(readonly state: BuilderState) {}

  /** A new builder with 2**partPower partitions (Swift's `RingBuilder(part_power, replicas, min_part_hours)`). */
  static create(partPower: number, replicas: number, minPartHours: number): RingBuilder {
    if (!Number.isInteger(partPower) || partPower < 0) throw new InvalidArgumentError(`invalid part_power ${partPower}`);
    if (partPower > 32) throw new InvalidArgumentError(`part_power must be at most 32 (was ${partPower})`);
    if (partPower > 24) throw new InvalidArgumentError(`part_power above 24 is not supported (was ${partPower})`);
    if (!(replicas >= 1)) throw new InvalidArgumentError(`replicas must be at least 1 (was ${replicas.toFixed(6)})`);
    if (!Number.isInteger(minPartHours) || minPartHours < 0) {
      throw new InvalidArgumentError(`min_part_hours must be non-negative (was ${minPartHours})`);
    }
    return new RingBuilder(newBuilderState(partPower, replicas, minPartHours));
  }

  get partPower(): number {
    return this.state.partPower;
  }
  get parts(): number {
    return this.state.parts;
  }
  get replicas(): number {
    return this.state.replicas;
  }
  get minPartHours(): number {
    return this.state.minPartHours;
  }
  get overload(): number {
    return this.state.overload;
  }
  get version(): number {
    return this.state.version;
  }
  get devsChanged(): boolean {
    return this.state.devsChanged;
  }
  get dispersion(): number | null {
    return this.state.dispersion;
  }
  get devs(): readonly (BuilderDevice | null)[] {
    return this.state.devs;
  }
  get everRebalanced(): boolean {
    return this.state.replica2part2dev !== null;
  }
  /** Devices marked for removal at the next rebalance. */
  get removeDevs(): readonly number[] {
    return this.state.removeDevs;
  }

  /** The non-null devices. */
  liveDevs(): BuilderDevice[] {
    return liveDevs(this.state);
  }

  private dev(id: number): BuilderDevice {
    const dev = this.state.devs[id];
    if (!dev) throw new InvalidArgumentError(`No device with id ${id}`);
    return dev;
  }

  private touched(): void {
    this.state.devsChanged = true;
    this.state.version++;
  }

  /** Adds a device; returns its id. */
  addDev(spec: NewDevice): number {
    const devs = this.state.devs;
    let id = spec.id;
    if (id === undefined) {
      const hole = devs.indexOf(null);
      id = hole >= 0 ? hole : devs.length;
    }
    if (!Number.isInteger(id) || id < 0 || id > MAX_DEV_ID) throw new InvalidArgumentError(`Invalid device id: ${id}`);
    if (id < devs.length && devs[id]) throw builderError(`Duplicate device id: ${id}`);
    for (const key of ['region', 'zone', 'ip', 'port', 'device', 'weight'] as const) {
      if (spec[key] === undefined || spec[key] === null) {
        throw new InvalidArgumentError(`device is missing required key(s): ${key}`);
      }
    }
    if (!(spec.weight >= 0)) throw new InvalidArgumentError(`Invalid weight value: ${spec.weight}`);
    while (devs.length <= id) devs.push(null);
    devs[id] = {
      id,
      region: spec.region,
      zone: spec.zone,
      ip: spec.ip,
      port: spec.port,
      replication_ip: spec.replication_ip ?? spec.ip,
      replication_port: spec.replication_port ?? spec.port,
      device: spec.device,
      weight: Number(spec.weight),
      meta: spec.meta ?? '',
      parts: 0,
    };
    this.touched();
    return id;
  }

  private notRemoving(id: number, what: string): void {
    if (this.state.removeDevs.includes(id)) {
      throw new InvalidArgumentError(`Can not set ${what} of dev_id ${id} because it is marked for removal`);
    }
  }

  setDevWeight(id: number, weight: number): void {
    this.notRemoving(id, 'weight');
    if (!(weight >= 0)) throw new InvalidArgumentError(`Invalid weight value: ${weight}`);
    this.dev(id).weight = weight;
    this.touched();
  }

  setDevRegion(id: number, region: number): void {
    this.notRemoving(id, 'region');
    this.dev(id).region = region;
    this.touched();
  }

  setDevZone(id: number, zone: number): void {
    this.notRemoving(id, 'zone');
    this.dev(id).zone = zone;
    this.touched();
  }

  /**
   * Changes address, device name or meta. Like Swift's set_info this does not
   * count as a device change (no rebalance needed, just write_ring).
   */
  setDevInfo(id: number, change: ChangeValues): void {
    const dev = this.dev(id);
    const next = { ...dev, ...change };
    for (const other of this.liveDevs()) {
      if (other.id !== id && other.ip === next.ip && other.port === next.port && other.device === next.device) {
        throw new InvalidArgumentError(`Device ${other.id} already uses ${other.ip}:${other.port}/${other.device}.`);
      }
    }
    Object.assign(dev, change);
  }

  /** Marks a device for removal: its weight drops to 0 and the next rebalance empties and drops it. */
  removeDev(id: number): void {
    const dev = this.dev(id);
    dev.weight = 0;
    if (!this.state.removeDevs.includes(id)) this.state.removeDevs.push(id);
    this.touched();
  }

  setOverload(overload: number): void {
    if (!(overload >= 0)) throw new InvalidArgumentError('Overload must be non-negative.');
    this.state.overload = overload;
  }

  /** Changes the replica count (may be fractional); takes effect at the next rebalance. */
  setReplicas(replicas: number): void {
    if (!(replicas >= 1)) throw new InvalidArgumentError('Replica count must be at least 1.');
    const { parts } = this.state;
    if (Math.floor(parts * this.state.replicas) !== Math.floor(parts * replicas)) this.state.devsChanged = true;
    this.state.replicas = replicas;
  }

  setMinPartHours(hours: number): void {
    if (!Number.isInteger(hours) || hours < 0) throw new InvalidArgumentError(`min_part_hours must be non-negative (was ${hours})`);
    this.state.minPartHours = hours;
  }

  /** Marks every partition as moved 255 hours ago so the next rebalance may move anything. */
  pretendMinPartHoursPassed(): void {
    this.state.lastPartMovesEpoch = 0;
    this.state.lastPartMoves.fill(0xff);
  }

  /** Seconds until min_part_hours have passed since the last rebalance. */
  minPartSecondsLeft(now = Date.now() / 1000): number {
    const elapsed = Math.trunc(now - this.state.lastPartMovesEpoch);
    return Math.max(this.state.minPartHours * 3600 - elapsed, 0);
  }

  /** Ages the per-partition move times to `now` (Swift's `_update_last_part_moves`). */
  updateLastPartMoves(now = Date.now() / 1000): void {
    updateLastPartMoves(this.state, now);
  }

  rebalance(options: RebalanceOptions = {}): RebalanceResult {
    return rebalance(this.state, options);
  }

  /** Worst device balance, in percent. */
  getBalance(): number {
    return getBalance(this.state);
  }

  balancePerDev(): Map<number, number> {
    return balancePerDev(this.state);
  }

  weightOfOnePart(): number {
    return weightOfOnePart(this.state);
  }

  /** The least overload that would allow full dispersion. */
  getRequiredOverload(): number {
    return requiredOverload(buildTierTree(this.state.devs), this.state);
  }

  /** Recomputes the dispersion figure (bumping the version when it changes, as Swift's recalculation does). */
  recalculateDispersion(): number {
    this.state.dispersion = buildDispersionGraph(this.state).dispersion;
    this.state.version++;
    return this.state.dispersion;
  }

  dispersionReport(options: { searchFilter?: string; verbose?: boolean } = {}): DispersionReport {
    return dispersionReport(this.state, options);
  }

  /** Devices matching the search values (Swift's `search_devs`). */
  searchDevs(values: SearchValues): BuilderDevice[] {
    return this.liveDevs().filter((dev) => devMatches(dev, values));
  }

  /** Devices holding `part`, without duplicates. */
  getPartDevices(part: number): BuilderDevice[] {
    const out: BuilderDevice[] = [];
    for (const p2d of this.state.replica2part2dev ?? []) {
      if (part >= p2d.length || p2d[part] === NONE_DEV) continue;
      const dev = this.state.devs[p2d[part]];
      if (dev && !out.includes(dev)) out.push(dev);
    }
    return out;
  }

  /**
   * Partitions with a replica on any of `devIds`, with how many of their
   * replicas are there, most first (Swift's list_parts order).
   */
  listParts(devIds: Iterable<number>): [part: number, matches: number][] {
    const r2p2d = this.state.replica2part2dev;
    if (!r2p2d) return [];
    const wanted = new Uint8Array(NONE_DEV + 1);
    for (const id of devIds) wanted[id] = 1;
    const counts = new Uint8Array(this.state.parts);
    const firstSeen: number[] = [];
    for (const p2d of r2p2d) {
      for (let p = 0; p < p2d.length; p++) {
        if (!wanted[p2d[p]]) continue;
        if (counts[p]++ === 0) firstSeen.push(p);
      }
    }
    const out = firstSeen.map((p): [number, number] => [p, counts[p]]);
    return out.sort((a, b) => b[1] - a[1]);
  }

  /** The RingData for a `.ring.gz`: devices without builder fields, replica arrays copied. */
  getRing(): RingData {
    const devs: (RingDevice | null)[] = this.state.devs.map((dev) => {
      if (!dev) return null;
      const { parts: _parts, ...ringDev } = dev;
      return {
        id: ringDev.id,
        region: ringDev.region,
        zone: ringDev.zone,
        ip: ringDev.ip,
        port: ringDev.port,
        replication_ip: ringDev.replication_ip,
        replication_port: ringDev.replication_port,
        device: ringDev.device,
        weight: ringDev.weight,
        meta: ringDev.meta,
      };
    });
    const data: RingData = {
      devs,
      replica2part2dev: (this.state.replica2part2dev ?? []).map((p2d) => p2d.slice()),
      partShift: 32 - this.state.partPower,
      version: this.state.version,
    };
    if (this.state.nextPartPower !== null) data.nextPartPower = this.state.nextPartPower;
    return data;
  }

  /**
   * Swift's safety checks: every partition-replica on a real device, no
   * partition twice on one device, counts consistent. With `stats`, also
   * the part count per device and the worst skew from weight.
   */
  validate(stats = false): { devUsage: Int32Array; worst: number } | null {
    const { state } = this;
    const r2p2d = state.replica2part2dev;
    const devLen = state.devs.length;
    let partsOnDevs = 0;
    for (const dev of this.liveDevs()) partsOnDevs += dev.parts;
    if (!r2p2d || r2p2d.length === 0) throw builderError('_replica2part2dev empty; did you forget to rebalance?');
    let inMap = 0;
    for (const p2d of r2p2d) inMap += p2d.length;
    if (partsOnDevs !== inMap) throw builderError(`All partitions are not double accounted for: ${partsOnDevs} != ${inMap}`);
    for (const dev of this.liveDevs()) {
      if (!Number.isInteger(dev.port)) {
        throw builderError(`Device ${dev.id} has port ${JSON.stringify(dev.port)}, which is not an integer.`);
      }
    }
    const intReplicas = Math.ceil(state.replicas);
    r2p2d.forEach((p2d, r) => {
      if (p2d.length < state.parts && r + 1 < intReplicas) {
        throw builderError(
          `The partition assignments of replica ${r} were shorter than expected (${p2d.length} < ${state.parts}) - this should only happen for the last replica`,
        );
      }
    });
    const seen = new Int32Array(devLen).fill(-1);
    for (let part = 0; part < state.parts; part++) {
      for (let r = 0; r < r2p2d.length; r++) {
        if (part >= r2p2d[r].length) break;
        const id = r2p2d[r][part];
        if (id >= devLen || !state.devs[id]) throw builderError(`Partition ${part}, replica ${r} was not allocated to a device.`);
        if (seen[id] === part) {
          const ids = r2p2d.filter((p2d) => part < p2d.length).map((p2d) => p2d[part]);
          throw builderError(`The partition ${part} has been assigned to duplicate devices [${ids.join(', ')}]`);
        }
        seen[id] = part;
      }
    }
    if (!stats) return null;
    const devUsage = new Int32Array(devLen);
    for (const p2d of r2p2d) for (let p = 0; p < p2d.length; p++) devUsage[p2d[p]]++;
    const wop = this.weightOfOnePart();
    let worst = 0;
    for (const dev of this.liveDevs()) {
      if (!dev.weight) {
        if (devUsage[dev.id]) {
          worst = MAX_BALANCE;
          break;
        }
        continue;
      }
      const skew = Math.abs((100 * devUsage[dev.id]) / (dev.weight * wop) - 100);
      if (skew > worst) worst = skew;
    }
    return { devUsage, worst };
  }
}
