/**
 * container-updater (Swift's `container/updater.py`): tells the account
 * servers about every container whose stats changed since last reported
 * (put/delete timestamps, object count, bytes used), so account listings
 * and the `.expiring_objects` queue account see their containers. A
 * report counts when a majority of the account replicas accepted it.
 *
 * Options (`[container-updater]`): interval 300, concurrency 4,
 * node_timeout 3, conn_timeout 0.5, containers_per_second 50.
 */
import { existsSync } from 'node:fs';
import pLimit from 'p-limit';
import { dumpReconCache, getFloat, quotePath, type Logger } from '../common/index.js';
import { Ring, type RingLookup } from '../ring/index.js';
import { ContainerBroker } from '../storage/index.js';
import { BackendClient, isSuccess } from './backend-client.js';
import { commonDaemonConf, type CommonDaemonConf } from './daemon-conf.js';
import type { Daemon, DaemonContext } from './daemon.js';
import { walkDbs } from './db-walk.js';
import { RateLimiter } from './rate-limit.js';

export class ContainerUpdater implements Daemon {
  readonly name = 'container-updater';
  readonly conf: CommonDaemonConf;
  private readonly client: BackendClient;
  private readonly limiter: RateLimiter;
  private readonly logger: Logger;
  private ring?: RingLookup;
  stats = { successes: 0, failures: 0, no_changes: 0 };

  constructor(private readonly ctx: DaemonContext) {
    this.conf = commonDaemonConf({ node_timeout: '3', ...ctx.conf }, { interval: 300, concurrency: 4, bindPort: 6201 });
    this.client = new BackendClient(this.conf);
    this.limiter = new RateLimiter(getFloat(ctx.conf, 'containers_per_second', 50, 0));
    this.logger = ctx.logger;
  }

  passStats(): Record<string, number> {
    return { ...this.stats };
  }

  /** One more of `stat` in this sweep's stats, and Swift's statsd counter of the same name. */
  private count(stat: 'successes' | 'failures' | 'no_changes'): void {
    this.stats[stat]++;
    this.ctx.statsd?.increment(stat);
  }

  private accountRing(): RingLookup {
    this.ring ??= new Ring(this.conf.swiftDir, { ringName: 'account', hashPath: this.ctx.swiftConf.hashPath });
    return this.ring;
  }

  async runOnce(signal: AbortSignal): Promise<void> {
    const started = Date.now();
    this.stats = { successes: 0, failures: 0, no_changes: 0 };
    const limit = pLimit(this.conf.concurrency);
    const jobs: Promise<void>[] = [];
    for await (const db of walkDbs(this.conf.devices, this.conf.mountCheck, 'containers', this.conf.onlyDevices, signal)) {
      await this.limiter.take(1, signal);
      jobs.push(limit(() => this.processContainer(db.dbFile).catch((err) => {
        this.count('failures');
        this.logger.error({ err, dbFile: db.dbFile }, 'ERROR with container update');
      })));
    }
    await Promise.all(jobs);
    const seconds = (Date.now() - started) / 1000;
    this.logger.info({ ...this.stats, seconds }, 'Container update sweep completed');
    dumpReconCache(this.conf.reconCachePath, 'container', { container_updater_sweep: seconds });
  }

  async processContainer(dbFile: string): Promise<void> {
    if (!existsSync(dbFile)) return;
    const broker = new ContainerBroker(dbFile, '', '');
    try {
      const info = broker.getInfo();
      const changed = info.put_timestamp > String(info.reported_put_timestamp) ||
        info.delete_timestamp > String(info.reported_delete_timestamp) ||
        Number(info.object_count) !== Number(info.reported_object_count) ||
        Number(info.bytes_used) !== Number(info.reported_bytes_used);
      if (!changed) {
        this.count('no_changes');
        return;
      }
      // Swift's container-updater.timing: containers that needed an account update only.
      const begin = performance.now();
      const { partition, nodes } = this.accountRing().getNodes(info.account);
      const headers = {
        'X-Put-Timestamp': info.put_timestamp,
        'X-Delete-Timestamp': info.delete_timestamp,
        'X-Object-Count': String(info.object_count),
        'X-Bytes-Used': String(info.bytes_used),
        'X-Backend-Storage-Policy-Index': String(info.storage_policy_index),
        'user-agent': `container-updater ${process.pid}`,
      };
      const path = quotePath(`/${info.account}/${info.container}`);
      const ok = await Promise.all(nodes.map(async (node) => {
        try {
          const res = await this.client.request(node, 'PUT', `/${quotePath(node.device)}/${partition}${path}`, { headers });
          return isSuccess(res.status);
        } catch {
          return false;
        }
      }));
      if (ok.filter(Boolean).length >= Math.floor(nodes.length / 2) + 1) {
        broker.reported(info.put_timestamp, info.delete_timestamp, Number(info.object_count), Number(info.bytes_used));
        this.count('successes');
      } else {
        this.count('failures');
      }
      this.ctx.statsd?.timingSince('timing', begin);
    } finally {
      broker.close();
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

export const createContainerUpdater = (ctx: DaemonContext): ContainerUpdater => new ContainerUpdater(ctx);
