/**
 * AccountBroker: one account's DB (Swift's `AccountBroker`), holding a row
 * per container with its counts, the account totals, metadata and
 * replication state.
 */
import type Database from 'better-sqlite3';
import { Timestamp } from '../../common/index.js';
import { DatabaseBroker, type BrokerOptions, type Row } from '../db/database-broker.js';
import { listNames, rangeSql, type ListingParams, type NameRange } from '../db/listing.js';
import { ACCOUNT_SCHEMA } from './account-schema.js';

export interface ContainerRow {
  name: string;
  put_timestamp: string;
  delete_timestamp: string;
  object_count: number;
  bytes_used: number;
  deleted: number;
  storage_policy_index?: number;
  ROWID?: number;
}

export interface AccountInfo {
  account: string;
  created_at: string;
  put_timestamp: string;
  delete_timestamp: string;
  status_changed_at: string;
  container_count: number;
  object_count: number;
  bytes_used: number;
  hash: string;
  id: string;
}

export type ContainerListingEntry =
  | { subdir: false; name: string; objectCount: number; bytesUsed: number; putTimestamp: string }
  | { subdir: true; name: string };

function isZero(v: unknown): boolean {
  return v === null || v === undefined || Number(v) === 0;
}

export class AccountBroker extends DatabaseBroker {
  readonly dbType = 'account' as const;
  readonly dbContainsType = 'container' as const;
  readonly dbReclaimTimestamp = 'delete_timestamp';

  constructor(dbFile: string, readonly account: string, options: BrokerOptions = {}) {
    super(dbFile, options);
  }

  protected createSchema(db: Database.Database, putTimestamp: string, extra: { id: string }): void {
    db.exec(ACCOUNT_SCHEMA);
    db.prepare(
      `INSERT INTO account_stat (container_count, account, created_at, id, put_timestamp, status_changed_at)
       VALUES (0, ?, ?, ?, ?, ?)`,
    ).run(this.account, Timestamp.now().internal, extra.id, putTimestamp, putTimestamp);
  }

  getInfo(): AccountInfo & Row {
    return this.stmt(
      `SELECT account, created_at, put_timestamp, delete_timestamp, status_changed_at,
              container_count, object_count, bytes_used, hash, id FROM account_stat`,
    ).get() as AccountInfo & Row;
  }

  protected isDeletedInfo(info: Row): boolean {
    const status = info.status ?? (this.stmt('SELECT status FROM account_stat').get() as { status: string }).status;
    return status === 'DELETED' || (isZero(info.container_count) &&
      Timestamp.parse(String(info.delete_timestamp)).compare(Timestamp.parse(String(info.put_timestamp))) > 0);
  }

  /** Deleted by an account DELETE (not merely empty): `X-Account-Status: Deleted`. */
  isStatusDeleted(): boolean {
    const row = this.stmt('SELECT put_timestamp, delete_timestamp, status FROM account_stat').get() as Row;
    return row.status === 'DELETED' || String(row.delete_timestamp) > String(row.put_timestamp);
  }

  empty(): boolean {
    return isZero((this.stmt('SELECT container_count FROM account_stat').get() as Row).container_count);
  }

  /** A container server's report: the container's row, deleted when its delete is newest and it is empty. */
  putContainer(
    name: string, putTimestamp: string, deleteTimestamp: string, objectCount: number, bytesUsed: number, storagePolicyIndex: number,
  ): void {
    const deleted = Timestamp.parse(deleteTimestamp).compare(Timestamp.parse(putTimestamp)) > 0 && isZero(objectCount) ? 1 : 0;
    this.mergeItems([{
      name, put_timestamp: putTimestamp, delete_timestamp: deleteTimestamp,
      object_count: objectCount, bytes_used: bytesUsed, deleted, storage_policy_index: storagePolicyIndex,
    }]);
  }

  /** Swift's account `merge_items`: newest put and delete timestamps per name win. */
  mergeItems(items: ContainerRow[], source?: string): void {
    this.write(() => {
      let maxRowid = -1;
      const find = this.stmt(
        `SELECT name, put_timestamp, delete_timestamp, object_count, bytes_used, deleted, storage_policy_index
         FROM container WHERE name = ? AND deleted IN (0, 1)`,
      );
      const remove = this.stmt('DELETE FROM container WHERE name = ? AND deleted IN (0, 1)');
      const insert = this.stmt(
        `INSERT INTO container (name, put_timestamp, delete_timestamp, object_count, bytes_used, deleted, storage_policy_index)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const rec of items) {
        const record: ContainerRow = { ...rec, storage_policy_index: rec.storage_policy_index ?? 0 };
        const row = find.get(rec.name) as ContainerRow | undefined;
        if (row) {
          for (const k of ['put_timestamp', 'delete_timestamp', 'object_count', 'bytes_used'] as const) {
            if ((record[k] === null || record[k] === undefined) && row[k] !== null) (record as unknown as Row)[k] = row[k];
          }
          if (Timestamp.parse(row.put_timestamp).compare(Timestamp.parse(record.put_timestamp)) > 0) record.put_timestamp = row.put_timestamp;
          if (Timestamp.parse(row.delete_timestamp).compare(Timestamp.parse(record.delete_timestamp)) > 0) {
            record.delete_timestamp = row.delete_timestamp;
          }
          record.deleted = Timestamp.parse(record.delete_timestamp).compare(Timestamp.parse(record.put_timestamp)) > 0 &&
            isZero(record.object_count) ? 1 : 0;
        }
        remove.run(record.name);
        insert.run(record.name, record.put_timestamp, record.delete_timestamp, record.object_count, record.bytes_used,
          record.deleted, record.storage_policy_index);
        if (source && rec.ROWID !== undefined) maxRowid = Math.max(maxRowid, rec.ROWID);
      }
      if (source) this.bumpIncomingSync(source, maxRowid);
    });
  }

  getPolicyStats(): Record<number, { container_count: number; object_count: number; bytes_used: number }> {
    const out: Record<number, { container_count: number; object_count: number; bytes_used: number }> = {};
    for (const r of this.stmt('SELECT storage_policy_index, container_count, object_count, bytes_used FROM policy_stat').all() as Row[]) {
      out[Number(r.storage_policy_index)] = {
        container_count: Number(r.container_count), object_count: Number(r.object_count), bytes_used: Number(r.bytes_used),
      };
    }
    return out;
  }

  private fetchContainers(range: NameRange): Row[] {
    const { sql, args } = rangeSql(range);
    return this.stmt(
      `SELECT name, object_count, bytes_used, put_timestamp FROM container
       WHERE deleted = 0${sql} ORDER BY name ${range.reverse ? 'DESC' : ''} LIMIT ?`,
    ).all(...args, range.limit) as Row[];
  }

  /** Swift's `list_containers_iter`. */
  async listContainers(params: Omit<ListingParams, 'path'>): Promise<ContainerListingEntry[]> {
    const rows = await listNames<Row | { subdir: string }>(params, {
      fetch: (range) => this.fetchContainers(range),
      nameOf: (row) => String((row as Row).name),
      subdir: (name) => ({ subdir: name }),
    });
    return rows.map((row): ContainerListingEntry => {
      if ('subdir' in row && typeof row.subdir === 'string') return { subdir: true, name: row.subdir };
      const r = row as Row;
      return {
        subdir: false, name: String(r.name), objectCount: Number(r.object_count), bytesUsed: Number(r.bytes_used),
        putTimestamp: String(r.put_timestamp),
      };
    });
  }
}
