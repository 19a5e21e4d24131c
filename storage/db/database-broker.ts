/**
 * The part every DB broker shares (Swift's `DatabaseBroker`): one SQLite
 * file per account or container, opened in WAL mode with prepared
 * statements held per DB; creation through a temp file published by a
 * link so a half-made DB is never seen; the stat row (put/delete/
 * status_changed timestamps, hash, id, metadata); sync points for
 * replication; and reclaim of old tombstones.
 *
 * Durability: every update is one short transaction. With WAL and
 * `synchronous = NORMAL` (Swift's own setting) a committed transaction is
 * in the WAL file before the call returns, so it survives a crash of the
 * process (kill -9); a handler awaits `durable()` before it acknowledges a
 * write, which makes it survive a power loss too: one fdatasync of the WAL
 * on the thread pool, shared by every update committed before it started
 * (group commit, see wal-sync.ts). `db_synchronous = full` has SQLite
 * fsync the WAL on every commit instead, on the event loop.
 */
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { fsyncDirSync, Timestamp } from '../../common/index.js';
import { chexor } from './chexor.js';
import { DatabaseAlreadyExistsError, DatabaseGoneError } from './errors.js';
import { GroupSync, walSyncer, type WalSyncIo } from './wal-sync.js';
import { mergeMetadata, metadataWouldChange, parseMetadata, reclaimMetadata, validateMetadata, type Metadata } from './metadata.js';

type Db = Database.Database;
type Statement = Database.Statement;
export type Row = Record<string, unknown>;

export interface BrokerOptions {
  /** SQLite `synchronous`: NORMAL (default, as Swift) or FULL. */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long to wait on another process's lock, ms (Swift's BROKER_TIMEOUT is 25 s). */
  busyTimeoutMs?: number;
  /** The WAL sync's disk calls (tests inject failing or counting ones). */
  walSyncIo?: WalSyncIo;
}

export interface SyncPoint {
  remote_id: string;
  sync_point: number;
}

/** Rows reclaimed per short transaction, so reclaim never holds the lock long. */
const RECLAIM_PAGE_SIZE = 10_000;

export abstract class DatabaseBroker {
  /** `account` or `container`: names the `<type>_stat` table. */
  abstract readonly dbType: 'account' | 'container';
  /** The row table: `container` rows in an account DB, `object` rows in a container DB. */
  abstract readonly dbContainsType: 'container' | 'object';
  /** Column a tombstone's age is read from (Swift's `db_reclaim_timestamp`). */
  abstract readonly dbReclaimTimestamp: string;
  /** Metadata keys kept when the DB is deleted. */
  protected readonly deleteMetaWhitelist: string[] = [];

  private db: Db | undefined;
  private openIno = -1;
  private readonly statements = new Map<string, Statement>();
  private readonly walSync: GroupSync;

  constructor(readonly dbFile: string, protected readonly options: BrokerOptions = {}) {
    this.walSync = new GroupSync(walSyncer(dbFile, options.walSyncIo));
  }

  get dbDir(): string {
    return dirname(this.dbFile);
  }

  /**
   * True when the DB file exists. A cached handle whose file was removed or
   * replaced (by a replicator, possibly in another process) is dropped, so
   * the next use opens what is on disk now.
   */
  exists(): boolean {
    let ino: number;
    try {
      ino = statSync(this.dbFile).ino;
    } catch {
      if (this.db) this.close();
      return false;
    }
    if (this.db && ino !== this.openIno) this.close();
    return true;
  }

  /** The open connection, opened on first use. */
  protected get conn(): Db {
    if (!this.db) {
      this.db = this.open(this.dbFile);
      this.openIno = statSync(this.dbFile).ino;
    }
    return this.db;
  }

  private open(path: string, create = false): Db {
    const db = new Database(path, { fileMustExist: !create, timeout: this.options.busyTimeoutMs ?? 25_000 });
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.options.synchronous ?? 'NORMAL'}`);
    db.pragma('temp_store = MEMORY');
    db.function('chexor', { deterministic: true }, (old, name, ts) => chexor(String(old), String(name), String(ts)));
    return db;
  }

  /** A prepared statement, prepared once per DB. */
  protected stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.conn.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /**
   * Runs `fn` as one IMMEDIATE transaction (the write lock taken up front),
   * once the lock is ours checking that the file is still the DB at
   * `dbFile`: a replicator removes a handoff DB holding this same lock, so
   * a write that waited for it fails (DatabaseGoneError) instead of landing
   * in a removed file.
   */
  protected write<T>(fn: () => T): T {
    const result = this.conn.transaction(() => {
      this.assertInPlace();
      return fn();
    }).immediate();
    this.walSync.noteCommit();
    return result;
  }

  /**
   * Resolves once every write this broker committed before the call is on
   * disk (survives a power loss): await it before acknowledging a write.
   * Concurrent callers share one fdatasync of the WAL, on the thread pool;
   * with `synchronous = FULL` each commit was synced already.
   */
  async durable(): Promise<void> {
    if (this.options.synchronous === 'FULL') return;
    await this.walSync.durable();
  }

  private assertInPlace(): void {
    let ino: number | undefined;
    try {
      ino = statSync(this.dbFile).ino;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    if (ino !== this.openIno) throw new DatabaseGoneError(this.dbFile);
  }

  /**
   * Removes the DB (its whole hash dir) unless a row arrived since the
   * replicator read `maxRow` (Swift's cleanup_post_replicate): checked, and
   * the dir moved out of the way, holding the DB's write lock, so no write
   * lands between the check and the removal (Swift's delete_db holds the
   * parent directory's lock). True when removed.
   */
  removeIfUnchanged(maxRow: number): boolean {
    const aside = `${this.dbDir}.removing-${randomUUID()}`;
    const moved = this.write(() => {
      if (this.getMaxRow() !== maxRow) return false;
      renameSync(this.dbDir, aside);
      return true;
    });
    this.close();
    if (moved) rmSync(aside, { recursive: true, force: true });
    return moved;
  }

  /**
   * A consistent copy of the DB (WAL included) at `dest`, made with
   * SQLite's online backup in steps so the event loop keeps running: what a
   * replicator uploads for a whole-DB transfer.
   */
  async backup(dest: string): Promise<void> {
    await this.conn.backup(dest);
  }

  close(): void {
    this.statements.clear();
    this.db?.close();
    this.db = undefined;
  }

  /** Creates the tables of a new DB (inside the creating transaction). */
  protected abstract createSchema(db: Db, putTimestamp: string, extra: { storagePolicyIndex?: number; id: string }): void;

  /**
   * Creates the DB: schema written to a temp file, fsynced, and published
   * with link() so concurrent creators cannot overwrite each other.
   * Throws DatabaseAlreadyExistsError when the DB already exists.
   */
  initialize(putTimestamp: string = Timestamp.zero.internal, storagePolicyIndex?: number): void {
    if (existsSync(this.dbFile)) throw new DatabaseAlreadyExistsError(this.dbFile);
    const firstCreated = mkdirSync(this.dbDir, { recursive: true });
    const tmp = join(this.dbDir, `.${basename(this.dbFile)}.${randomUUID()}.tmp`);
    const db = this.open(tmp, true);
    try {
      db.pragma('journal_mode = DELETE');
      db.transaction(() => {
        db.exec(SYNC_TABLES);
        this.createSchema(db, putTimestamp, { storagePolicyIndex, id: this.newDbId() });
      })();
    } finally {
      db.close();
    }
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, this.dbFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new DatabaseAlreadyExistsError(this.dbFile);
      throw err;
    } finally {
      unlinkSync(tmp);
    }
    fsyncDirSync(this.dbDir);
    // The dirs mkdir made on the way (partition, suffix, hash): each one's name is durable only with its parent's fsync.
    for (let dir = this.dbDir; firstCreated !== undefined; dir = dirname(dir)) {
      fsyncDirSync(dirname(dir));
      if (dir === firstCreated) break;
    }
  }

  protected newDbId(): string {
    // Swift: "<uuid>-<device name>"; the device is three levels above the datadir.
    const device = basename(dirname(dirname(dirname(dirname(this.dbDir)))));
    return `${randomUUID()}-${device}`;
  }

  protected get statTable(): string {
    return `${this.dbType}_stat`;
  }

  /** The stat row as stored. */
  protected statRow(): Row {
    return this.stmt(`SELECT * FROM ${this.statTable}`).get() as Row;
  }

  abstract getInfo(): Row;

  /** Merges rows (newest wins) in one transaction; `source` advances its incoming sync point. */
  abstract mergeItems(items: unknown[], source?: string): void;

  /** Swift's deleted test on the stat row (and counts). */
  protected abstract isDeletedInfo(info: Row): boolean;

  isDeleted(): boolean {
    if (!this.exists()) return true;
    return this.isDeletedInfo(this.getInfo());
  }

  get metadata(): Metadata {
    return parseMetadata(this.rawMetadata());
  }

  rawMetadata(): string {
    return (this.stmt(`SELECT metadata FROM ${this.statTable}`).get() as { metadata: string }).metadata ?? '';
  }

  /** Per-key newest-wins merge of metadata; `validate` applies Swift's limits. */
  updateMetadata(updates: Metadata, validate = false): void {
    if (!metadataWouldChange(this.metadata, updates)) return;
    this.write(() => {
      const md = mergeMetadata(parseMetadata(this.rawMetadata()), updates);
      if (validate) validateMetadata(md);
      this.stmt(`UPDATE ${this.statTable} SET metadata = ?`).run(JSON.stringify(md));
    });
  }

  updatePutTimestamp(timestamp: string): void {
    this.write(() => this.stmt(`UPDATE ${this.statTable} SET put_timestamp = ? WHERE put_timestamp < ?`).run(timestamp, timestamp));
  }

  updateStatusChangedAt(timestamp: string): void {
    this.write(() => this.stmt(`UPDATE ${this.statTable} SET status_changed_at = ? WHERE status_changed_at < ?`).run(timestamp, timestamp));
  }

  /** Marks the DB deleted at `timestamp`, clearing its metadata. */
  deleteDb(timestamp: string): void {
    const cleared: Metadata = {};
    for (const key of Object.keys(this.metadata)) {
      if (!this.deleteMetaWhitelist.includes(key.toLowerCase())) cleared[key] = ['', timestamp];
    }
    this.updateMetadata(cleared);
    this.write(() => this.stmt(
      `UPDATE ${this.statTable} SET delete_timestamp = ?, status = 'DELETED', status_changed_at = ? WHERE delete_timestamp < ?`,
    ).run(timestamp, timestamp, timestamp));
  }

  /** Replication: keeps the oldest created_at and the newest put/delete timestamps. */
  mergeTimestamps(createdAt: string, putTimestamp: string, deleteTimestamp: string): void {
    this.write(() => {
      const before = this.isDeletedInfo(this.getInfo());
      this.stmt(
        `UPDATE ${this.statTable} SET created_at = MIN(?, created_at), put_timestamp = MAX(?, put_timestamp), delete_timestamp = MAX(?, delete_timestamp)`,
      ).run(createdAt, putTimestamp, deleteTimestamp);
      if (before !== this.isDeletedInfo(this.getInfo())) this.updateStatusChangedAt(Timestamp.now().internal);
    });
  }

  /** Rows with ROWID > start, oldest first (replication's diff). */
  getItemsSince(start: number, count: number): Row[] {
    return this.stmt(`SELECT * FROM ${this.dbContainsType} WHERE ROWID > ? ORDER BY ROWID ASC LIMIT ?`).all(start, count) as Row[];
  }

  getSync(id: string, incoming = true): number {
    const row = this.stmt(`SELECT sync_point FROM ${incoming ? 'incoming' : 'outgoing'}_sync WHERE remote_id = ?`).get(id) as
      | { sync_point: number }
      | undefined;
    return row ? row.sync_point : -1;
  }

  getSyncs(incoming = true): SyncPoint[] {
    return this.stmt(`SELECT remote_id, sync_point FROM ${incoming ? 'incoming' : 'outgoing'}_sync`).all() as SyncPoint[];
  }

  mergeSyncs(points: SyncPoint[], incoming = true): void {
    const table = `${incoming ? 'incoming' : 'outgoing'}_sync`;
    this.write(() => {
      for (const p of points) {
        const res = this.stmt(`UPDATE ${table} SET sync_point = max(?, sync_point) WHERE remote_id = ?`).run(p.sync_point, p.remote_id);
        if (res.changes === 0) this.stmt(`INSERT INTO ${table} (sync_point, remote_id) VALUES (?, ?)`).run(p.sync_point, p.remote_id);
      }
    });
  }

  /** Records an incoming sync point inside a merge transaction. */
  protected bumpIncomingSync(source: string, point: number): void {
    const res = this.stmt('UPDATE incoming_sync SET sync_point = max(?, sync_point) WHERE remote_id = ?').run(point, source);
    if (res.changes === 0) this.stmt('INSERT INTO incoming_sync (sync_point, remote_id) VALUES (?, ?)').run(point, source);
  }

  getMaxRow(): number {
    const row = this.stmt("SELECT seq FROM sqlite_sequence WHERE name = ? LIMIT 1").get(this.dbContainsType) as { seq: number } | undefined;
    return row ? row.seq : -1;
  }

  /** What a replicator compares: the info plus `count`, `max_row` and raw metadata. */
  getReplicationInfo(): Row {
    const info = this.getInfo();
    const countKey = `${this.dbContainsType}_count`;
    const { [countKey]: count, ...rest } = info;
    return { ...rest, count, metadata: this.rawMetadata(), max_row: this.getMaxRow() };
  }

  /** Re-ids the DB after it was copied in whole from `remoteId` (Swift's `newid`). */
  newid(remoteId: string): void {
    this.write(() => {
      this.stmt(`UPDATE ${this.statTable} SET id = ?`).run(this.newDbId());
      const row = this.stmt(`SELECT ROWID FROM ${this.dbContainsType} ORDER BY ROWID DESC LIMIT 1`).get() as { rowid: number } | undefined;
      const point = row ? Number(Object.values(row)[0]) : -1;
      this.stmt('INSERT OR REPLACE INTO incoming_sync (sync_point, remote_id) VALUES (?, ?)').run(point, remoteId);
      this.afterNewid();
    });
  }

  protected afterNewid(): void {}

  /**
   * Drops tombstone rows older than `now - reclaimAge`, sync points older
   * than `now - 2 * reclaimAge` and emptied metadata keys (what Swift's
   * replicator does with `broker.reclaim(now - reclaim_age, now - 2 * reclaim_age)`).
   * Works in pages of short transactions. `now` is in seconds.
   */
  reclaim(now: number, reclaimAge = 604800): { reclaimed: number } {
    const age = Timestamp.parse(Math.max(0, now - reclaimAge));
    const syncAge = Math.max(0, now - reclaimAge * 2);
    const table = this.dbContainsType;
    let marker = '';
    let reclaimed = 0;
    for (;;) {
      const end = this.stmt(`SELECT name FROM ${table} WHERE deleted = 1 AND name >= ? ORDER BY name LIMIT 1 OFFSET ?`).get(
        marker,
        RECLAIM_PAGE_SIZE,
      ) as { name: string } | undefined;
      if (end) {
        reclaimed += this.stmt(
          `DELETE FROM ${table} WHERE deleted = 1 AND name >= ? AND name < ? AND ${this.dbReclaimTimestamp} < ?`,
        ).run(marker, end.name, age.internal).changes;
        marker = end.name;
      } else {
        reclaimed += this.stmt(`DELETE FROM ${table} WHERE deleted = 1 AND name >= ? AND ${this.dbReclaimTimestamp} < ?`).run(
          marker,
          age.internal,
        ).changes;
        break;
      }
    }
    this.write(() => {
      this.stmt('DELETE FROM outgoing_sync WHERE updated_at < ?').run(String(Math.floor(syncAge)));
      this.stmt('DELETE FROM incoming_sync WHERE updated_at < ?').run(String(Math.floor(syncAge)));
      const md = parseMetadata(this.rawMetadata());
      if (reclaimMetadata(md, age)) this.stmt(`UPDATE ${this.statTable} SET metadata = ?`).run(JSON.stringify(md));
    });
    return { reclaimed };
  }

  /** Empty, and deleted for longer than reclaim_age: the replicator may remove the file. */
  isReclaimable(now: number, reclaimAge = 604800): boolean {
    const info = this.getReplicationInfo();
    const age = Timestamp.parse(Math.max(0, now - reclaimAge));
    const del = Timestamp.parse(String(info.delete_timestamp));
    return Number(info.count) === 0 && age.compare(del) > 0 && del.compare(Timestamp.parse(String(info.put_timestamp))) > 0;
  }
}

/** Swift's replication bookkeeping tables. */
const SYNC_TABLES = `
  CREATE TABLE outgoing_sync (remote_id TEXT UNIQUE, sync_point INTEGER, updated_at TEXT DEFAULT 0);
  CREATE TABLE incoming_sync (remote_id TEXT UNIQUE, sync_point INTEGER, updated_at TEXT DEFAULT 0);
  CREATE TRIGGER outgoing_sync_insert AFTER INSERT ON outgoing_sync BEGIN
    UPDATE outgoing_sync SET updated_at = STRFTIME('%s', 'NOW') WHERE ROWID = new.ROWID; END;
  CREATE TRIGGER outgoing_sync_update AFTER UPDATE ON outgoing_sync BEGIN
    UPDATE outgoing_sync SET updated_at = STRFTIME('%s', 'NOW') WHERE ROWID = new.ROWID; END;
  CREATE TRIGGER incoming_sync_insert AFTER INSERT ON incoming_sync BEGIN
    UPDATE incoming_sync SET updated_at = STRFTIME('%s', 'NOW') WHERE ROWID = new.ROWID; END;
  CREATE TRIGGER incoming_sync_update AFTER UPDATE ON incoming_sync BEGIN
    UPDATE incoming_sync SET updated_at = STRFTIME('%s', 'NOW') WHERE ROWID = new.ROWID; END;
`;

