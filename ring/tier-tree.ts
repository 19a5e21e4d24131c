/**
 * Swift's failure-domain tiers as an integer tree: root → region → zone →
 * server (ip) → device. Node ids replace Swift's tier tuples so per-partition
 * work is array indexing, not tuple hashing.
 */
import type { BuilderDevice } from './builder-state.js';

export const DEPTH_REGION = 1;
export const DEPTH_ZONE = 2;
export const DEPTH_SERVER = 3;
export const DEPTH_DEVICE = 4;
/** Tiers per device (region, zone, server, device), as Swift's `tiers_for_dev`. */
export const TIERS_PER_DEV = 4;

export interface TierTree {
  nodeCount: number;
  /** 0 for the root, 4 for a device. */
  depth: Uint8Array;
  parent: Int32Array;
  /** Swift's tier tuple for each node: [], [r], [r, z], [r, z, ip], [r, z, ip, id]. */
  tier: (number | string)[][];
  /** Children holding at least one weighted device, in Swift's sorted tuple order. */
  children: number[][];
  /** Weighted devices under each node. */
  weightedDevs: Int32Array;
  /** dev id → [region, zone, server, device] node ids (-1 for a missing dev). */
  devPath: Int32Array;
  /** device node → dev id (-1 for other nodes). */
  nodeDev: Int32Array;
}

function compareKey(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a), sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Builds the tree over every live device; only weighted ones count as children. */
export function buildTierTree(devs: readonly (BuilderDevice | null)[]): TierTree {
  const tier: (number | string)[][] = [[]];
  const depthList: number[] = [0];
  const parentList: number[] = [-1];
  const allChildren: number[][] = [[]];
  const index = new Map<string, number>();
  const devPath = new Int32Array(devs.length * TIERS_PER_DEV).fill(-1);
  const node = (key: string, tuple: (number | string)[], parent: number): number => {
    let id = index.get(key);
    if (id === undefined) {
      id = tier.length;
      index.set(key, id);
      tier.push(tuple);
      depthList.push(tuple.length);
      parentList.push(parent);
      allChildren.push([]);
      allChildren[parent].push(id);
    }
    return id;
  };
  for (const dev of devs) {
    if (!dev) continue;
    const kr = `${dev.region}`;
    const kz = `${kr}\u0000${dev.zone}`;
    const ks = `${kz}\u0000${dev.ip}`;
    const r = node(kr, [dev.region], 0);
    const z = node(kz, [dev.region, dev.zone], r);
    const s = node(ks, [dev.region, dev.zone, dev.ip], z);
    const d = node(`${ks}\u0000#${dev.id}`, [dev.region, dev.zone, dev.ip, dev.id], s);
    devPath.set([r, z, s, d], dev.id * TIERS_PER_DEV);
  }
  const nodeCount = tier.length;
  const depth = Uint8Array.from(depthList);
  const parent = Int32Array.from(parentList);
  const nodeDev = new Int32Array(nodeCount).fill(-1);
  const weightedDevs = new Int32Array(nodeCount);
  for (const dev of devs) {
    if (!dev) continue;
    const d = devPath[dev.id * TIERS_PER_DEV + 3];
    nodeDev[d] = dev.id;
    if (dev.weight > 0) {
      for (let n = d; n >= 0; n = parent[n]) weightedDevs[n]++;
    }
  }
  const children = allChildren.map((kids) =>
    kids
      .filter((k) => weightedDevs[k] > 0)
      .sort((a, b) => compareKey(tier[a][tier[a].length - 1], tier[b][tier[b].length - 1])),
  );
  return { nodeCount, depth, parent, tier, children, weightedDevs, devPath, nodeDev };
}
