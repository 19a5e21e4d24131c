/**
 * account-reaper (Swift's `account/reaper.py`): for every account DB on
 * this server that is marked deleted (and has been for `delay_reaping`
 * seconds), deletes its objects and containers from the cluster. Each
 * account replica reaps the share of containers whose name hashes to its
 * index among the account's primaries, so the work is split, not repeated.
 * Objects are deleted on their primaries with the container update
 * headers; containers with the account update headers
 * (`X-Account-Override-Deleted: yes`). The emptied, deleted account DB is
 * later removed by the account-replicator after reclaim_age.
 *
 * Options (`[account-reaper]`): interval 3600, concurrency 25,
 * delay_reaping 0, reap_warn_after 2592000, node_timeout 10, conn_timeout 0.5.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import pLimit from 'p-limit';
import { dumpReconCache, getFloat, Timestamp, quotePath, type Logger } from '../common/index.js';
import { Ring, type RingLookup, type RingNode } from '../ring/index.js';
import { AccountBroker } from '../storage/index.js';
import { BackendClient, isSuccess } from './backend-client.js';
import { commonDaemonConf, type CommonDaemonConf } from './daemon-conf.js';
import type { Daemon, DaemonContext } from './daemon.js';
import { localDevices } from './local-devices.js';
import { walkDbs } from './db-walk.js';

type RingName = 'account' | 'container' | 'object';

export interface ReaperStats {
  accounts: number;
  containers_deleted: number;
  objects_deleted: number;
  failures: number;
}

export class AccountReaper implements Daemon {
  readonly name = 'account-reaper';
  readonly conf: CommonDaemonConf;
  private readonly delayReaping: number;
  private readonly client: BackendClient;
  private readonly logger: Logger;
  private readonly rings = new Map<string, RingLookup>();
  stats: ReaperStats = { accounts: 0, containers_deleted: 0, objects_deleted: 0, failures: 0 };

  constructor(private readonly ctx: DaemonContext) {
    this.conf = commonDaemonConf(ctx.conf, { interval: 3600, concurrency: 25, bindPort: 6202 });
    this.delayReaping = getFloat(ctx.conf, 'delay_reaping', 0, 0);
    this.client = new BackendClient(this.conf);
    this.logger = ctx.logger;
  }

  private ring(name: RingName, policy = 0): RingLookup {
    const file = name === 'object' && policy > 0 ? `object-${policy}` : name;
    let r = this.rings.get(file);
    if (!r) {
      r = new Ring(this.conf.swiftDir, { ringName: file, hashPath: this.ctx.swiftConf.hashPath });
      this.rings.set(file, r);
    }
    return r;
  }

  async runOnce(signal: AbortSignal): Promise<void> {
    const started = Date.now();
    this.stats = { accounts: 0, containers_deleted: 0, objects_deleted: 0, failures: 0 };
    const mine = new Map(localDevices(this.ring('account'), this.conf).map((d) => [d.device, d]));
    const unusable = (device: string): void => {
      this.ctx.statsd?.increment('errors');
      this.logger.debug({ device }, 'Skipping: device not mounted');
    };
    for await (const db of walkDbs(this.conf.devices, this.conf.mountCheck, 'accounts', this.conf.onlyDevices, signal, unusable)) {
      const dev = mine.get(db.device);
      if (!dev || !existsSync(db.dbFile)) continue;
      const broker = new AccountBroker(db.dbFile, '');
      try {
        if (!broker.isStatusDeleted()) continue;
        const info = broker.getInfo();
        if (Number(Timestamp.parse(String(info.delete_timestamp)).seconds) + this.delayReaping > Date.now() / 1000) continue;
        const nodes = this.ring('account').getPartNodes(db.partition);
        const shard = nodes.findIndex((n) => n.id === dev.id);
        const begin = performance.now();
        await this.reapAccount(broker, String(info.account), shard, nodes.length, signal);
        this.ctx.statsd?.timingSince('timing', begin);
      } catch (err) {
        this.stats.failures++;
        this.logger.error({ err, dbFile: db.dbFile }, 'Exception with account');
      } finally {
        broker.close();
      }
    }
    const seconds = (Date.now() - started) / 1000;
    this.logger.info({ ...this.stats, seconds }, 'Devices pass completed');
    dumpReconCache(this.conf.reconCachePath, 'account', { account_reaper_pass: seconds, account_reaper_stats: this.stats });
  }

  /** Reaps this replica's share of the account's containers (`shard` -1: a handoff reaps them all). */
  private async reapAccount(broker: AccountBroker, account: string, shard: number, replicas: number, signal: AbortSignal): Promise<void> {
    this.stats.accounts++;
    let marker = '';
    for (;;) {
      const page = await broker.listContainers({ limit: 1000, marker });
      if (!page.length) break;
      for (const entry of page) {
        const name = (entry as { name: string }).name;
        marker = name;
        if (signal.aborted) return;
        const h = createHash('md5').update(name).digest();
        if (shard >= 0 && h.readUInt32BE(12) % replicas !== shard) continue;
        await this.reapContainer(account, name, signal);
      }
    }
  }

  private async reapContainer(account: string, container: string, signal: AbortSignal): Promise<void> {
    const c = this.ring('container').getNodes(account, container);
    const cpath = quotePath(`/${account}/${container}`);
    // List from the first replica that answers, deleting as we go.
    let policy = 0;
    const limit = pLimit(this.conf.concurrency);
    for (const node of c.nodes) {
      let ok = true;
      let marker = '';
      try {
        for (;;) {
          const res = await this.client.request(node, 'GET', `/${quotePath(node.device)}/${c.partition}${cpath}?format=json&marker=${encodeURIComponent(marker)}`);
          this.returnCode(res.status);
          if (res.status === 404) break;
          if (res.status !== 200) throw new Error(`container listing ${res.status}`);
          policy = Number(res.headers['x-backend-storage-policy-index'] ?? 0);
          const objs = JSON.parse(res.body.toString('utf8')) as { name: string }[];
          if (!objs.length) break;
          await Promise.all(objs.map((o) => limit(() => this.reapObject(account, container, o.name, policy, c))));
          if (signal.aborted) return;
          marker = objs[objs.length - 1].name;
        }
      } catch (err) {
        ok = false;
        this.logger.warn({ err: (err as Error).message, node: `${node.ip}:${node.port}` }, 'container listing failed; next replica');
      }
      if (ok) break;
    }
    const a = this.ring('account').getNodes(account);
    const ts = Timestamp.now().internal;
    const statuses = await Promise.all(c.nodes.map(async (node, i) => {
      const an = a.nodes[i % a.nodes.length];
      try {
        const res = await this.client.request(node, 'DELETE', `/${quotePath(node.device)}/${c.partition}${cpath}`, {
          headers: {
            'X-Timestamp': ts, 'X-Account-Host': `${an.ip}:${an.port}`, 'X-Account-Device': an.device,
            'X-Account-Partition': String(a.partition), 'X-Account-Override-Deleted': 'yes',
            'X-Backend-Storage-Policy-Index': String(policy),
          },
        });
        return res.status;
      } catch {
        return 0;
      }
    }));
    this.tally('containers', statuses);
    if (statuses.some((s) => isSuccess(s) || s === 404)) this.stats.containers_deleted++;
    else this.stats.failures++;
  }

  private async reapObject(account: string, container: string, obj: string, policy: number, c: { partition: number; nodes: RingNode[] }): Promise<void> {
    const { partition, nodes } = this.ring('object', policy).getNodes(account, container, obj);
    const path = quotePath(`/${account}/${container}/${obj}`);
    const ts = Timestamp.now().internal;
    const statuses = await Promise.all(nodes.map(async (node, i) => {
      const cn = c.nodes[i % c.nodes.length];
      try {
        const res = await this.client.request(node, 'DELETE', `/${quotePath(node.device)}/${partition}${path}`, {
          headers: {
            'X-Timestamp': ts, 'X-Container-Host': `${cn.ip}:${cn.port}`, 'X-Container-Device': cn.device,
            'X-Container-Partition': String(c.partition), 'X-Backend-Storage-Policy-Index': String(policy),
          },
        });
        return res.status;
      } catch {
        return 0;
      }
    }));
    this.tally('objects', statuses);
    if (statuses.some((s) => isSuccess(s) || s === 404)) this.stats.objects_deleted++;
    else this.stats.failures++;
  }

  /** Swift's `return_codes.<N>xx` of one backend answer (0: none, a timeout or refused connection). */
  private returnCode(status: number): void {
    if (status) this.ctx.statsd?.increment(`return_codes.${Math.floor(status / 100)}`);
  }

  /**
   * Swift's statsd counters of one container's or object's DELETEs (its
   * direct_client: any answer but 2xx fails): `<kind>_failures` per failed
   * replica, then `<kind>_deleted` when most succeeded,
   * `<kind>_remaining` when none did, else `<kind>_possibly_remaining`.
   */
  private tally(kind: 'containers' | 'objects', statuses: number[]): void {
    let successes = 0;
    for (const status of statuses) {
      this.returnCode(status);
      if (isSuccess(status)) successes++;
      else this.ctx.statsd?.increment(`${kind}_failures`);
    }
    const failures = statuses.length - successes;
    this.ctx.statsd?.increment(successes > failures ? `${kind}_deleted` : successes === 0 ? `${kind}_remaining` : `${kind}_possibly_remaining`);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

export const createAccountReaper = (ctx: DaemonContext): AccountReaper => new AccountReaper(ctx);
