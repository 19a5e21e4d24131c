/**
 * container-sync (Swift's `container/sync.py`): sends the changes of every
 * local container DB that has X-Container-Sync-To and X-Container-Sync-Key
 * to the target container, one PUT or DELETE per row (container-sync-row.ts).
 * The DBs are found through the sync store (links under
 * `<device>/sync_containers`, kept by the container server and replicator),
 * not by opening every container DB of the node.
 *
 * Each replica of a container takes part without all of them sending
 * everything: two sync points are kept in the DB (`x_container_sync_point1`
 * and `2` of its info). Rows past point1 are new: a replica sends only its
 * share of them (the row's name hash modulo the replica count picks the
 * replica at that place in the container's ring nodes) and moves point1 on.
 * Rows between point2 and point1 were shared out by an earlier pass: each
 * replica now sends all of them (a remote HEAD makes most no-ops) and moves
 * point2 on, stopping point2 at the first row it could not send, so a row
 * no replica managed to send is tried again next pass. A pass spends at most
 * `container_time` seconds on a container and resumes there next time.
 *
 * Options (`[container-sync]` of container-server.conf): interval 300,
 * container_time 60, conn_timeout 5 (each remote request),
 * allowed_sync_hosts 127.0.0.1 (hosts a full-URL X-Container-Sync-To may
 * name), and node_timeout for the local object servers. Swift's
 * internal_client_conf_path and request_tries configure the internal proxy
 * it reads local copies through; here the object servers are asked
 * directly (every primary, then as many handoffs), so both are unused.
 * sync_proxy: HTTP proxies for the remote requests (one picked at random
 * per request). Realms come from
 * `<swift_dir>/container-sync-realms.conf`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import {
  BackendClient, CONTAINER_SYNC_REALMS_FILE, ContainerSyncRealms, getFloat, getInt, getString, hashPathRaw, validateSyncTo,
  type Logger,
} from '../common/index.js';
import { Ring, type RingLookup } from '../ring/index.js';
import { ContainerBroker, ContainerSyncStore, SYNC_DATADIR } from '../storage/index.js';
import { commonDaemonConf, type CommonDaemonConf } from './daemon-conf.js';
import type { Daemon, DaemonContext } from './daemon.js';
import { walkDbs } from './db-walk.js';
import { isLocalAddress } from './local-devices.js';
import { RowSender, type RowStats, type SyncJob, type SyncRow } from './container-sync-row.js';

const SYSMETA_VERSIONS_CONT = 'X-Container-Sysmeta-Versions-Container';

export interface ContainerSyncStats {
  syncs: number;
  deletes: number;
  puts: number;
  skips: number;
  failures: number;
}

export class ContainerSync implements Daemon {
  readonly name = 'container-sync';
  readonly conf: CommonDaemonConf;
  readonly containerTime: number;
  readonly allowedSyncHosts: string[];
  readonly realms: ContainerSyncRealms;
  private readonly logger: Logger;
  private readonly local: BackendClient;
  /** The remote cluster's HTTP agent: direct, or one per `sync_proxy`. */
  private readonly remotes: Dispatcher[];
  private readonly sender: RowSender;
  private readonly syncStore: ContainerSyncStore;
  private ring?: RingLookup;
  stats: ContainerSyncStats = { syncs: 0, deletes: 0, puts: 0, skips: 0, failures: 0 };
  /** Injectable clock (seconds), for tests. */
  now: () => number = () => Date.now() / 1000;

  constructor(private readonly ctx: DaemonContext) {
    this.conf = commonDaemonConf(ctx.conf, { interval: 300, bindPort: 6201 });
    this.logger = ctx.logger;
    this.containerTime = getInt(ctx.conf, 'container_time', 60, 0);
    this.allowedSyncHosts = getString(ctx.conf, 'allowed_sync_hosts', '127.0.0.1').split(',').map((h) => h.trim()).filter(Boolean);
    this.realms = new ContainerSyncRealms(join(this.conf.swiftDir, CONTAINER_SYNC_REALMS_FILE), this.logger);
    const remoteTimeout = getFloat(ctx.conf, 'conn_timeout', 5, 0);
    if (!ctx.conf.internal_client_conf_path) {
      this.logger.info('internal_client_conf_path not set; container-sync reads local objects from the object servers directly');
    }
    this.syncStore = new ContainerSyncStore(this.conf.devices);
    this.local = new BackendClient({ connTimeout: this.conf.connTimeout, nodeTimeout: this.conf.nodeTimeout });
    const agentOptions = { connect: { timeout: remoteTimeout * 1000 }, keepAliveTimeout: 10_000 };
    const proxies = getString(ctx.conf, 'sync_proxy', '').split(',').map((p) => p.trim()).filter(Boolean);
    // A plain-HTTP target goes to the proxy as an absolute-URI request (as Swift's client does); HTTPS through CONNECT.
    this.remotes = proxies.length
      ? proxies.map((uri) => new ProxyAgent({ uri, proxyTunnel: false, ...agentOptions }))
      : [new Agent(agentOptions)];
    this.sender = new RowSender({
      swiftDir: this.conf.swiftDir, hashPath: ctx.swiftConf.hashPath, realms: this.realms, local: this.local,
      remote: () => this.remotes[Math.floor(Math.random() * this.remotes.length)],
      remoteTimeout, logger: this.logger, statsd: ctx.statsd,
    });
  }

  /** One more of a container's outcome in the pass's stats, and Swift's statsd counter of the same name. */
  private count(stat: 'syncs' | 'skips' | 'failures'): void {
    this.stats[stat]++;
    this.ctx.statsd?.increment(stat);
  }

  private containerRing(): RingLookup {
    this.ring ??= new Ring(this.conf.swiftDir, { ringName: 'container', hashPath: this.ctx.swiftConf.hashPath });
    return this.ring;
  }

  async runOnce(signal: AbortSignal): Promise<void> {
    const started = this.now();
    this.stats = { syncs: 0, deletes: 0, puts: 0, skips: 0, failures: 0 };
    for await (const link of walkDbs(this.conf.devices, this.conf.mountCheck, SYNC_DATADIR, this.conf.onlyDevices, signal)) {
      const dbFile = this.syncStore.containerPath(link.dbFile);
      if (!dbFile) continue;
      if (!existsSync(dbFile)) {
        // A link left behind (a crash between a DB's removal and its link's): Swift drops it.
        this.syncStore.remove(dbFile);
        continue;
      }
      await this.containerSync(dbFile, signal);
    }
    this.logger.info({ ...this.stats, seconds: this.now() - started }, 'Container sync pass completed');
  }

  /** Syncs one container DB if it is a synced container this node holds a replica of. */
  async containerSync(dbFile: string, signal?: AbortSignal): Promise<void> {
    if (!existsSync(dbFile)) return;
    const broker = new ContainerBroker(dbFile, '', '');
    try {
      const info = broker.getInfo();
      const { nodes } = this.containerRing().getNodes(info.account, info.container);
      const ordinal = nodes.findIndex((n) => isLocalAddress(this.conf, n.ip, n.port));
      if (ordinal < 0) return;
      const metadata = broker.metadata;
      if (metadata[SYSMETA_VERSIONS_CONT]?.[0]) {
        this.count('skips');
        this.logger.warn({ account: info.account, container: info.container }, 'Skipping container with object versioning configured');
        return;
      }
      if (broker.isDeleted()) return;
      const syncTo = metadata['X-Container-Sync-To']?.[0];
      const userKey = metadata['X-Container-Sync-Key']?.[0];
      if (!syncTo || !userKey) {
        this.count('skips');
        return;
      }
      const valid = validateSyncTo(syncTo, this.allowedSyncHosts, this.realms);
      if ('error' in valid || !valid.target) {
        this.count('failures');
        this.logger.info({ dbFile, error: 'error' in valid ? valid.error : 'no target' }, 'ERROR container sync-to');
        return;
      }
      const job: SyncJob = {
        account: info.account, container: info.container, policyIndex: Number(info.storage_policy_index), target: valid.target, userKey,
      };
      await this.syncRows(broker, job, ordinal, nodes.length, info.x_container_sync_point1, info.x_container_sync_point2, signal);
      this.count('syncs');
    } catch (err) {
      this.count('failures');
      this.logger.error({ err, dbFile }, 'ERROR Syncing container');
    } finally {
      broker.close();
    }
  }

  private async syncRows(
    broker: ContainerBroker, job: SyncJob, ordinal: number, replicas: number, point1: number, point2: number, signal?: AbortSignal,
  ): Promise<void> {
    const stopAt = this.now() + this.containerTime;
    const stats: RowStats = { puts: 0, deletes: 0, bytes: 0 };
    const more = (): boolean => this.now() < stopAt && !signal?.aborted;
    const nextRow = (after: number): SyncRow | undefined => broker.getItemsSince(after, 1)[0] as unknown as SyncRow | undefined;
    // Rows shared out by an earlier pass: all of them, from every replica.
    let firstFailed: number | undefined;
    while (more() && point2 < point1) {
      const row = nextRow(point2);
      if (!row || row.ROWID > point1) break;
      if (!(await this.sender.sendRow(job, row, stats))) {
        this.count('failures');
        firstFailed ??= point2;
      }
      point2 = row.ROWID;
      broker.setXContainerSyncPoints(null, point2);
    }
    if (firstFailed !== undefined) broker.setXContainerSyncPoints(null, firstFailed);
    // New rows: this replica's share.
    while (more()) {
      const row = nextRow(point1);
      if (!row) break;
      if (hashPathRaw(this.ctx.swiftConf.hashPath, job.account, job.container, row.name).readUInt32BE(0) % replicas === ordinal) {
        if (!(await this.sender.sendRow(job, row, stats))) this.count('failures');
      }
      point1 = row.ROWID;
      broker.setXContainerSyncPoints(point1, null);
    }
    this.stats.puts += stats.puts;
    this.stats.deletes += stats.deletes;
    this.logger.info({
      container: `${job.account}/${job.container}`, puts: stats.puts, deletes: stats.deletes, bytes: stats.bytes,
      syncPoint1: point1, syncPoint2: firstFailed ?? point2, totalRows: broker.getMaxRow(),
    }, 'Container sync report');
  }

  async close(): Promise<void> {
    await Promise.all([this.local.close(), ...this.remotes.map((r) => r.close())]);
  }
}

export const createContainerSync = (ctx: DaemonContext): ContainerSync => new ContainerSync(ctx);
