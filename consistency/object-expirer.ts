/**
 * object-expirer (Swift's `obj/expirer.py`): deletes objects whose
 * X-Delete-At has passed, driven by the queue the object servers keep in
 * the hidden `.expiring_objects` account — one container per time slot
 * (`expiring_objects_container_divisor`), one row per object named
 * `<delete_at>-<account>/<container>/<object>`. Swift's expirer goes
 * through an internal proxy; ours talks to the storage nodes from the
 * rings, which is what that proxy would do:
 *
 * 1. list the queue account's containers (slots ≤ now) on an account
 *    replica, then each slot's rows on a container replica;
 * 2. for each due row (of this process's share: `processes`/`process`),
 *    DELETE the object on its primaries with `X-If-Delete-At` and
 *    `X-Timestamp` = delete_at, so a newer write or a changed X-Delete-At
 *    keeps the object (412/409), with the container update headers;
 * 3. on success (2xx, 404 or 412 from a majority), drop the queue row on
 *    the slot's container replicas; drop an emptied past slot.
 *
 * Options (`[object-expirer]`, in object-server.conf or
 * object-expirer.conf): interval 300, concurrency 1, processes 0,
 * process 0, expiring_objects_account_name expiring_objects,
 * auto_create_account_prefix ".", reclaim_age.
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { ASYNC_DELETE_TYPE, dumpReconCache, getInt, getString, Timestamp, quotePath, type Logger } from '../common/index.js';
import { Ring, type RingNode as RingDevice, type RingLookup } from '../ring/index.js';
import { BackendClient, isSuccess } from './backend-client.js';
import { commonDaemonConf, type CommonDaemonConf } from './daemon-conf.js';
import type { Daemon, DaemonContext } from './daemon.js';

export interface ExpirerStats {
  objects: number;
  failures: number;
  pops: number;
  containers_removed: number;
}

type RingName = 'account' | 'container' | 'object';

/** Swift's task object name: `<delete_at>-<account>/<container>/<object>`. */
export function parseTaskObject(name: string): { deleteAt: number; account: string; container: string; obj: string } | undefined {
  // An async delete's row (slo) has a high-precision time: `1700000000.12345-a/c/o`.
  const m = /^(\d+(?:\.\d+)?)-([^/]+)\/([^/]+)\/(.+)$/s.exec(name);
  if (!m) return undefined;
  return { deleteAt: Number(m[1]), account: m[2], container: m[3], obj: m[4] };
}

export class ObjectExpirer implements Daemon {
  readonly name = 'object-expirer';
  readonly conf: CommonDaemonConf;
  readonly queueAccount: string;
  private readonly processes: number;
  private readonly process: number;
  private readonly client: BackendClient;
  private readonly logger: Logger;
  private readonly rings = new Map<RingName, RingLookup>();
  stats: ExpirerStats = { objects: 0, failures: 0, pops: 0, containers_removed: 0 };
  /** Injectable clock (seconds), for tests. */
  now: () => number = () => Date.now() / 1000;

  constructor(private readonly ctx: DaemonContext) {
    this.conf = commonDaemonConf(ctx.conf, { interval: 300, concurrency: 1 });
    this.queueAccount = getString(ctx.conf, 'auto_create_account_prefix', '.') + getString(ctx.conf, 'expiring_objects_account_name', 'expiring_objects');
    this.processes = getInt(ctx.conf, 'processes', 0, 0);
    this.process = getInt(ctx.conf, 'process', 0, 0);
    this.client = new BackendClient(this.conf);
    this.logger = ctx.logger;
  }

  private ring(name: RingName): RingLookup {
    let r = this.rings.get(name);
    if (!r) {
      r = new Ring(this.conf.swiftDir, { ringName: name, hashPath: this.ctx.swiftConf.hashPath });
      this.rings.set(name, r);
    }
    return r;
  }

  /** A JSON listing from the first replica that answers 200 (paged by marker). */
  private async listing(ringName: 'account' | 'container', account: string, container?: string): Promise<{ name: string; content_type?: string }[]> {
    const { partition, nodes } = this.ring(ringName).getNodes(account, container);
    const path = quotePath(container === undefined ? `/${account}` : `/${account}/${container}`);
    for (const node of nodes) {
      const out: { name: string; content_type?: string }[] = [];
      let marker = '';
      try {
        for (;;) {
          const res = await this.client.request(node, 'GET', `/${quotePath(node.device)}/${partition}${path}?format=json&marker=${encodeURIComponent(marker)}`);
          if (res.status === 404) break;
          if (res.status !== 200) throw new Error(`listing: ${res.status}`);
          const page = JSON.parse(res.body.toString('utf8')) as { name: string; content_type?: string }[];
          out.push(...page);
          if (page.length < 10000) return out;
          marker = page[page.length - 1].name;
        }
      } catch (err) {
        this.logger.debug({ err: (err as Error).message, node: `${node.ip}:${node.port}` }, 'listing failed; next replica');
        continue;
      }
      if (out.length) return out;
    }
    return [];
  }

  private inMyShare(container: string, obj: string): boolean {
    if (this.processes <= 0) return true;
    const h = createHash('md5').update(`${this.queueAccount}/${container}/${obj}`).digest();
    return h.readUInt32BE(12) % this.processes === this.process;
  }

  async runOnce(signal: AbortSignal): Promise<void> {
    const started = Date.now();
    this.stats = { objects: 0, failures: 0, pops: 0, containers_removed: 0 };
    const now = this.now();
    const limit = pLimit(this.conf.concurrency);
    for (const { name: container } of await this.listing('account', this.queueAccount)) {
      if (signal.aborted) break;
      if (!/^\d+$/.test(container) || Number(container) > now) continue;
      const rows = await this.listing('container', this.queueAccount, container);
      let left = rows.length;
      await Promise.all(rows.map((row) => limit(async () => {
        const task = parseTaskObject(row.name);
        if (!task || signal.aborted) return;
        if (task.deleteAt > now || !this.inMyShare(container, row.name)) return;
        // Swift's object-expirer.objects / .errors / .timing, one per task.
        const begin = performance.now();
        if (await this.deleteActualObject(task, row.content_type === ASYNC_DELETE_TYPE)) {
          this.stats.objects++;
          // Swift counts an object once its queue row is gone too, else an error (the row is tried again).
          if (await this.popQueue(container, row.name)) {
            left--;
            this.ctx.statsd?.increment('objects');
          } else {
            this.ctx.statsd?.increment('errors');
          }
        } else {
          this.stats.failures++;
          this.ctx.statsd?.increment('errors');
        }
        this.ctx.statsd?.timingSince('timing', begin);
      })));
      if (left === 0) await this.deleteQueueContainer(container);
    }
    const seconds = (Date.now() - started) / 1000;
    this.logger.info({ ...this.stats, seconds }, 'Pass completed');
    dumpReconCache(this.conf.reconCachePath, 'object', { object_expiration_pass: seconds, expired_last_pass: this.stats.objects });
  }

  private async majority(nodes: RingDevice[], send: (node: RingDevice) => Promise<number>, ok: (status: number) => boolean): Promise<boolean> {
    const statuses = await Promise.all(nodes.map((n) => send(n).catch(() => 0)));
    return statuses.filter(ok).length >= Math.floor(nodes.length / 2) + 1;
  }

  /**
   * Deletes the task's object as of its time: an expiry only if its
   * X-Delete-At is still that time (X-If-Delete-At); an async delete (slo's
   * segments) unconditionally, a newer write winning (409).
   */
  private async deleteActualObject(task: { deleteAt: number; account: string; container: string; obj: string }, isAsyncDelete: boolean): Promise<boolean> {
    const { partition, nodes } = this.ring('object').getNodes(task.account, task.container, task.obj);
    const c = this.ring('container').getNodes(task.account, task.container);
    const ts = Timestamp.parse(task.deleteAt).internal;
    const path = quotePath(`/${task.account}/${task.container}/${task.obj}`);
    const condition: Record<string, string> = isAsyncDelete ? {} : { 'X-If-Delete-At': String(task.deleteAt), 'X-Backend-Clean-Expiring-Object-Queue': 'no' };
    return this.majority(nodes, async (node) => {
      const cn = c.nodes[node.index % c.nodes.length];
      const res = await this.client.request(node, 'DELETE', `/${quotePath(node.device)}/${partition}${path}`, {
        headers: {
          'X-Timestamp': ts, ...condition,
          'X-Container-Host': `${cn.ip}:${cn.port}`, 'X-Container-Device': cn.device, 'X-Container-Partition': String(c.partition),
          'user-agent': `object-expirer ${process.pid}`,
        },
      });
      return res.status;
    }, (s) => isSuccess(s) || s === 404 || (isAsyncDelete ? s === 409 : s === 412));
  }

  private async popQueue(container: string, obj: string): Promise<boolean> {
    const { partition, nodes } = this.ring('container').getNodes(this.queueAccount, container);
    const path = quotePath(`/${this.queueAccount}/${container}/${obj}`);
    const ok = await this.majority(nodes, async (node) => {
      const res = await this.client.request(node, 'DELETE', `/${quotePath(node.device)}/${partition}${path}`, {
        headers: { 'X-Timestamp': Timestamp.now().internal, 'X-Backend-Storage-Policy-Index': '0' },
      });
      return res.status;
    }, (s) => isSuccess(s) || s === 404);
    if (ok) this.stats.pops++;
    return ok;
  }

  private async deleteQueueContainer(container: string): Promise<void> {
    const { partition, nodes } = this.ring('container').getNodes(this.queueAccount, container);
    const a = this.ring('account').getNodes(this.queueAccount);
    const path = quotePath(`/${this.queueAccount}/${container}`);
    const ok = await this.majority(nodes, async (node) => {
      const an = a.nodes[node.index % a.nodes.length];
      const res = await this.client.request(node, 'DELETE', `/${quotePath(node.device)}/${partition}${path}`, {
        headers: {
          'X-Timestamp': Timestamp.now().internal,
          'X-Account-Host': `${an.ip}:${an.port}`, 'X-Account-Device': an.device, 'X-Account-Partition': String(a.partition),
        },
      });
      return res.status;
    }, (s) => isSuccess(s) || s === 404);
    if (ok) this.stats.containers_removed++;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

export const createObjectExpirer = (ctx: DaemonContext): ObjectExpirer => new ObjectExpirer(ctx);
