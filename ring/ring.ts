/**
 * `Ring`: Swift's ring lookups over a `.ring.gz` (or ring data in memory).
 * Like Swift's, a file-backed ring looks at the file's mtime at most every
 * `reloadTime` seconds, on a lookup, and reloads when it changed.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hashPathTop32, RingError, type HashPathSecrets } from '../common/core.js';
import { parseRing } from './ring-file.js';
import { RingTable } from './ring-table.js';
import type { RingData, RingDevice, RingLookup, RingNode } from './types.js';

/** Swift's `DEFAULT_RELOAD_TIME`, seconds. */
export const DEFAULT_RELOAD_TIME = 15;

export interface RingOptions {
  /** The hash path prefix/suffix from swift.conf (`SwiftConf.hashPath`). */
  hashPath: HashPathSecrets;
  /** With a directory as source: read `<dir>/<ringName>.ring.gz`
   * (`account`, `container`, `object`, `object-1`, …). */
  ringName?: string;
  /** Seconds between checks of the file's mtime (Swift's `reload_time`). */
  reloadTime?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
}

interface FileStamp {
  mtimeMs: number;
  ino: number;
  size: number;
}

/**
 * Partitioned consistent hashing ring (Swift's `Ring`).
 *
 * `new Ring('/etc/swift', { ringName: 'object', hashPath })` reads
 * `/etc/swift/object.ring.gz`; `new Ring('/path/x.ring.gz', { hashPath })`
 * reads that file; `new Ring(ringData, { hashPath })` serves data in memory
 * and never reloads.
 *
 * A failed reload (file unreadable or corrupt) keeps the ring already loaded
 * and records the error in `lastReloadError`; Swift raises it from the lookup
 * instead. The first load's errors are thrown from the constructor.
 */
export class Ring implements RingLookup {
  /** The ring file, when file-backed. */
  readonly serializedPath?: string;
  readonly reloadTime: number;
  /** Set when a reload failed; cleared by the next successful load. */
  lastReloadError?: unknown;

  private readonly secrets: HashPathSecrets;
  private readonly clock: () => number;
  private table: RingTable;
  private stamp?: FileStamp;
  private fileMd5?: string;
  private reloadAt = 0;

  constructor(source: string | RingData, options: RingOptions) {
    this.secrets = options.hashPath;
    this.reloadTime = options.reloadTime ?? DEFAULT_RELOAD_TIME;
    this.clock = options.clock ?? Date.now;
    if (typeof source === 'string') {
      this.serializedPath = options.ringName ? join(source, `${options.ringName}.ring.gz`) : source;
      this.table = this.load();
    } else {
      this.table = new RingTable(source);
    }
    this.reloadAt = this.clock() + this.reloadTime * 1000;
  }

  private statFile(): FileStamp {
    const st = statSync(this.serializedPath!);
    return { mtimeMs: st.mtimeMs, ino: st.ino, size: st.size };
  }

  private load(): RingTable {
    const path = this.serializedPath!;
    let stamp: FileStamp;
    let gz: Buffer;
    try {
      stamp = this.statFile();
      gz = readFileSync(path);
    } catch (err) {
      throw new RingError('ERR_RING_FILE', `cannot read ring file ${path}: ${(err as Error).message}`, err);
    }
    let table: RingTable;
    try {
      table = new RingTable(parseRing(gz));
    } catch (err) {
      if (err instanceof RingError) throw new RingError(err.code as 'ERR_RING' | 'ERR_RING_FILE', `${path}: ${err.message}`, err);
      throw err;
    }
    this.stamp = stamp;
    this.fileMd5 = createHash('md5').update(gz).digest('hex');
    this.lastReloadError = undefined;
    return table;
  }

  /** True when the file on disk is not the one loaded (Swift's `has_changed`). */
  hasChanged(): boolean {
    if (this.serializedPath === undefined || this.stamp === undefined) return false;
    const now = this.statFile();
    return now.mtimeMs !== this.stamp.mtimeMs || now.ino !== this.stamp.ino || now.size !== this.stamp.size;
  }

  /** Reloads now if the file changed (or always, with `force`). */
  reload(force = false): void {
    this.reloadAt = this.clock() + this.reloadTime * 1000;
    if (this.serializedPath === undefined) return;
    try {
      if (force || this.hasChanged()) this.table = this.load();
    } catch (err) {
      this.lastReloadError = err;
    }
  }

  /** The loaded table, after Swift's lazy reload check. */
  private current(): RingTable {
    if (this.serializedPath !== undefined && this.clock() > this.reloadAt) this.reload();
    return this.table;
  }

  get partPower(): number {
    return this.table.partPower;
  }

  get partCount(): number {
    return this.table.partCount;
  }

  /** Replicas, fractional when the last replica covers only some partitions. */
  get replicaCount(): number {
    return this.table.replicaCount;
  }

  get devs(): readonly (RingDevice | null)[] {
    return this.current().devs;
  }

  get nextPartPower(): number | undefined {
    return this.current().nextPartPower;
  }

  get version(): number | undefined {
    return this.table.version;
  }

  /** Hex MD5 of the loaded `.ring.gz` bytes (what swift-recon compares). */
  get md5(): string | undefined {
    return this.fileMd5;
  }

  get deviceCount(): number {
    return this.table.deviceCount;
  }

  get weightedDeviceCount(): number {
    return this.table.weightedDeviceCount;
  }

  get assignedDeviceCount(): number {
    return this.table.assignedDeviceCount;
  }

  /** The partition of an account, container or object. */
  getPart(account: string, container?: string, object?: string): number {
    return this.current().partOf(hashPathTop32(this.secrets, account, container, object));
  }

  /** The primary nodes of a partition (a device holding two replicas is
   * listed once); `index` is the node's position. Out of range: `[]`. */
  getPartNodes(partition: number): RingNode[] {
    return this.current().partNodes(partition);
  }

  /** Partition and primary nodes of an account, container or object. */
  getNodes(account: string, container?: string, object?: string): { partition: number; nodes: RingNode[] } {
    const table = this.current();
    const partition = table.partOf(hashPathTop32(this.secrets, account, container, object));
    return { partition, nodes: table.partNodes(partition) };
  }

  /**
   * Handoff nodes in Swift's `get_more_nodes` order, lazily. Each carries
   * `handoff_index` (0, 1, …) and `index` = primaries + handoff_index.
   */
  moreNodes(partition: number): Iterable<RingNode> {
    return this.current().handoffs(partition);
  }
}
