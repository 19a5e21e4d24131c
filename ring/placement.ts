/**
 * The per-partition machinery of a rebalance: per-device part counts and
 * wants, per-tier room, the replica counts of the partition at hand, and the
 * search for a new home for a replica. Everything is typed arrays indexed by
 * dev id or tier node, so a rebalance of 2**20 partitions stays in
 * milliseconds per pass.
 */
import { RingError } from '../common/core.js';
import { NONE_DEV, type BuilderState } from './builder-state.js';
import type { Prng } from './prng.js';
import type { ReplicaPlan } from './replica-plan.js';
import { DEPTH_DEVICE, TIERS_PER_DEV, type TierTree } from './tier-tree.js';

/** How far ahead of weighted devices a draining (zero-weight) device sorts as overweight. */
const DRAIN_BIAS = 0x40000000;
/** How much likelier, per unit of room, a tier with the fewest replicas of the part is picked. */
const CROWD_FACTOR = 8;

export class PartPlacer {
  readonly r2p2d: Uint16Array[];
  /** Partition-replicas held, by dev id. */
  readonly parts: Int32Array;
  /** Target minus held, by dev id (negative: overweight). */
  readonly wanted: Int32Array;
  /** 1 for devices with zero weight: they want to shed everything. */
  readonly drain: Uint8Array;
  /** Sum of positive `wanted` under each tier node. */
  readonly avail: Int32Array;
  /** Replicas of the loaded partition in each tier node. */
  readonly cnt: Int32Array;
  private readonly tried: Int32Array;
  private stamp = 0;

  private readonly weightedDevs: number[];
  /** Devices with weight and parts beyond their target, plus draining devices holding parts. */
  overweight = 0;

  constructor(
    readonly state: BuilderState,
    readonly tree: TierTree,
    readonly plan: ReplicaPlan,
    targets: Int32Array,
    private readonly rng: Prng,
  ) {
    this.r2p2d = state.replica2part2dev!;
    const n = state.devs.length;
    this.parts = new Int32Array(n);
    this.wanted = new Int32Array(n);
    this.drain = new Uint8Array(n);
    this.avail = new Int32Array(tree.nodeCount);
    this.cnt = new Int32Array(tree.nodeCount);
    this.tried = new Int32Array(tree.nodeCount);
    this.weightedDevs = [];

    for (const p2d of this.r2p2d) for (let p = 0; p < p2d.length; p++) if (p2d[p] !== NONE_DEV) this.parts[p2d[p]]++;
    for (const dev of state.devs) {
      if (!dev) continue;
      const id = dev.id;
      if (dev.weight > 0) {
        this.weightedDevs.push(id);
        this.wanted[id] = targets[tree.devPath[id * TIERS_PER_DEV + 3]] - this.parts[id];
        if (this.wanted[id] > 0) this.addAvail(id, this.wanted[id]);
      } else {
        this.drain[id] = 1;
        this.wanted[id] = -this.parts[id];
      }
      if (this.isOver(id)) this.overweight++;
    }
  }

  /** How overweight a device is; larger sheds first. */
  overness(dev: number): number {
    return this.drain[dev] ? DRAIN_BIAS + this.parts[dev] : -this.wanted[dev];
  }

  /** Partition-replicas held beyond target, summed over all devices. */
  excess(): number {
    let sum = 0;
    for (const dev of this.state.devs) {
      if (!dev) continue;
      if (this.drain[dev.id]) sum += this.parts[dev.id];
      else if (this.wanted[dev.id] < 0) sum -= this.wanted[dev.id];
    }
    return sum;
  }

  isOver(dev: number): boolean {
    return this.drain[dev] ? this.parts[dev] > 0 : this.wanted[dev] < 0;
  }

  private addAvail(dev: number, delta: number): void {
    const base = dev * TIERS_PER_DEV;
    const path = this.tree.devPath;
    this.avail[0] += delta;
    for (let t = 0; t < TIERS_PER_DEV; t++) this.avail[path[base + t]] += delta;
  }

  private countPath(dev: number, delta: number): void {
    const base = dev * TIERS_PER_DEV;
    const path = this.tree.devPath;
    this.cnt[0] += delta;
    for (let t = 0; t < TIERS_PER_DEV; t++) this.cnt[path[base + t]] += delta;
  }

  /** Counts the replicas of `part` per tier into `cnt`. */
  loadPart(part: number): void {
    for (const p2d of this.r2p2d) {
      if (part < p2d.length && p2d[part] !== NONE_DEV) this.countPath(p2d[part], 1);
    }
  }

  /** Undoes `loadPart` (call with the partition's current assignment). */
  unloadPart(part: number): void {
    for (const p2d of this.r2p2d) {
      if (part < p2d.length && p2d[part] !== NONE_DEV) this.countPath(p2d[part], -1);
    }
  }

  /** True when a replica on `dev` sits in a tier holding more replicas of the loaded part than planned. */
  undispersed(dev: number): boolean {
    const base = dev * TIERS_PER_DEV;
    const path = this.tree.devPath;
    for (let t = 0; t < TIERS_PER_DEV; t++) {
      const node = path[base + t];
      if (this.cnt[node] > this.plan.max[node]) return true;
    }
    return false;
  }

  /** Takes replica `replica` of the loaded `part` off its device. */
  unassign(part: number, replica: number): number {
    const p2d = this.r2p2d[replica];
    const dev = p2d[part];
    p2d[part] = NONE_DEV;
    const wasOver = this.isOver(dev);
    this.parts[dev]--;
    this.wanted[dev]++;
    if (!this.drain[dev] && this.wanted[dev] > 0) this.addAvail(dev, 1);
    if (wasOver && !this.isOver(dev)) this.overweight--;
    this.countPath(dev, -1);
    return dev;
  }

  /** Puts replica `replica` of the loaded `part` on `dev`. */
  assign(part: number, replica: number, dev: number): void {
    this.r2p2d[replica][part] = dev;
    const wasOver = this.isOver(dev);
    if (!this.drain[dev] && this.wanted[dev] > 0) this.addAvail(dev, -1);
    this.parts[dev]++;
    this.wanted[dev]--;
    if (!wasOver && this.isOver(dev)) this.overweight++;
    this.countPath(dev, 1);
  }

  /**
   * The deepest tier on `dev`'s path that would hold fewer replicas of the
   * loaded part than the plan's minimum once the replica on `dev` leaves
   * (call after unassigning it): a replacement must stay inside that tier.
   */
  keepWithin(dev: number): number {
    const base = dev * TIERS_PER_DEV;
    const path = this.tree.devPath;
    for (let t = TIERS_PER_DEV - 1; t >= 0; t--) {
      const node = path[base + t];
      if (this.cnt[node] < this.plan.min[node]) return node;
    }
    return 0;
  }

  /**
   * A device under `root` with room (positive want) where another replica
   * of the loaded part keeps every tier within the plan's maximum; -1 if
   * none. Children holding the fewest replicas of the part are tried
   * first, at random in proportion to their room, so replicas spread as far
   * as the tiers allow and partitions mix across devices.
   */
  findHome(root: number): number {
    this.stamp++;
    return this.search(root);
  }

  private search(node: number): number {
    const { tree, cnt, avail, tried, stamp } = this;
    const max = this.plan.max;
    if (tree.depth[node] === DEPTH_DEVICE) {
      const dev = tree.nodeDev[node];
      return cnt[node] < max[node] && this.wanted[dev] > 0 && !this.drain[dev] ? dev : -1;
    }
    const kids = tree.children[node];
    const min = this.plan.min;
    for (;;) {
      // Tiers below the plan's minimum for this part come first (dispersion
      // the plan requires); then any tier under its maximum, in proportion
      // to room (balance), the ones holding the fewest replicas of the part
      // weighted up (dispersion beyond the plan, where room allows).
      let fewest = 0x7fffffff;
      let needyFewest = 0x7fffffff;
      let sumAll = 0;
      let sumFewest = 0;
      let sumNeedy = 0;
      let sumNeedyFewest = 0;
      let only = -1;
      let eligible = 0;
      for (let i = 0; i < kids.length; i++) {
        const c = kids[i];
        const k = cnt[c];
        const a = avail[c];
        if (k >= max[c] || a <= 0 || tried[c] === stamp) continue;
        eligible++;
        only = c;
        sumAll += a;
        if (k < fewest) {
          fewest = k;
          sumFewest = a;
        } else if (k === fewest) sumFewest += a;
        if (k < min[c]) {
          sumNeedy += a;
          if (k < needyFewest) {
            needyFewest = k;
            sumNeedyFewest = a;
          } else if (k === needyFewest) sumNeedyFewest += a;
        }
      }
      if (eligible === 0) return -1;
      let chosen = only;
      if (eligible > 1) {
        const needy = sumNeedy > 0;
        const low = needy ? needyFewest : fewest;
        const atLow = needy ? sumNeedyFewest : sumFewest;
        const total = (needy ? sumNeedy : sumAll) + atLow * (CROWD_FACTOR - 1);
        let pick = this.rng.next() * total;
        for (let i = 0; i < kids.length; i++) {
          const c = kids[i];
          const k = cnt[c];
          if (k >= max[c] || avail[c] <= 0 || tried[c] === stamp || (needy && k >= min[c])) continue;
          chosen = c;
          pick -= k === low ? avail[c] * CROWD_FACTOR : avail[c];
          if (pick < 0) break;
        }
      }
      const found = this.search(chosen);
      if (found >= 0) return found;
      tried[chosen] = stamp;
    }
  }

  /**
   * When no device with room fits: the least-overweight weighted device
   * that keeps the plan's maxima, else any weighted device not already
   * holding the part.
   */
  fallbackHome(): number {
    const { tree, cnt } = this;
    const max = this.plan.max;
    const path = tree.devPath;
    let best = -1;
    let loose = -1;
    for (const dev of this.weightedDevs) {
      const base = dev * TIERS_PER_DEV;
      if (cnt[path[base + 3]] > 0) continue;
      if (loose < 0 || this.wanted[dev] > this.wanted[loose]) loose = dev;
      let fits = true;
      for (let t = 0; t < TIERS_PER_DEV; t++) {
        const node = path[base + t];
        if (cnt[node] >= max[node]) {
          fits = false;
          break;
        }
      }
      if (fits && (best < 0 || this.wanted[dev] > this.wanted[best])) best = dev;
    }
    if (best >= 0) return best;
    if (loose >= 0) return loose;
    throw new RingError('ERR_RING_BUILDER', 'No device left to hold another replica of a partition');
  }
}
