/**
 * After a container PUT or DELETE, the container server tells the account
 * servers named in X-Account-Host/-Device/-Partition (Swift's
 * `account_update`). Failures are logged and left for the replicator, as in
 * Swift; only "every account server said 404" changes the answer.
 */
import type { FastifyRequest } from 'fastify';
import { parseHostPort, quotePath, type BackendClient, type Logger } from '../../common/index.js';
import { HttpStatusError } from '../db/errors.js';
import type { ContainerInfo } from './container-broker.js';

function headerList(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join(',') : v ?? '';
}

export interface AccountUpdateOptions {
  account: string;
  container: string;
  info: ContainerInfo;
  /** The container server's client (keep-alive, conn_timeout). */
  client: BackendClient;
  /** Seconds from connection to the account server's answer (account_update_timeout). */
  timeout: number;
  logger: Logger;
  /** The incoming request's method and URL (sent as Referer, as Swift does). */
  referer: string;
}

/**
 * Sends the container's stats to each account server. Throws a 404
 * HttpStatusError when all of them answered 404, 400 when hosts and
 * devices do not pair up.
 */
export async function accountUpdate(req: FastifyRequest, opts: AccountUpdateOptions): Promise<void> {
  const hosts = headerList(req.headers['x-account-host']).split(',').map((h) => h.trim());
  const devices = headerList(req.headers['x-account-device']).split(',').map((d) => d.trim());
  const partition = headerList(req.headers['x-account-partition']);
  if (hosts.length !== devices.length) {
    opts.logger.error({ hosts, devices }, 'ERROR Account update failed: different numbers of hosts and devices in request');
    throw new HttpStatusError(400);
  }
  if (!partition) return;
  const { info } = opts;
  const headers: Record<string, string> = {
    'x-put-timestamp': info.put_timestamp,
    'x-delete-timestamp': info.delete_timestamp,
    'x-object-count': String(info.object_count),
    'x-bytes-used': String(info.bytes_used),
    'x-trans-id': headerList(req.headers['x-trans-id']) || '-',
    'X-Backend-Storage-Policy-Index': String(info.storage_policy_index),
    'user-agent': `container-server ${process.pid}`,
    referer: opts.referer,
  };
  if (headerList(req.headers['x-account-override-deleted']).toLowerCase() === 'yes') headers['x-account-override-deleted'] = 'yes';
  const results = await Promise.all(hosts.map(async (host, i) => {
    const path = quotePath(`/${devices[i]}/${partition}/${opts.account}/${opts.container}`);
    try {
      const res = await opts.client.requestWhole(parseHostPort(host), 'PUT', path, headers, { timeout: opts.timeout });
      if (res.status === 404) return 404;
      if (res.status < 200 || res.status >= 300) {
        opts.logger.error({ host, device: devices[i], status: res.status },
          'ERROR Account update failed (will retry later)');
      }
      return res.status;
    } catch (err) {
      opts.logger.error({ err, host, device: devices[i] }, 'ERROR account update failed (will retry later)');
      return 0;
    }
  }));
  if (results.length && results.every((s) => s === 404)) throw new HttpStatusError(404);
}
