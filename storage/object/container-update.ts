/**
 * Container updates after object writes (Swift's `container_update`,
 * `async_update` and `delete_at_update`): one request per container
 * replica named in X-Container-Host/-Device/-Partition, waited for up to
 * `container_update_timeout`, each falling back to an async_pending file
 * when it fails or times out (the wait may end first; the update goes on in
 * the background until `node_timeout`).
 */
import { BackendClient, expirerContainer, normalizeDeleteAt, parseHostPort, quotePath, Timestamp, configTrueValue, type HashPathSecrets, type Logger,
  counter, NO_STATSD, type Statsd } from '../../common/index.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectServerConf } from './object-conf.js';
import { writeAsyncPending, type AsyncUpdate } from './async-pending.js';

const asyncPendingsWritten = counter('swiftly_object_async_pendings_total', 'Container updates saved as async_pending files for the object-updater', []);

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
};

export interface UpdateContext {
  /** The object's device (for async_pending) and its path. */
  objDevice: string;
  devicePath: string;
  policyIndex: number;
  requestHeaders: IncomingHttpHeaders;
  /** Swift's `request.as_referer()`: "<METHOD> <url>". */
  referer: string;
}

export class ContainerUpdater {
  private readonly client: BackendClient;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly conf: ObjectServerConf,
    private readonly secrets: HashPathSecrets,
    private readonly logger: Logger,
    private readonly statsd: Statsd = NO_STATSD,
  ) {
    // Keep-alive (requestWhole's node:http agent keeps a node's connections):
    // a container update per object write is the hot path, and a new TCP
    // connection each time showed up in the object server's profile.
    this.client = new BackendClient({ connTimeout: conf.connTimeout, nodeTimeout: conf.nodeTimeout });
  }

  /** Sends one update, or saves it as async_pending when that fails. */
  async asyncUpdate(
    op: string, account: string, container: string, obj: string,
    target: { host?: string; device?: string; partition?: string },
    headersOut: Record<string, string>, ctx: UpdateContext, containerPath?: string,
  ): Promise<void> {
    headersOut['user-agent'] = `object-server ${process.pid}`;
    const fullPath = containerPath ? `/${containerPath}/${obj}` : `/${account}/${container}/${obj}`;
    if (target.host && target.device && target.partition) {
      try {
        const path = `/${quotePath(target.device)}/${quotePath(target.partition)}${quotePath(fullPath)}`;
        const res = await this.client.requestWhole(parseHostPort(target.host), op, path, headersOut);
        if (res.status >= 200 && res.status < 300) return;
        this.logger.error({ status: res.status, host: target.host, device: target.device }, 'ERROR Container update failed (saving for async update later)');
      } catch (err) {
        this.logger.error({ err, host: target.host, device: target.device }, 'ERROR container update failed (saving for async update later)');
      }
    }
    const data: AsyncUpdate = { op, account, container, obj, headers: headersOut };
    if (containerPath) data.container_path = containerPath;
    const ts = Timestamp.parse(headersOut['x-meta-timestamp'] ?? headersOut['x-timestamp']);
    await writeAsyncPending(ctx.devicePath, this.secrets, data, ts, ctx.policyIndex);
    asyncPendingsWritten.inc();
    this.statsd.increment('async_pendings');
  }

  /** Updates every container replica the proxy named, waiting up to container_update_timeout. */
  async containerUpdate(op: string, account: string, container: string, obj: string, headersOut: Record<string, string>, ctx: UpdateContext): Promise<void> {
    const h = ctx.requestHeaders;
    const hosts = (header(h, 'x-container-host') ?? '').split(',').map((s) => s.trim());
    const devices = (header(h, 'x-container-device') ?? '').split(',').map((s) => s.trim());
    const partition = header(h, 'x-container-partition') ?? '';
    if (hosts.length !== devices.length) {
      this.logger.error({ hosts: header(h, 'x-container-host'), devices: header(h, 'x-container-device') },
        'ERROR Container update failed: different numbers of hosts and devices in request');
      return;
    }
    let containerPath = header(h, 'x-backend-quoted-container-path');
    if (containerPath) containerPath = decodeURIComponent(containerPath);
    else containerPath = header(h, 'x-backend-container-path');
    if (containerPath && !/^[^/]+\/[^/]+$/.test(containerPath)) {
      this.logger.error({ containerPath }, "Invalid X-Backend-Container-Path, should be of the form 'account/container'");
      containerPath = undefined;
    }
    headersOut['x-trans-id'] = header(h, 'x-trans-id') ?? '-';
    headersOut['referer'] = ctx.referer;
    headersOut['X-Backend-Storage-Policy-Index'] = String(ctx.policyIndex);
    if (!partition) return;
    const updates = hosts.map((host, i) =>
      this.track(this.asyncUpdate(op, account, container, obj, { host, device: devices[i], partition }, { ...headersOut }, ctx, containerPath)));
    await this.waitAtMost(Promise.all(updates), this.conf.containerUpdateTimeout);
  }

  /** Swift's `delete_at_update`: the `.expiring_objects` queue entry for X-Delete-At. */
  async deleteAtUpdate(op: 'PUT' | 'DELETE', deleteAt: number, account: string, container: string, obj: string, requestTimestamp: Timestamp, ctx: UpdateContext): Promise<void> {
    const h = ctx.requestHeaders;
    if (configTrueValue(header(h, 'x-backend-replication') ?? 'f')) return;
    const headersOut: Record<string, string> = {
      'X-Backend-Storage-Policy-Index': '0',
      'x-timestamp': requestTimestamp.internal,
      'x-trans-id': header(h, 'x-trans-id') ?? '-',
      referer: ctx.referer,
    };
    let updates: { host?: string; device?: string }[] = [{}];
    let partition: string | undefined;
    let deleteAtContainer: string;
    if (op !== 'DELETE') {
      const hosts = header(h, 'x-delete-at-host');
      if (hosts === undefined) return;
      deleteAtContainer = header(h, 'x-delete-at-container') ??
        expirerContainer(deleteAt, this.conf.expiringObjectsContainerDivisor, this.secrets, account, container, obj);
      partition = header(h, 'x-delete-at-partition');
      const devices = (header(h, 'x-delete-at-device') ?? '').split(',').map((s) => s.trim());
      const pairs = hosts.split(',').map((s, i) => ({ host: s.trim(), device: devices[i] }))
        .filter((u) => u.host && u.device && partition);
      if (pairs.length > 0) updates = pairs;
      headersOut['x-size'] = '0';
      headersOut['x-content-type'] = 'text/plain';
      headersOut['x-etag'] = 'd41d8cd98f00b204e9800998ecf8427e';
    } else {
      if (!configTrueValue(header(h, 'x-backend-clean-expiring-object-queue') ?? 't')) return;
      deleteAtContainer = expirerContainer(deleteAt, this.conf.expiringObjectsContainerDivisor, this.secrets, account, container, obj);
    }
    deleteAtContainer = normalizeDeleteAt(Number(deleteAtContainer));
    const taskObj = `${normalizeDeleteAt(deleteAt)}-${account}/${container}/${obj}`;
    for (const u of updates) {
      await this.track(this.asyncUpdate(op, this.conf.expiringObjectsAccount, deleteAtContainer, taskObj,
        { host: u.host, device: u.device, partition }, { ...headersOut }, ctx));
    }
  }

  private track(p: Promise<void>): Promise<void> {
    const guarded = p.catch((err) => this.logger.error({ err }, 'ERROR saving async update'));
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
    return guarded;
  }

  private async waitAtMost(p: Promise<unknown>, seconds: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([p, new Promise((r) => (timer = setTimeout(r, seconds * 1000)))]);
    clearTimeout(timer);
  }

  /** Lets updates still running finish (each is bounded by node_timeout). */
  async close(): Promise<void> {
    await Promise.all([...this.inFlight]);
    await this.client.close();
  }
}
