/**
 * container-replicator and account-replicator (Swift's `common/db_replicator.py`)
 * over the DB servers' REPLICATE RPC (storage/db/replicator-rpc.ts). For
 * every DB on this server's ring devices, to every other primary (all
 * primaries when the DB sits on a handoff):
 *
 * 1. `sync` with our replication info → the peer's info and its sync point
 *    for our DB id; 404 means it has no copy: we upload the whole DB (a
 *    consistent SQLite backup) and `complete_rsync` it;
 * 2. in sync when the peer's point (or our outgoing point for it) reaches
 *    our max_row, or the hashes match (our outgoing point advances);
 * 3. far behind (its max_row under half ours and more than per_diff rows
 *    back): upload the whole DB and `rsync_then_merge`;
 * 4. otherwise send the rows since that point in `merge_items` batches of
 *    per_diff (at most max_diffs batches a pass), then our sync table
 *    (`merge_syncs`), and record our outgoing sync point.
 *
 * A handoff DB is removed once every primary has it and no row arrived
 * since its sync began (checked and removed under the DB's write lock); a
 * primary answering 507 is replaced by the next handoff. A DB that is deleted
 * and empty past reclaim_age is removed, and old tombstone rows reclaimed.
 *
 * Options (`[container-replicator]` / `[account-replicator]`): interval 30,
 * concurrency 8, per_diff 1000, max_diffs 100, reclaim_age 604800,
 * node_timeout 10, conn_timeout 0.5, rsync_timeout 900.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import pLimit from 'p-limit';
import { dumpReconCache, getFloat, getInt, quotePath, type Logger } from '../common/index.js';
import { Ring, type RingDevice, type RingLookup } from '../ring/index.js';
import { AccountBroker, ContainerBroker, ContainerSyncStore, REPLICATE_UPLOAD_HEADER, type DatabaseBroker } from '../storage/index.js';
import { BackendClient, isSuccess } from './backend-client.js';
import { commonDaemonConf, type CommonDaemonConf } from './daemon-conf.js';
import type { Daemon, DaemonContext } from './daemon.js';
import { checkDevice, listDir } from './devices.js';
import { localDevices } from './local-devices.js';

export type DbKind = 'container' | 'account';

export interface DbReplicationStats {
  attempted: number;
  success: number;
  failure: number;
  no_change: number;
  hashmatch: number;
  rsync: number;
  remote_merge: number;
  diff: number;
  diff_capped: number;
  remove: number;
  empty: number;
  start: number;
}

type Row = Record<string, unknown>;

const newStats = (): DbReplicationStats => ({
  attempted: 0, success: 0, failure: 0, no_change: 0, hashmatch: 0, rsync: 0, remote_merge: 0, diff: 0, diff_capped: 0,
  remove: 0, empty: 0, start: Date.now() / 1000,
});

const HASH_RE = /^[0-9a-f]{32}$/;

/** Swift's statsd name for each counter of the stats that has one (`removes` takes the device too). */
const STATSD_NAME: Partial<Record<keyof DbReplicationStats, string>> = {
  attempted: 'attempts', no_change: 'no_changes', hashmatch: 'hashmatches', rsync: 'rsyncs',
  remote_merge: 'remote_merges', diff: 'diffs', diff_capped: 'diff_caps',
};

export class DbReplicator implements Daemon {
  readonly name: string;
  readonly conf: CommonDaemonConf;
  private readonly datadir: 'containers' | 'accounts';
  private readonly perDiff: number;
  private readonly maxDiffs: number;
  private readonly rsyncTimeout: number;
  private readonly client: BackendClient;
  private readonly logger: Logger;
  /** Containers only: the links the container-sync daemon walks. */
  private readonly syncStore?: ContainerSyncStore;
  private ring?: RingLookup;
  stats: DbReplicationStats = newStats();

  constructor(private readonly ctx: DaemonContext, readonly kind: DbKind, ring?: RingLookup) {
    this.name = `${kind}-replicator`;
    this.conf = commonDaemonConf(ctx.conf, { interval: 30, concurrency: 8, bindPort: kind === 'container' ? 6201 : 6202 });
    this.datadir = kind === 'container' ? 'containers' : 'accounts';
    this.perDiff = getInt(ctx.conf, 'per_diff', 1000, 1);
    this.maxDiffs = getInt(ctx.conf, 'max_diffs', 100, 1);
    this.rsyncTimeout = getFloat(ctx.conf, 'rsync_timeout', 900, 0);
    this.client = new BackendClient(this.conf);
    this.logger = ctx.logger;
    this.ring = ring;
    if (kind === 'container') this.syncStore = new ContainerSyncStore(this.conf.devices);
  }

  private getRing(): RingLookup {
    this.ring ??= new Ring(this.conf.swiftDir, { ringName: this.kind, hashPath: this.ctx.swiftConf.hashPath });
    return this.ring;
  }

  /** One more of `stat` in this pass's stats, and Swift's statsd counter for it. */
  private count(stat: Exclude<keyof DbReplicationStats, 'start'>): void {
    this.stats[stat]++;
    const name = STATSD_NAME[stat];
    if (name) this.ctx.statsd?.increment(name);
  }

  private broker(dbFile: string): DatabaseBroker {
    return this.kind === 'container' ? new ContainerBroker(dbFile, '', '') : new AccountBroker(dbFile, '');
  }

  /** The running pass's counters (Swift's replication_stats), for /metrics. */
  passStats(): Record<string, number> {
    const { start: _start, ...counters } = this.stats;
    return counters;
  }

  async runOnce(signal: AbortSignal): Promise<void> {
    this.stats = newStats();
    const started = Date.now();
    const ring = this.getRing();
    const limit = pLimit(this.conf.concurrency);
    const jobs: Promise<void>[] = [];
    for (const device of localDevices(ring, this.conf)) {
      const devicePath = await checkDevice(this.conf.devices, device.device, this.conf.mountCheck);
      if (!devicePath) {
        this.logger.warn({ device: device.device }, 'Skipping: device not mounted');
        continue;
      }
      const root = join(devicePath, this.datadir);
      for (const part of await listDir(root)) {
        if (!/^\d+$/.test(part) || Number(part) >= ring.partCount) continue;
        if (this.conf.onlyPartitions && !this.conf.onlyPartitions.has(Number(part))) continue;
        for (const suffix of await listDir(join(root, part))) {
          for (const hash of await listDir(join(root, part, suffix))) {
            if (!HASH_RE.test(hash)) continue;
            const dbFile = join(root, part, suffix, hash, `${hash}.db`);
            jobs.push(limit(async () => {
              if (signal.aborted) return;
              const begin = performance.now();
              try {
                await this.replicateDb(ring, device, Number(part), hash, dbFile);
                // Swift's timing: one DB's replication that did not fail outright.
                this.ctx.statsd?.timingSince('timing', begin);
              } catch (err) {
                this.stats.failure++;
                this.ctx.statsd?.increment('failures');
                this.logger.error({ err, dbFile }, 'ERROR reading HTTP response / replicating DB');
              }
            }));
          }
        }
      }
    }
    await Promise.all(jobs);
    const seconds = (Date.now() - started) / 1000;
    this.logger.info({ ...this.stats, seconds }, 'Replication run OVER');
    dumpReconCache(this.conf.reconCachePath, this.kind, {
      replication_time: seconds, replication_last: Date.now() / 1000, replication_stats: this.stats,
    });
  }

  private async replicateDb(ring: RingLookup, device: RingDevice, partition: number, hash: string, dbFile: string): Promise<void> {
    try {
      await fsp.access(dbFile);
    } catch {
      return;
    }
    this.count('attempted');
    const broker = this.broker(dbFile);
    try {
      const now = Date.now() / 1000;
      broker.reclaim(now, this.conf.reclaimAge);
      if (broker.isReclaimable(now, this.conf.reclaimAge)) {
        broker.close();
        await removeDbDir(dbFile);
        this.syncStoreRemove(dbFile);
        this.removed(device);
        return;
      }
      const info = broker.getReplicationInfo();
      const primaries = ring.getPartNodes(partition);
      const isPrimary = primaries.some((n) => n.id === device.id);
      const queue = isPrimary ? primaries.filter((n) => n.id !== device.id) : [...primaries];
      // A node whose disk is gone (507) is replaced by the next handoff, as Swift's _replicate_object does.
      const tried = new Set([device.id, ...queue.map((n) => n.id)]);
      const handoffs = ring.moreNodes(partition)[Symbol.iterator]();
      const results: boolean[] = [];
      while (queue.length) {
        const node = queue.shift()!;
        try {
          const ok = await this.replicateToNode(node, broker, partition, hash, info);
          results.push(ok);
          // Swift's successes / failures count replicas, one per peer tried.
          this.ctx.statsd?.increment(ok ? 'successes' : 'failures');
        } catch (err) {
          results.push(false);
          this.ctx.statsd?.increment('failures');
          if (err instanceof DriveNotMountedError) {
            this.logger.error({ node: `${node.ip}:${node.port}/${node.device}` }, 'ERROR Remote drive not mounted');
            let next = handoffs.next();
            while (!next.done && tried.has(next.value.id)) next = handoffs.next();
            if (next.done) {
              this.logger.error({ partition }, 'ERROR There are not enough handoff nodes to reach replica count for partition');
            } else {
              tried.add(next.value.id);
              queue.push(next.value);
            }
            continue;
          }
          this.logger.warn({ err: (err as Error).message, node: `${node.ip}:${node.port}/${node.device}` }, 'DB replication to node failed');
        }
      }
      const ok = results.every(Boolean);
      if (ok) this.stats.success++;
      else this.stats.failure++;
      // Swift's _post_replicate_hook: a synced container (maybe made so by a merge) is in this node's sync store.
      if (broker instanceof ContainerBroker) this.syncStoreUpdate(broker);
      if (!isPrimary && ok) {
        // Every primary has it: the handoff copy goes (Swift's delete_db),
        // unless a row arrived since our sync began.
        if (broker.removeIfUnchanged(Number(info.max_row))) {
          await removeEmptyParents(dbFile);
          this.syncStoreRemove(dbFile);
          this.removed(device);
          return;
        } else {
          this.logger.debug({ dbFile }, 'Not deleting db (max_row changed)');
        }
      }
    } finally {
      broker.close();
    }
  }

  /** A DB removed from `device` (Swift's delete_db: `removes.<device>`). */
  private removed(device: RingDevice): void {
    this.stats.remove++;
    this.ctx.statsd?.increment(`removes.${device.device}`);
  }

  private syncStoreUpdate(broker: ContainerBroker): void {
    try {
      this.syncStore?.update(broker);
    } catch (err) {
      this.logger.error({ err, dbFile: broker.dbFile }, 'Failed to update sync_store');
    }
  }

  private syncStoreRemove(dbFile: string): void {
    try {
      this.syncStore?.remove(dbFile);
    } catch (err) {
      this.logger.error({ err, dbFile }, 'Failed to update sync_store');
    }
  }

  private async rpc(node: RingDevice, partition: number, hash: string, args: unknown[]): Promise<{ status: number; body: Buffer }> {
    return this.client.replicationRequest(node, 'REPLICATE', `/${quotePath(node.device)}/${partition}/${hash}`, {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(args),
    });
  }

  private async replicateToNode(node: RingDevice, broker: DatabaseBroker, partition: number, hash: string, info: Row): Promise<boolean> {
    const maxRow = Number(info.max_row);
    const res = await this.rpc(node, partition, hash, [
      'sync', maxRow, info.hash, info.id, info.created_at, info.put_timestamp, info.delete_timestamp, info.metadata,
    ]);
    if (res.status === 507) throw new DriveNotMountedError(node);
    if (res.status === 404) {
      this.count('rsync');
      return this.copyWhole(node, broker, partition, hash, String(info.id), 'complete_rsync');
    }
    if (!isSuccess(res.status)) return false;
    const rinfo = JSON.parse(res.body.toString('utf8')) as Row;
    const remoteId = String(rinfo.id);
    const localSync = broker.getSync(remoteId, false);
    const point = Number(rinfo.point ?? -1);
    if (Math.max(point, localSync) >= maxRow) {
      this.count('no_change');
      return true;
    }
    if (rinfo.hash === info.hash) {
      this.count('hashmatch');
      broker.mergeSyncs([{ remote_id: remoteId, sync_point: point }], false);
      return true;
    }
    const remoteMax = Number(rinfo.max_row);
    if (maxRow > 0 && remoteMax / maxRow < 0.5 && maxRow - remoteMax > this.perDiff) {
      this.count('remote_merge');
      return this.copyWhole(node, broker, partition, hash, String(info.id), 'rsync_then_merge');
    }
    return this.usync(node, broker, partition, hash, Math.max(point, localSync), String(info.id), remoteId);
  }

  /** Sends rows since `point` in batches (Swift's `_usync_db`). */
  private async usync(
    node: RingDevice, broker: DatabaseBroker, partition: number, hash: string, point: number, localId: string, remoteId: string,
  ): Promise<boolean> {
    this.count('diff');
    const syncTable = broker.getSyncs();
    let rows = broker.getItemsSince(point, this.perDiff);
    let batches = 0;
    while (rows.length && batches < this.maxDiffs) {
      batches++;
      const res = await this.rpc(node, partition, hash, ['merge_items', rows, localId]);
      if (!isSuccess(res.status)) return false;
      const last = rows[rows.length - 1] as Row;
      point = Number(last.ROWID ?? last.rowid);
      rows = broker.getItemsSince(point, this.perDiff);
    }
    if (rows.length) {
      this.count('diff_capped');
      return false;
    }
    const res = await this.rpc(node, partition, hash, ['merge_syncs', syncTable]);
    if (!isSuccess(res.status)) return false;
    broker.mergeSyncs([{ remote_id: remoteId, sync_point: point }], false);
    return true;
  }

  /**
   * Uploads a consistent copy of the whole DB (in place of Swift's rsync)
   * named by our DB id, then asks the peer to publish or merge it.
   */
  private async copyWhole(
    node: RingDevice, broker: DatabaseBroker, partition: number, hash: string, localId: string, op: 'complete_rsync' | 'rsync_then_merge',
  ): Promise<boolean> {
    const copy = join(await fsp.mkdtemp(join(tmpdir(), 'swiftly-dbrepl-')), `${hash}.db`);
    try {
      await broker.backup(copy);
      const upload = await this.client.replicationRequest(node, 'REPLICATE', `/${quotePath(node.device)}/${partition}/${hash}`, {
        headers: { [REPLICATE_UPLOAD_HEADER]: localId, 'Content-Type': 'application/octet-stream' },
        body: createReadStream(copy),
        timeout: this.rsyncTimeout,
      });
      if (!isSuccess(upload.status)) return false;
      const res = await this.rpc(node, partition, hash, [op, localId]);
      return isSuccess(res.status);
    } finally {
      await fsp.rm(dirname(copy), { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** A peer answered 507: its disk is gone. */
class DriveNotMountedError extends Error {
  constructor(node: RingDevice) {
    super(`remote drive not mounted: ${node.ip}:${node.port}/${node.device}`);
    this.name = 'DriveNotMountedError';
  }
}

/** Removes a DB's hash dir, then its suffix and partition dirs when left empty. */
async function removeDbDir(dbFile: string): Promise<void> {
  await fsp.rm(dirname(dbFile), { recursive: true, force: true });
  await removeEmptyParents(dbFile);
}

/** Removes the suffix and partition dirs above a removed DB's hash dir when they are empty. */
async function removeEmptyParents(dbFile: string): Promise<void> {
  const suffixDir = dirname(dirname(dbFile));
  await fsp.rmdir(suffixDir).catch(() => undefined);
  await fsp.rmdir(dirname(suffixDir)).catch(() => undefined);
}

export const createContainerReplicator = (ctx: DaemonContext): DbReplicator => new DbReplicator(ctx, 'container');
export const createAccountReplicator = (ctx: DaemonContext): DbReplicator => new DbReplicator(ctx, 'account');
