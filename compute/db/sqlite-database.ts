/**
 * `SqlDatabase` on one SQLite file (better-sqlite3): the embedded default.
 * WAL, so readers never wait for the writer; a transaction is BEGIN
 * IMMEDIATE (it holds the write lock from its start, across processes).
 * better-sqlite3 is synchronous: each statement runs at once. Because a
 * transaction's function is async, the file is held by it until it ends:
 * statements from other callers of this process wait — on this connection
 * they would become part of (or be rolled back with) someone else's
 * transaction; on another connection to the same file they would block
 * the whole process in SQLite's busy handler, and with it the transaction
 * they wait for. Other processes wait in the busy handler (busy_timeout).
 */
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { RunResult, SqlDatabase, SqlExecutor, SqlValue } from './sql-database.js';

type Statement = Database.Statement<unknown[], unknown>;

/** Per file, the transaction of this process holding it (`held` resolves when it ends). */
interface Gate { held?: Promise<void> }
const gates = new Map<string, Gate>();
function gateFor(path: string): Gate {
  if (path === ':memory:') return {};
  const key = resolve(path);
  let g = gates.get(key);
  if (!g) gates.set(key, (g = {}));
  return g;
}

export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  private readonly gate: Gate;
  private readonly direct: SqlExecutor;

  constructor(path: string, options: { readonly?: boolean } = {}) {
    this.db = new Database(path, options.readonly ? { readonly: true, fileMustExist: true } : {});
    this.gate = gateFor(path);
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.pragma('busy_timeout = 5000');
    // What a running transaction uses: the connection without waiting for itself.
    this.direct = {
      dialect: 'sqlite',
      all: async <T>(sql: string, params: readonly SqlValue[] = []) => this.prepare(sql).all(...params) as T[],
      get: async <T>(sql: string, params: readonly SqlValue[] = []) => this.prepare(sql).get(...params) as T | undefined,
      run: async (sql, params = []) => ({ changes: this.prepare(sql).run(...params).changes }),
      exec: async (sql) => { this.db.exec(sql); },
      transaction: (fn) => fn(this.direct),
    };
  }

  private prepare(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async all<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    while (this.gate.held) await this.gate.held;
    return this.direct.all<T>(sql, params);
  }

  async get<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    while (this.gate.held) await this.gate.held;
    return this.direct.get<T>(sql, params);
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    while (this.gate.held) await this.gate.held;
    return this.direct.run(sql, params);
  }

  async exec(sql: string): Promise<void> {
    while (this.gate.held) await this.gate.held;
    return this.direct.exec(sql);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    while (this.gate.held) await this.gate.held; // then synchronously on: nobody can slip in between
    let release!: () => void;
    this.gate.held = new Promise<void>((resolve) => { release = resolve; });
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.direct);
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.gate.held = undefined;
      release();
    }
  }

  async schemaVersion(): Promise<number> {
    while (this.gate.held) await this.gate.held;
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  async applyMigration(version: number, up: (tx: SqlExecutor) => Promise<void>): Promise<void> {
    // Re-read inside the write lock: services starting together on a fresh file apply it once.
    await this.transaction(async (tx) => {
      if ((this.db.pragma('user_version', { simple: true }) as number) >= version) return;
      await up(tx);
      this.db.pragma(`user_version = ${version}`);
    });
  }

  async close(): Promise<void> {
    while (this.gate.held) await this.gate.held;
    this.db.close();
  }
}
