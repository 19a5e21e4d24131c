/**
 * object-replicator (Swift's `obj/replicator.py`, replication policies):
 * for every partition on this server's ring devices,
 *
 * - primary partitions ("update"): compare the suffix hashes with each
 *   other primary's (REPLICATE), rehash the differing suffixes locally to
 *   be sure, push them with the sync protocol (sync-sender.ts), then ask
 *   the peer to rehash them. A peer whose disk is gone (507) is replaced by
 *   the next handoff;
 * - handoff partitions ("update_deleted"): push every differing suffix to
 *   all primaries; when all succeeded, remove the files that were synced
 *   (and the partition once empty; handoff-cleanup.ts) — unless the ring
 *   file, looked at again right then, makes this device a primary of the
 *   partition. handoffs_first runs these first.
 *
 * Tombstones older than reclaim_age go when suffixes are rehashed
 * (storage's getHashes). Stats go to the recon cache
 * (`object_replication_time` minutes, `object_replication_last`,
 * `replication_stats`).
 *
 * Options (`[object-replicator]`): interval 30, concurrency 1,
 * handoffs_first false, handoffs_only false (a pass that only empties
 * handoffs, for a cluster under rebalance), handoff_delete auto, reclaim_age 604800,
 * http_timeout 60, rsync_timeout 900 (bounds one sync stream),
 * node_timeout 10, conn_timeout 0.5.
 */
import { join } from 'node:path';
import pLimit from 'p-limit';
import { dumpReconCache, getBool, getFloat, getString, NO_STATSD, objectRingName, quotePath, type Logger, type Statsd } from '../common/index.js';
import { Ring, type RingDevice, type RingLookup } from '../ring/index.js';
import { dataDirName, getHashes } from '../storage/index.js';
import { BackendClient } from './backend-client.js';
import { commonDaemonConf, type CommonDaemonConf } from './daemon-conf.js';
import type { Daemon, DaemonContext } from './daemon.js';
import { checkDevice, listDir } from './devices.js';
import { listPartitionFiles, removeSynced } from './handoff-cleanup.js';
import { isSameDevice, localDevices } from './local-devices.js';
import { syncSuffixes } from './sync-sender.js';

export interface ReplicationStats {
  attempted: number;
  success: number;
  failure: number;
  hashmatch: number;
  remove: number;
  suffix_count: number;
  suffix_sync: number;
  suffix_hash: number;
  files_sent: number;
  start: number;
}

interface Job {
  device: RingDevice;
  devicePath: string;
  policy: number;
  partition: number;
  partitionPath: string;
  /** Primaries other than us (update), or all primaries (handoff). */
  nodes: RingDevice[];
  handoff: boolean;
  ring: RingLookup;
}

const PART_RE = /^\d+$/;

const newStats = (): ReplicationStats => ({
  attempted: 0, success: 0, failure: 0, hashmatch: 0, remove: 0, suffix_count: 0, suffix_sync: 0, suffix_hash: 0, files_sent: 0,
  start: Date.now() / 1000,
});

export class ObjectReplicator implements Daemon {
  readonly name = 'object-replicator';
  readonly conf: CommonDaemonConf;
  private readonly handoffsFirst: boolean;
  private readonly handoffsOnly: boolean;
  private readonly handoffDelete: number | 'auto';
  private readonly httpTimeout: number;
  private readonly syncTimeout: number;
  private readonly client: BackendClient;
  private readonly logger: Logger;
  private readonly rings = new Map<number, RingLookup>();
  stats: ReplicationStats = newStats();

  constructor(private readonly ctx: DaemonContext, rings?: Map<number, RingLookup>) {
    this.conf = commonDaemonConf(ctx.conf, { interval: 30, concurrency: 1 });
    this.handoffsFirst = getBool(ctx.conf, 'handoffs_first', false);
    this.handoffsOnly = getBool(ctx.conf, 'handoffs_only', false);
    const hd = getString(ctx.conf, 'handoff_delete', 'auto');
    this.handoffDelete = hd === 'auto' ? 'auto' : Number(hd);
    this.httpTimeout = getFloat(ctx.conf, 'http_timeout', 60, 0);
    this.syncTimeout = getFloat(ctx.conf, 'rsync_timeout', 900, 0);
    this.client = new BackendClient(this.conf);
    this.logger = ctx.logger;
    if (rings) for (const [k, v] of rings) this.rings.set(k, v);
  }

  private ringFor(policy: number): RingLookup | undefined {
    let ring = this.rings.get(policy);
    if (!ring) {
      try {
        ring = new Ring(this.conf.swiftDir, { ringName: objectRingName(policy), hashPath: this.ctx.swiftConf.hashPath });
      } catch (err) {
        this.logger.warn({ err, policy }, 'no object ring for policy');
        return undefined;
      }
      this.rings.set(policy, ring);
    }
    return ring;
  }

  /** Every replication job on this server's devices, handoffs first when asked. */
  async collectJobs(): Promise<Job[]> {
    const jobs: Job[] = [];
    for (const policy of this.ctx.swiftConf.policies) {
      const ring = this.ringFor(policy.index);
      if (!ring) continue;
      for (const device of localDevices(ring, this.conf)) {
        const devicePath = await checkDevice(this.conf.devices, device.device, this.conf.mountCheck);
        if (!devicePath) {
          this.logger.warn({ device: device.device }, 'Skipping: device not mounted');
          continue;
        }
        const objDir = join(devicePath, dataDirName(policy.index));
        for (const name of await listDir(objDir)) {
          if (!PART_RE.test(name)) continue;
          const partition = Number(name);
          if (partition >= ring.partCount) continue;
          if (this.conf.onlyPartitions && !this.conf.onlyPartitions.has(partition)) continue;
          const primaries = ring.getPartNodes(partition);
          const handoff = !primaries.some((n) => n.id === device.id);
          jobs.push({
            device, devicePath, policy: policy.index, partition, partitionPath: join(objDir, name),
            nodes: handoff ? primaries : primaries.filter((n) => n.id !== device.id), handoff, ring,
          });
        }
      }
    }
    // Spread the load over peers, as Swift shuffles.
    for (let i = jobs.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [jobs[i], jobs[j]] = [jobs[j], jobs[i]];
    }
    if (this.handoffsOnly) return jobs.filter((j) => j.handoff);
    if (this.handoffsFirst) jobs.sort((a, b) => Number(b.handoff) - Number(a.handoff));
    return jobs;
  }

  async runOnce(signal: AbortSignal): Promise<void> {
    this.stats = newStats();
    const started = Date.now();
    const jobs = await this.collectJobs();
    const limit = pLimit(this.conf.concurrency);
    await Promise.all(jobs.map((job) => limit(async () => {
      if (signal.aborted) return;
      try {
        await this.replicate(job, signal);
      } catch (err) {
        this.stats.failure++;
        this.logger.error({ err, partition: job.partition, device: job.device.device }, 'Error syncing partition');
      }
    })));
    const minutes = (Date.now() - started) / 60000;
    this.logger.info({ ...this.stats, partitions: jobs.length, minutes }, 'Object replication complete');
    dumpReconCache(this.conf.reconCachePath, 'object', {
      replication_time: minutes, replication_last: Date.now() / 1000,
      object_replication_time: minutes, object_replication_last: Date.now() / 1000, replication_stats: this.stats,
    });
  }

  private async replicate(job: Job, signal: AbortSignal): Promise<void> {
    this.stats.attempted++;
    // Swift's statsd names: partition.{update,delete}.count.<device> and .timing.
    const kind = job.handoff ? 'delete' : 'update';
    const begin = performance.now();
    this.statsd.increment(`partition.${kind}.count.${job.device.device}`);
    try {
      if (job.handoff) await this.updateDeleted(job, signal);
      else await this.update(job, signal);
    } finally {
      this.statsd.timingSince(`partition.${kind}.timing`, begin);
    }
  }

  /** The running pass's counters (Swift's replication_stats), for /metrics. */
  passStats(): Record<string, number> {
    const { start: _start, ...counters } = this.stats;
    return counters;
  }

  private get statsd(): Statsd {
    return this.ctx.statsd ?? NO_STATSD;
  }

  /** REPLICATE to `node`: its suffix hashes, or the status that stopped us. */
  private async remoteHashes(job: Job, node: RingDevice, suffixes: readonly string[] = []): Promise<Record<string, string> | number> {
    const tail = suffixes.length ? `/${suffixes.join('-')}` : '';
    try {
      const res = await this.client.replicationRequest(node, 'REPLICATE', `/${quotePath(node.device)}/${job.partition}${tail}`, {
        headers: { 'X-Backend-Storage-Policy-Index': String(job.policy) },
        timeout: this.httpTimeout,
      });
      if (res.status !== 200) return res.status;
      return JSON.parse(res.body.toString('utf8')) as Record<string, string>;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, node: `${node.ip}:${node.port}/${node.device}` }, 'REPLICATE failed');
      return 0;
    }
  }

  /** Syncs the partition to one node; true when it holds everything we do. */
  private async syncTo(job: Job, node: RingDevice, remote: Record<string, string>, signal: AbortSignal): Promise<boolean> {
    let local = await getHashes(job.partitionPath, [], { reclaimAge: this.conf.reclaimAge });
    let suffixes = Object.keys(local).filter((s) => local[s] !== remote[s]);
    if (suffixes.length === 0) {
      this.stats.hashmatch++;
      return true;
    }
    // Our cache may be stale: rehash those suffixes before sending.
    local = await getHashes(job.partitionPath, suffixes, { reclaimAge: this.conf.reclaimAge });
    this.stats.suffix_hash += suffixes.length;
    this.statsd.updateStats('suffix.hashes', suffixes.length);
    suffixes = suffixes.filter((s) => local[s] !== undefined && local[s] !== remote[s]);
    this.stats.suffix_count += Object.keys(local).length;
    if (suffixes.length === 0) {
      this.stats.hashmatch++;
      return true;
    }
    let result;
    try {
      result = await syncSuffixes(this.client, node, job.partition, job.policy, job.partitionPath, suffixes, this.syncTimeout, signal);
    } catch (err) {
      // A stream cut short (a file unreadable mid-frame, the peer gone): this peer failed, the others go on.
      this.logger.warn({ err, node: `${node.ip}:${node.port}/${node.device}`, partition: job.partition }, 'sync failed');
      return false;
    }
    this.stats.files_sent += result.sent;
    this.stats.suffix_sync += suffixes.length;
    this.statsd.updateStats('suffix.syncs', suffixes.length);
    if (result.rejected.length) this.logger.warn({ node: `${node.ip}:${node.port}/${node.device}`, rejected: result.rejected }, 'peer refused files');
    // Have the peer rehash what we sent so its REPLICATE answers are fresh.
    await this.remoteHashes(job, node, suffixes);
    return result.ok;
  }

  private async update(job: Job, signal: AbortSignal): Promise<void> {
    const tried = new Set<number>([job.device.id, ...job.nodes.map((n) => n.id)]);
    const handoffs = job.ring.moreNodes(job.partition)[Symbol.iterator]();
    const queue = [...job.nodes];
    let failed = false;
    while (queue.length && !signal.aborted) {
      const node = queue.shift()!;
      const remote = await this.remoteHashes(job, node);
      if (typeof remote === 'number') {
        failed = true;
        // A primary without its disk: keep a replica on the next handoff instead.
        if (remote === 507) {
          for (let h = handoffs.next(); !h.done; h = handoffs.next()) {
            if (!tried.has(h.value.id)) {
              tried.add(h.value.id);
              queue.push(h.value);
              break;
            }
          }
        }
        continue;
      }
      if (!(await this.syncTo(job, node, remote, signal))) failed = true;
    }
    if (failed) this.stats.failure++;
    else this.stats.success++;
  }

  private async updateDeleted(job: Job, signal: AbortSignal): Promise<void> {
    // What we hold now: only these files may go once every primary has them.
    const snapshot = await listPartitionFiles(job.partitionPath);
    const results = await Promise.all(job.nodes.map(async (node) => {
      if (signal.aborted) return false;
      const remote = await this.remoteHashes(job, node);
      if (typeof remote === 'number') return false;
      return this.syncTo(job, node, remote, signal);
    }));
    const successes = results.filter(Boolean).length;
    const needed = this.handoffDelete === 'auto' ? job.nodes.length : Math.min(this.handoffDelete, job.nodes.length);
    if (successes < needed || signal.aborted) {
      this.stats.failure++;
      return;
    }
    this.stats.success++;
    if (this.nowPrimary(job)) {
      this.logger.info({ partition: job.partition, device: job.device.device }, 'Ring change detected: keeping a partition this device is now a primary of');
      return;
    }
    await removeSynced(job.partitionPath, snapshot);
    this.stats.remove++;
  }

  /**
   * Whether this device is a primary of the job's partition by the ring file
   * as it is now. Jobs are listed by a ring read lazily (a check every
   * reload_time), so a ring pushed since may have made a "handoff" one of
   * the partition's new primaries, which the proxy may already be writing
   * to: its files must stay. Asked right before removing, as removing is
   * what cannot be taken back (Swift checks between jobs only).
   */
  private nowPrimary(job: Job): boolean {
    if (job.ring instanceof Ring) job.ring.reload();
    return job.ring.getPartNodes(job.partition).some((n) => isSameDevice(n, job.device));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

export const createObjectReplicator = (ctx: DaemonContext): ObjectReplicator => new ObjectReplicator(ctx);
