/**
 * object-updater (Swift's `obj/updater.py`): retries the container updates
 * the object server saved as async_pending files
 * (`<device>/async_pending[-N]/<suffix>/<hash>-<timestamp>`, JSON — see
 * storage/object/async-pending.ts) against every container replica the
 * container ring names. Swift's rules:
 *
 * - of several pendings for one object only the newest is sent; older ones
 *   are obsolete and unlinked;
 * - the file is unlinked once every replica accepted (2xx); on a partial
 *   success the replicas that accepted are recorded in the file
 *   (`successes`, ring device ids) so they are not asked again;
 * - a file that cannot be read is moved to `quarantined/async_pending/`.
 *
 * Options (`[object-updater]`): interval 300, concurrency 8,
 * objects_per_second 50, node_timeout 10, conn_timeout 0.5, recon_cache_path.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { BackendTimeoutError, dumpReconCache, gauge, getFloat, quotePath, type Logger } from '../common/index.js';
import { Ring, type RingLookup } from '../ring/index.js';
import { asyncPendingIdentity, rewriteAsyncPending, type AsyncPendingIdentity, type AsyncUpdate } from '../storage/index.js';
import { BackendClient, isSuccess } from './backend-client.js';
import { commonDaemonConf, type CommonDaemonConf } from './daemon-conf.js';
import type { Daemon, DaemonContext } from './daemon.js';
import { listDir, policyOfDir, usableDevices } from './devices.js';
import { RateLimiter } from './rate-limit.js';

/** An async_pending file as the object server wrote it, with the nodes it has reached so far. */
interface PendingUpdate extends AsyncUpdate {
  successes?: number[];
}

export interface UpdaterStats {
  successes: number;
  failures: number;
  unlinks: number;
  quarantines: number;
  /** Unusable devices and async_pending files with an unexpected name (Swift's `errors`). */
  errors: number;
}

const newStats = (): UpdaterStats => ({ successes: 0, failures: 0, unlinks: 0, quarantines: 0, errors: 0 });

const PENDING_RE = /^([0-9a-f]{32})-(\d{10}\.\d{5}(?:_[0-9a-f]{16})?)$/;

/** The running updaters, whose devices /metrics counts async_pending files on. */
const running = new Set<ObjectUpdater>();

gauge(
  'swiftly_object_async_pending_files',
  'async_pending files waiting on the object-updater\'s devices now, by device (counted when scraped, as /recon/async does)',
  ['device'],
  {
    async collect() {
      this.reset();
      for (const updater of running) for (const [device, n] of await updater.pendingByDevice()) this.inc({ device }, n);
    },
  },
);

export class ObjectUpdater implements Daemon {
  readonly name = 'object-updater';
  readonly conf: CommonDaemonConf;
  private readonly client: BackendClient;
  private readonly limiter: RateLimiter;
  private readonly logger: Logger;
  private ring?: RingLookup;
  stats: UpdaterStats = newStats();

  constructor(private readonly ctx: DaemonContext, ring?: RingLookup) {
    this.conf = commonDaemonConf(ctx.conf, { interval: 300, concurrency: 8 });
    this.client = new BackendClient(this.conf);
    this.limiter = new RateLimiter(getFloat(ctx.conf, 'objects_per_second', 50, 0));
    this.logger = ctx.logger;
    this.ring = ring;
    running.add(this);
  }

  /** How many async_pending files wait on each usable device now. */
  async pendingByDevice(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const { device, path } of await usableDevices(this.conf.devices, this.conf.mountCheck, this.conf.onlyDevices)) {
      let n = 0;
      for (const dirName of await listDir(path)) {
        if (policyOfDir(dirName, 'async_pending') === undefined) continue;
        for (const suffix of await listDir(join(path, dirName))) n += (await listDir(join(path, dirName, suffix))).length;
      }
      out.set(device, n);
    }
    return out;
  }

  /** One more of `stat` in this sweep's stats, and Swift's statsd counter of the same name. */
  private count(stat: keyof UpdaterStats): void {
    this.stats[stat]++;
    this.ctx.statsd?.increment(stat);
  }

  /** The running sweep's counters, for /metrics. */
  passStats(): Record<string, number> {
    return { ...this.stats };
  }

  private containerRing(): RingLookup {
    this.ring ??= new Ring(this.conf.swiftDir, { ringName: 'container', hashPath: this.ctx.swiftConf.hashPath });
    return this.ring;
  }

  async runOnce(signal: AbortSignal): Promise<void> {
    const started = Date.now();
    this.stats = newStats();
    const limit = pLimit(this.conf.concurrency);
    const devices = await usableDevices(this.conf.devices, this.conf.mountCheck, this.conf.onlyDevices, (device) => {
      this.count('errors');
      this.logger.warn({ device }, 'Skipping: device not mounted');
    });
    // Each device's sweep is timed as Swift's `timing`; they share the concurrency limit.
    await Promise.all(devices.map(async ({ path: devPath }) => {
      const begin = performance.now();
      const jobs: Promise<void>[] = [];
      let sawAsyncDir = false;
      for (const dirName of await listDir(devPath)) {
        const policy = policyOfDir(dirName, 'async_pending');
        if (policy === undefined) continue;
        sawAsyncDir = true;
        const asyncDir = join(devPath, dirName);
        for (const suffix of (await listDir(asyncDir)).sort()) {
          if (signal.aborted) break;
          jobs.push(limit(() => this.sweepSuffix(devPath, join(asyncDir, suffix), policy, signal)));
        }
      }
      await Promise.all(jobs);
      // Swift times only the sweeps of devices that have an async_pending dir.
      if (sawAsyncDir) this.ctx.statsd?.timingSince('timing', begin);
    }));
    const sweep = (Date.now() - started) / 1000;
    this.logger.info({ ...this.stats, seconds: sweep }, 'Object update sweep completed');
    dumpReconCache(this.conf.reconCachePath, 'object', { object_updater_sweep: sweep, object_updater_stats: this.stats });
  }

  /** One suffix dir: newest pending per object first, older ones obsolete. */
  private async sweepSuffix(devPath: string, suffixDir: string, policy: number, signal: AbortSignal): Promise<void> {
    const seen = new Set<string>();
    for (const name of (await listDir(suffixDir)).sort().reverse()) {
      if (signal.aborted) return;
      const m = PENDING_RE.exec(name);
      const file = join(suffixDir, name);
      if (!m) {
        this.count('errors');
        this.logger.error({ file }, 'ERROR async pending file with unexpected name');
        continue;
      }
      if (seen.has(m[1])) {
        await fsp.rm(file, { force: true });
        this.count('unlinks');
        continue;
      }
      seen.add(m[1]);
      await this.limiter.take(1, signal);
      await this.processPending(devPath, file, policy);
    }
    await fsp.rmdir(suffixDir).catch(() => undefined);
  }

  private async processPending(devPath: string, file: string, policy: number): Promise<void> {
    let update: PendingUpdate;
    let seen: AsyncPendingIdentity;
    try {
      const fh = await fsp.open(file, 'r');
      try {
        seen = asyncPendingIdentity(await fh.stat());
        update = JSON.parse(await fh.readFile('utf8')) as PendingUpdate;
      } finally {
        await fh.close();
      }
      if (!update || typeof update.op !== 'string' || typeof update.obj !== 'string') throw new Error('not an update');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      await this.quarantine(devPath, file);
      return;
    }
    let [account, container] = [update.account, update.container];
    if (update.container_path) [account, container] = update.container_path.split('/', 2) as [string, string];
    const { partition, nodes } = this.containerRing().getNodes(account, container);
    const successes = new Set(update.successes ?? []);
    const path = `/${quotePath(`${account}/${container}/${update.obj}`)}`;
    const headers = { ...update.headers, 'X-Backend-Storage-Policy-Index': String(policy), 'user-agent': `object-updater ${process.pid}` };
    let newSuccess = false;
    await Promise.all(nodes.map(async (node) => {
      if (successes.has(node.id)) return;
      const begin = performance.now();
      // Swift's updater.timing.status.<N>: 500 until the node answers, 499 when it took the request and never answered.
      let status = 500;
      try {
        const res = await this.client.request(node, update.op, `/${quotePath(node.device)}/${partition}${path}`, { headers });
        status = res.status;
        if (isSuccess(res.status)) {
          successes.add(node.id);
          newSuccess = true;
        } else {
          this.logger.debug({ status: res.status, node: `${node.ip}:${node.port}/${node.device}` }, 'container update failed');
        }
      } catch (err) {
        if (answerTimedOut(err)) status = 499;
        this.logger.debug({ err, node: `${node.ip}:${node.port}/${node.device}` }, 'container update failed');
      } finally {
        this.ctx.statsd?.timingSince(`updater.timing.status.${status}`, begin);
      }
    }));
    if (nodes.every((n) => successes.has(n.id))) {
      this.count('successes');
      this.count('unlinks');
      await fsp.rm(file, { force: true });
      return;
    }
    this.count('failures');
    if (newSuccess) {
      // Record who has it, unless the file changed or a newer pending came meanwhile.
      const outcome = await rewriteAsyncPending(devPath, file, seen, { ...update, successes: [...successes] }, policy);
      if (outcome === 'obsolete') {
        await fsp.rm(file, { force: true });
        this.count('unlinks');
      }
    }
  }

  private async quarantine(devPath: string, file: string): Promise<void> {
    const qdir = join(devPath, 'quarantined', 'async_pending');
    await fsp.mkdir(qdir, { recursive: true });
    await fsp.rename(file, join(qdir, file.split('/').pop()!)).catch(() => undefined);
    this.count('quarantines');
    this.logger.warn({ file }, 'quarantined unreadable async_pending');
  }

  async close(): Promise<void> {
    running.delete(this);
    await this.client.close();
  }
}

/** Whether a container update went out and its answer never came (headers or body past node_timeout). */
function answerTimedOut(err: unknown): boolean {
  if (err instanceof BackendTimeoutError) return err.phase === 'response';
  return (err as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT';
}

export const createObjectUpdater = (ctx: DaemonContext): ObjectUpdater => new ObjectUpdater(ctx);
