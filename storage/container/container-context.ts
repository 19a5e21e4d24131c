/** What the container server's handlers share: config, brokers, policies. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { BackendClient, CONTAINER_SYNC_REALMS_FILE, ContainerSyncRealms, type Logger, type SwiftConf } from '../../common/index.js';
import { BrokerCache } from '../db/broker-cache.js';
import { checkDrive, dbPath } from '../db/db-paths.js';
import type { DbServerConf } from '../db/db-server-conf.js';
import { HttpStatusError } from '../db/errors.js';
import { configTrue } from '../db/request.js';
import { ContainerBroker } from './container-broker.js';
import { ContainerSyncStore } from './sync-store.js';

export class ContainerContext {
  readonly brokers: BrokerCache<ContainerBroker>;
  readonly saveHeaders: string[];
  /** The realms X-Container-Sync-To's `//realm/cluster/…` form may name. */
  readonly syncRealms: ContainerSyncRealms;
  /** The links under `<device>/sync_containers` the container-sync daemon walks. */
  readonly syncStore: ContainerSyncStore;
  /** For account updates: kept-alive connections to the account servers. */
  readonly client: BackendClient;

  constructor(readonly conf: DbServerConf, readonly swiftConf: SwiftConf, readonly logger: Logger) {
    this.brokers = new BrokerCache(conf.dbCacheSize);
    this.saveHeaders = ['x-container-read', 'x-container-write', 'x-container-sync-key', 'x-container-sync-to'];
    if (conf.allowVersions) this.saveHeaders.push('x-versions-location');
    this.syncRealms = new ContainerSyncRealms(join(conf.swiftDir, CONTAINER_SYNC_REALMS_FILE), logger);
    this.syncStore = new ContainerSyncStore(conf.devices);
    this.client = new BackendClient({ connTimeout: conf.connTimeout, nodeTimeout: conf.accountUpdateTimeout });
  }

  /** Keeps the container's sync store link in step with its metadata; a failure is logged, never the request's. */
  updateSyncStore(broker: ContainerBroker, method: string): void {
    try {
      this.syncStore.update(broker);
    } catch (err) {
      this.logger.error({ err, dbFile: broker.dbFile, method }, 'Failed to update sync_store');
    }
  }

  checkDrive(device: string): void {
    checkDrive(this.conf.devices, device, this.conf.mountCheck);
  }

  broker(device: string, partition: string, account: string, container: string): ContainerBroker {
    const path = dbPath(this.swiftConf.hashPath, this.conf.devices, device, 'containers', partition, account, container);
    return this.brokerAt(path, account, container);
  }

  brokerAt(path: string, account = '', container = ''): ContainerBroker {
    return this.brokers.get(path, () => new ContainerBroker(path, account, container, { synchronous: this.conf.synchronous }));
  }

  /** X-Backend-Storage-Policy-Index as a known policy index; undefined when absent; 400 when bogus. */
  requestedPolicyIndex(req: FastifyRequest): number | undefined {
    const raw = req.headers['x-backend-storage-policy-index'];
    if (raw === undefined) return undefined;
    const value = Array.isArray(raw) ? raw[0] : raw;
    const isInt = /^\s*[+-]?\d+\s*$/.test(value);
    const index = isInt ? parseInt(value, 10) : NaN;
    if (!isInt || !this.swiftConf.policies.some((p) => p.index === index)) {
      const shown = isInt ? String(index) : `'${value}'`;
      throw new HttpStatusError(400, `Invalid X-Backend-Storage-Policy-Index ${shown}`, { 'Content-Type': 'text/plain' });
    }
    return index;
  }

  /** Swift's `_should_autocreate`. */
  private shouldAutocreate(account: string, req: FastifyRequest): boolean {
    const header = req.headers['x-backend-auto-create'];
    if (typeof header === 'string' && header) return configTrue(header);
    const prefix = this.conf.autoCreateAccountPrefix;
    if (account.startsWith(prefix + 'shards_')) return false;
    return account.startsWith(prefix);
  }

  /** Swift's `_maybe_autocreate`: creates hidden accounts' containers on first use; 404 if still missing. */
  maybeAutocreate(broker: ContainerBroker, timestamp: string, account: string, policyIndex: number | undefined, req: FastifyRequest): boolean {
    let created = false;
    if (this.shouldAutocreate(account, req) && !existsSync(broker.dbFile)) {
      if (policyIndex === undefined) throw new HttpStatusError(400, 'X-Backend-Storage-Policy-Index header is required');
      try {
        broker.initialize(timestamp, policyIndex);
        created = true;
      } catch (err) {
        if ((err as Error).name !== 'DatabaseAlreadyExistsError') throw err;
      }
    }
    if (!broker.exists()) throw new HttpStatusError(404);
    return created;
  }
}
