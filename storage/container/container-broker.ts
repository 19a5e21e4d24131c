/**
 * ContainerBroker: one container's DB (Swift's `ContainerBroker`), holding
 * its object rows, per-policy stats, metadata and replication state.
 */
import type Database from 'better-sqlite3';
import { Timestamp } from '../../common/index.js';
import { DatabaseBroker, type BrokerOptions, type Row } from '../db/database-broker.js';
import { decodeTimestamps } from '../db/encoded-timestamps.js';
import { listNames, rangeSql, type ListingParams, type NameRange } from '../db/listing.js';
import { CONTAINER_SCHEMA } from './container-schema.js';
import { updateNewItemFromExisting, type ObjectRow } from './object-row.js';

const NORMAL_TIMESTAMP = /^\d{10}\.\d{5}$/;

/** One object row of a listing page: name, created_at, size, content_type, etag. */
type ListingRow = [unknown, unknown, unknown, unknown, unknown];

/** A listing entry: an object (name, last-modified, size, type, etag) or a subdir. */
export type ObjectListingEntry =
  | { subdir: false; name: string; lastModified: string; size: number; contentType: string; etag: string }
  | { subdir: true; name: string };

export interface ContainerInfo {
  account: string;
  container: string;
  created_at: string;
  put_timestamp: string;
  delete_timestamp: string;
  status: string;
  status_changed_at: string;
  object_count: number;
  bytes_used: number;
  reported_put_timestamp: string;
  reported_delete_timestamp: string;
  reported_object_count: number;
  reported_bytes_used: number;
  hash: string;
  id: string;
  x_container_sync_point1: number;
  x_container_sync_point2: number;
  storage_policy_index: number;
}

const ROW_COLUMNS = 'name, created_at, size, content_type, etag, deleted, storage_policy_index';

export class ContainerBroker extends DatabaseBroker {
  readonly dbType = 'container' as const;
  readonly dbContainsType = 'object' as const;
  readonly dbReclaimTimestamp = 'created_at';

  constructor(dbFile: string, readonly account: string, readonly container: string, options: BrokerOptions = {}) {
    super(dbFile, options);
  }

  /** Writes go to the `container_info` table; `container_stat` is its read view. */
  protected override get statTable(): string {
    return 'container_info';
  }

  protected createSchema(db: Database.Database, putTimestamp: string, extra: { storagePolicyIndex?: number; id: string }): void {
    const spi = extra.storagePolicyIndex ?? 0;
    db.exec(CONTAINER_SCHEMA);
    db.prepare('INSERT INTO policy_stat (storage_policy_index) VALUES (?)').run(spi);
    db.prepare(
      `INSERT INTO container_info (account, container, created_at, id, put_timestamp, status_changed_at, storage_policy_index)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(this.account, this.container, Timestamp.now().internal, extra.id, putTimestamp, putTimestamp, spi);
  }

  getInfo(): ContainerInfo & Row {
    return this.stmt(
      `SELECT account, container, created_at, put_timestamp, delete_timestamp, status, status_changed_at,
              object_count, bytes_used, reported_put_timestamp, reported_delete_timestamp,
              reported_object_count, reported_bytes_used, hash, id,
              x_container_sync_point1, x_container_sync_point2, storage_policy_index
       FROM container_stat`,
    ).get() as ContainerInfo & Row;
  }

  protected isDeletedInfo(info: Row): boolean {
    return Number(info.object_count) === 0 &&
      Timestamp.parse(String(info.delete_timestamp)).compare(Timestamp.parse(String(info.put_timestamp))) > 0;
  }

  /** Info and deleted state in one read; a missing DB is `[undefined, true]`. */
  getInfoIsDeleted(): [ContainerInfo | undefined, boolean] {
    if (!this.exists()) return [undefined, true];
    const info = this.getInfo();
    return [info, this.isDeletedInfo(info)];
  }

  get storagePolicyIndex(): number {
    return (this.stmt('SELECT storage_policy_index FROM container_info').get() as { storage_policy_index: number }).storage_policy_index;
  }

  /** No live object in any policy. */
  empty(): boolean {
    const row = this.stmt('SELECT max(object_count) AS n FROM policy_stat').get() as { n: number | null };
    return !row.n || row.n <= 0;
  }

  putObject(
    name: string, timestamp: string, size: number, contentType: string, etag: string,
    deleted = 0, storagePolicyIndex = 0, ctypeTimestamp?: string, metaTimestamp?: string,
  ): void {
    this.mergeItems([{
      name, created_at: timestamp, size, content_type: contentType, etag, deleted,
      storage_policy_index: storagePolicyIndex, ctype_timestamp: ctypeTimestamp ?? null, meta_timestamp: metaTimestamp ?? null,
    }]);
  }

  deleteObject(name: string, timestamp: string, storagePolicyIndex = 0): void {
    this.putObject(name, timestamp, 0, 'application/deleted', 'noetag', 1, storagePolicyIndex);
  }

  /**
   * Merges rows newest-wins per (name, policy) in one transaction; with
   * `source`, records the sender's last ROWID as its incoming sync point.
   */
  mergeItems(items: ObjectRow[], source?: string): void {
    this.write(() => {
      const toAdd = new Map<string, ObjectRow>();
      const find = this.stmt(`SELECT ${ROW_COLUMNS} FROM object WHERE deleted IN (0, 1) AND name = ? AND storage_policy_index = ?`);
      const remove = this.stmt('DELETE FROM object WHERE deleted IN (0, 1) AND name = ? AND storage_policy_index = ?');
      for (const raw of items) {
        const item: ObjectRow = { ...raw, storage_policy_index: raw.storage_policy_index ?? 0 };
        const key = `${item.storage_policy_index}\0${item.name}`;
        const existing = find.get(item.name, item.storage_policy_index) as ObjectRow | undefined;
        if (updateNewItemFromExisting(item, existing)) {
          const pending = toAdd.get(key);
          if (pending) updateNewItemFromExisting(item, pending);
          toAdd.set(key, item);
        }
      }
      const insert = this.stmt(`INSERT INTO object (${ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
      for (const rec of toAdd.values()) {
        remove.run(rec.name, rec.storage_policy_index);
        insert.run(rec.name, rec.created_at, rec.size, rec.content_type, rec.etag, rec.deleted, rec.storage_policy_index);
      }
      if (source && items.length) {
        const last = items[items.length - 1].ROWID;
        if (last !== undefined) this.bumpIncomingSync(source, last);
      }
    });
  }

  /** Changes the container's policy (a re-created container) and status_changed_at. */
  setStoragePolicyIndex(policyIndex: number, timestamp: string = Timestamp.now().internal): void {
    this.write(() => {
      this.stmt('INSERT OR IGNORE INTO policy_stat (storage_policy_index) VALUES (?)').run(policyIndex);
      this.stmt(
        `UPDATE container_info SET storage_policy_index = ?, status_changed_at = MAX(?, status_changed_at)
         WHERE storage_policy_index <> ?`,
      ).run(policyIndex, timestamp, policyIndex);
    });
  }

  getPolicyStats(): Record<number, { object_count: number; bytes_used: number }> {
    const out: Record<number, { object_count: number; bytes_used: number }> = {};
    for (const r of this.stmt('SELECT storage_policy_index, object_count, bytes_used FROM policy_stat').all() as Row[]) {
      out[Number(r.storage_policy_index)] = { object_count: Number(r.object_count), bytes_used: Number(r.bytes_used) };
    }
    return out;
  }

  setXContainerSyncPoints(point1: number | null, point2: number | null): void {
    if (point1 !== null) this.stmt('UPDATE container_info SET x_container_sync_point1 = ?').run(point1);
    if (point2 !== null) this.stmt('UPDATE container_info SET x_container_sync_point2 = ?').run(point2);
  }

  /** What was last reported to the account servers. */
  reported(putTimestamp: string, deleteTimestamp: string, objectCount: number, bytesUsed: number): void {
    this.stmt(
      `UPDATE container_info SET reported_put_timestamp = ?, reported_delete_timestamp = ?,
         reported_object_count = ?, reported_bytes_used = ?`,
    ).run(putTimestamp, deleteTimestamp, objectCount, bytesUsed);
  }

  /** Swift's container replication info also names the sharding state (ours: never sharded). */
  override getReplicationInfo(): Row {
    return { ...super.getReplicationInfo(), db_state: 'unsharded', shard_max_row: -1 };
  }

  protected override afterNewid(): void {
    this.stmt(`UPDATE container_info SET reported_put_timestamp = 0, reported_delete_timestamp = 0,
      reported_object_count = 0, reported_bytes_used = 0`).run();
  }

  /**
   * A page of live object rows in one policy, as arrays in the SELECT's
   * column order (better-sqlite3's raw mode: no object per row).
   */
  private fetchObjects(range: NameRange, policyIndex: number): ListingRow[] {
    const { sql, args } = rangeSql(range);
    return this.stmt(
      `SELECT name, created_at, size, content_type, etag FROM object
       WHERE deleted = 0 AND storage_policy_index = ?${sql} ORDER BY name ${range.reverse ? 'DESC' : ''} LIMIT ?`,
    ).raw(true).all(policyIndex, ...args, range.limit) as ListingRow[];
  }

  /** Swift's `list_objects_iter` for the listing of live objects in one policy. */
  async listObjects(params: ListingParams, policyIndex: number): Promise<ObjectListingEntry[]> {
    const rows = await listNames<ListingRow | { subdir: string }>(params, {
      fetch: (range) => this.fetchObjects(range, policyIndex),
      nameOf: (row) => String((row as ListingRow)[0]),
      subdir: (name) => ({ subdir: name }),
    });
    return rows.map((row): ObjectListingEntry => {
      if (!Array.isArray(row)) return { subdir: true, name: row.subdir };
      const [name, createdAt, size, contentType, etag] = row;
      return {
        subdir: false,
        name: String(name),
        // The metadata timestamp is the listing's last-modified time; a
        // created_at in the normal form holds only that one (no deltas).
        lastModified: NORMAL_TIMESTAMP.test(String(createdAt)) ? String(createdAt) : decodeTimestamps(String(createdAt))[2].internal,
        size: Number(size),
        contentType: String(contentType),
        etag: String(etag),
      };
    });
  }
}
