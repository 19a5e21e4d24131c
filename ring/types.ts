/**
 * The shapes shared by the ring builder, ring files and ring lookups.
 * Field names of `RingDevice` are Swift's, since they are written as-is into
 * the JSON header of a `.ring.gz` and read by Swift.
 */

/** A device as it appears in a ring file (Swift's dev dict). */
export interface RingDevice {
  id: number;
  region: number;
  zone: number;
  ip: string;
  port: number;
  replication_ip: string;
  replication_port: number;
  device: string;
  weight: number;
  meta: string;
}

/** A device returned by a lookup: the ring device plus its replica `index`
 * (primaries: 0..replicas-1; handoffs carry `handoff_index` as Swift's, and
 * `index` = number of primaries + handoff_index, so `index` is the node's
 * position in primaries-then-handoffs order). Fresh objects on every call. */
export interface RingNode extends RingDevice {
  index: number;
  handoff_index?: number;
}

/** What a `.ring.gz` holds (Swift's RingData). */
export interface RingData {
  /** Indexed by device id; `null` where a device was removed. */
  devs: (RingDevice | null)[];
  /** One array per replica, partition → device id. With a fractional replica
   * count the last array is shorter than the others. */
  replica2part2dev: Uint16Array[];
  /** 32 - part_power. */
  partShift: number;
  nextPartPower?: number;
  /** The builder's version counter, when written by a builder. */
  version?: number;
}

/** Lookups the proxy and daemons use (Swift's `Ring`). */
export interface RingLookup {
  readonly partPower: number;
  readonly partCount: number;
  readonly replicaCount: number;
  readonly devs: readonly (RingDevice | null)[];
  getPart(account: string, container?: string, object?: string): number;
  getPartNodes(partition: number): RingNode[];
  getNodes(account: string, container?: string, object?: string): { partition: number; nodes: RingNode[] };
  /** Handoff nodes for a partition, in Swift's order (tier dispersion first). */
  moreNodes(partition: number): Iterable<RingNode>;
}
