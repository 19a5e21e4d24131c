/**
 * The account server (Swift's `AccountController`): one SQLite DB per
 * account at `<devices>/<device>/accounts/<part>/<suffix>/<hash>/<hash>.db`,
 * holding the container rows that container servers report.
 */
import { existsSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Timestamp } from '../../common/index.js';
import type { StorageApp, StorageAppContext } from '../server-runner.js';
import type { BackendPath } from '../http/backend-path.js';
import { BrokerCache } from '../db/broker-cache.js';
import { checkDrive, dbPath } from '../db/db-paths.js';
import { readDbServerConf, type DbServerConf } from '../db/db-server-conf.js';
import { handleDbRequest } from '../db/dispatch.js';
import { HttpStatusError } from '../db/errors.js';
import { listingContentType } from '../db/listing-format.js';
import type { Metadata } from '../db/metadata.js';
import { handleReplicate } from '../db/replicator-rpc.js';
import {
  configTrue, constrainLimit, getParam, headerIsUtf8, headerValue, isSysOrUserMeta, parseDbPath, validTimestamp,
  validateInternalName, wsgiHeaderName,
} from '../db/request.js';
import { send, type Headers } from '../db/response.js';
import { AccountBroker } from './account-broker.js';
import { accountHeaders, sendAccountListing } from './account-response.js';

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'REPLICATE'];
const UTF8_BODY = 'Invalid UTF8';

class AccountServer {
  readonly brokers: BrokerCache<AccountBroker>;

  constructor(readonly conf: DbServerConf, readonly app: StorageAppContext) {
    this.brokers = new BrokerCache(conf.dbCacheSize);
  }

  broker(p: BackendPath): AccountBroker {
    return this.brokerAt(dbPath(this.app.swiftConf.hashPath, this.conf.devices, p.device, 'accounts', p.partition, p.account), p.account);
  }

  brokerAt(path: string, account = ''): AccountBroker {
    return this.brokers.get(path, () => new AccountBroker(path, account, { synchronous: this.conf.synchronous }));
  }

  checkDrive(device: string): void {
    checkDrive(this.conf.devices, device, this.conf.mountCheck);
  }

  /** Swift's `_deleted_response`: X-Account-Status: Deleted when the account was deleted. */
  deleted(reply: FastifyReply, broker: AccountBroker, status: number, body?: string): FastifyReply {
    const headers: Headers = broker.exists() && broker.isStatusDeleted() ? { 'X-Account-Status': 'Deleted' } : {};
    headers['Content-Type'] = 'text/html; charset=utf-8';
    return send(reply, status, headers, body ?? '');
  }

  accountPath(url: string): { parts: BackendPath; query: Map<string, Buffer> } {
    const r = parseDbPath(url, 3, 3, false, UTF8_BODY);
    validateInternalName(r.parts.account, 'account');
    return r;
  }

  async route(req: FastifyRequest, reply: FastifyReply, method: string): Promise<FastifyReply> {
    switch (method) {
      case 'PUT': return this.put(req, reply);
      case 'DELETE': return this.delete(req, reply);
      case 'HEAD': return this.head(req, reply);
      case 'GET': return this.get(req, reply);
      case 'POST': return this.post(req, reply);
      case 'REPLICATE': {
        const { parts } = parseDbPath(req.url, 3, 3, false, UTF8_BODY);
        this.checkDrive(parts.device);
        return handleReplicate({
          devices: this.conf.devices, datadir: 'accounts',
          broker: (path) => this.brokerAt(path), evict: (path) => this.brokers.evict(path),
        }, req, reply, parts.device, parts.partition, parts.account);
      }
      default:
        throw new Error(`unrouted method ${method}`);
    }
  }

  async delete(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { parts } = this.accountPath(req.url);
    this.checkDrive(parts.device);
    const timestamp = validTimestamp(req.headers);
    const broker = this.broker(parts);
    if (broker.isDeleted()) return this.deleted(reply, broker, 404);
    broker.deleteDb(timestamp.internal);
    await broker.durable();
    return this.deleted(reply, broker, 204);
  }

  async put(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { parts } = parseDbPath(req.url, 3, 4, false, UTF8_BODY);
    validateInternalName(parts.account, 'account');
    validateInternalName(parts.container, 'container');
    this.checkDrive(parts.device);
    if (parts.container) return this.putContainer(req, reply, parts);
    const timestamp = validTimestamp(req.headers);
    const broker = this.broker(parts);
    let created: boolean;
    if (!existsSync(broker.dbFile)) {
      try {
        broker.initialize(timestamp.internal);
        created = true;
      } catch (err) {
        if ((err as Error).name !== 'DatabaseAlreadyExistsError') throw err;
        created = false;
      }
    } else if (broker.isStatusDeleted()) {
      return this.deleted(reply, broker, 403, 'Recently deleted');
    } else {
      created = broker.isDeleted();
      broker.updatePutTimestamp(timestamp.internal);
      if (broker.isDeleted()) return send(reply, 409);
    }
    this.updateMetadata(req, broker, timestamp);
    await broker.durable();
    return send(reply, created ? 201 : 202);
  }

  /** A container server's report of one container's stats. */
  async putContainer(req: FastifyRequest, reply: FastifyReply, parts: BackendPath): Promise<FastifyReply> {
    const timestamp = req.headers['x-timestamp'] === undefined ? Timestamp.now() : validTimestamp(req.headers);
    const policyIndex = parseInt(String(req.headers['x-backend-storage-policy-index'] ?? '0'), 10) || 0;
    const broker = this.broker(parts);
    if (parts.account.startsWith(this.conf.autoCreateAccountPrefix) && !existsSync(broker.dbFile)) {
      try {
        broker.initialize(timestamp.internal);
      } catch (err) {
        if ((err as Error).name !== 'DatabaseAlreadyExistsError') throw err;
      }
    }
    const override = String(req.headers['x-account-override-deleted'] ?? 'no').toLowerCase() === 'yes';
    if (!existsSync(broker.dbFile) || (!override && broker.isDeleted())) return send(reply, 404);
    const put = headerValue(req.headers, 'x-put-timestamp');
    const del = headerValue(req.headers, 'x-delete-timestamp');
    const count = headerValue(req.headers, 'x-object-count');
    const bytes = headerValue(req.headers, 'x-bytes-used');
    if (put === undefined || del === undefined || count === undefined || bytes === undefined) {
      throw new HttpStatusError(400, 'Missing X-Put-Timestamp, X-Delete-Timestamp, X-Object-Count or X-Bytes-Used');
    }
    const putTs = Timestamp.tryParse(put);
    const delTs = Timestamp.tryParse(del);
    if (!putTs || !delTs || !/^\s*\d+\s*$/.test(count) || !/^\s*\d+\s*$/.test(bytes)) {
      throw new HttpStatusError(400, 'Invalid container stats');
    }
    // Stored as sent, as Swift does: the row hash covers these strings.
    broker.putContainer(parts.container!, put.trim(), del.trim(), parseInt(count, 10), parseInt(bytes, 10), policyIndex);
    await broker.durable();
    // Swift compares the two header strings as given.
    return send(reply, del > put ? 204 : 201);
  }

  head(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    const { parts, query } = this.accountPath(req.url);
    const contentType = listingContentType(query, acceptOf(req));
    this.checkDrive(parts.device);
    const broker = this.broker(parts);
    if (broker.isDeleted()) return this.deleted(reply, broker, 404);
    const headers = accountHeaders(broker, this.app.swiftConf);
    headers['Content-Type'] = `${contentType}; charset=utf-8`;
    return send(reply, 204, headers);
  }

  async get(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { parts, query } = this.accountPath(req.url);
    const prefix = getParam(query, 'prefix');
    const delimiter = getParam(query, 'delimiter');
    const reverse = configTrue(getParam(query, 'reverse'));
    const limit = constrainLimit(query, this.app.swiftConf.constraints.account_listing_limit);
    const marker = getParam(query, 'marker') ?? '';
    const endMarker = getParam(query, 'end_marker');
    const contentType = listingContentType(query, acceptOf(req));
    this.checkDrive(parts.device);
    const broker = this.broker(parts);
    if (broker.isDeleted()) return this.deleted(reply, broker, 404);
    const headers = accountHeaders(broker, this.app.swiftConf);
    const entries = await broker.listContainers({
      limit, marker, endMarker, prefix, delimiter, reverse, allowReserved: configTrue(req.headers['x-backend-allow-reserved-names']),
    });
    return sendAccountListing(reply, parts.account, contentType, headers, entries);
  }

  async post(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { parts } = this.accountPath(req.url);
    const timestamp = validTimestamp(req.headers);
    this.checkDrive(parts.device);
    const broker = this.broker(parts);
    if (broker.isDeleted()) return this.deleted(reply, broker, 404);
    this.updateMetadata(req, broker, timestamp);
    await broker.durable();
    return send(reply, 204);
  }

  updateMetadata(req: FastifyRequest, broker: AccountBroker, timestamp: Timestamp): void {
    const md: Metadata = {};
    for (const [name, raw] of Object.entries(req.headers)) {
      if (raw === undefined || !isSysOrUserMeta('account', name)) continue;
      const value = Array.isArray(raw) ? raw.join(', ') : raw;
      if (!headerIsUtf8(value)) throw new HttpStatusError(400, 'Metadata must be valid UTF-8');
      md[wsgiHeaderName(name)] = [headerValue(req.headers, name)!, timestamp.internal];
    }
    if (Object.keys(md).length) broker.updateMetadata(md, true);
  }
}

function acceptOf(req: FastifyRequest): string | undefined {
  const a = req.headers.accept;
  return Array.isArray(a) ? a.join(',') : a;
}

/** The `account` entry of the storage server registry. */
export function createAccountServer(app: StorageAppContext): StorageApp {
  const server = new AccountServer(readDbServerConf(app.conf), app);
  return {
    handler: (req, reply) => handleDbRequest(req, reply, {
      serverType: 'account-server', methods: METHODS, utf8Body: UTF8_BODY,
      replicationServer: server.conf.replicationServer, logRequests: server.conf.logRequests, logger: app.logger,
      route: (method) => server.route(req, reply, method),
    }),
    close: async () => server.brokers.closeAll(),
  };
}
