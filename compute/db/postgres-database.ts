/**
 * `SqlDatabase` on PostgreSQL (node-postgres): the compute DB of an
 * installation whose services run on several hosts. A pool of connections;
 * a statement outside a transaction takes any of them.
 *
 * Transactions are SERIALIZABLE and re-run from the start when PostgreSQL
 * reports a serialization failure (40001) or a deadlock (40P01): that is
 * what gives every read-check-write of the stores (an instance's
 * compare-and-swap, the lowest free fixed IP, a claim against a host's
 * usage, a network's overlap check) the outcome SQLite's one-writer-at-a-
 * time transactions give — as if they ran one after the other.
 *
 * Migrations run READ COMMITTED under an advisory lock, so services
 * starting together apply each one once; the version is kept in
 * `swiftly_schema`.
 */
import pg from 'pg';
import { pgDdl, type RunResult, type SqlDatabase, type SqlExecutor, type SqlValue } from './sql-database.js';

/** BIGINT (int8) as a JS number: ids, counters and epoch milliseconds here stay far below 2^53. */
const INT8_OID = 20;
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** An arbitrary constant: the key of the advisory lock migrations take. */
const MIGRATION_LOCK = 0x5377_6966;
const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';
const MAX_ATTEMPTS = 20;

/** `?` placeholders (outside quotes) as PostgreSQL's `$1, $2, …`. */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  let quote: string | undefined;
  let out = '';
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '\'' || ch === '"') {
      quote = ch;
    } else if (ch === '?') {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

function executor(q: Queryable, inTransaction: boolean, outer: PostgresDatabase): SqlExecutor {
  const self: SqlExecutor = {
    dialect: 'postgres',
    all: async <T>(sql: string, params: readonly SqlValue[] = []) => (await q.query(toPgPlaceholders(sql), params as unknown[])).rows as T[],
    get: async <T>(sql: string, params: readonly SqlValue[] = []) => (await q.query(toPgPlaceholders(sql), params as unknown[])).rows[0] as T | undefined,
    run: async (sql: string, params: readonly SqlValue[] = []): Promise<RunResult> => ({ changes: (await q.query(toPgPlaceholders(sql), params as unknown[])).rowCount ?? 0 }),
    exec: async (sql: string) => { await q.query(pgDdl(sql)); },
    transaction: (fn) => (inTransaction ? fn(self) : outer.transaction(fn)),
  };
  return self;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly direct: SqlExecutor;

  /** @param url `postgresql://user@host:port/db`, or `postgresql:///db?host=/run/postgresql` for the unix socket */
  constructor(url: string, options: { max?: number } = {}) {
    this.pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types: typeParsers });
    // An idle connection the server dropped is removed from the pool; the next query opens another.
    this.pool.on('error', () => {});
    this.direct = executor(this.pool, false, this);
  }

  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  get<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.direct.get<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return this.direct.run(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.direct.exec(sql);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
        const out = await fn(executor(client, true, this));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => { broken = e; });
        const code = (err as { code?: string }).code;
        if ((code !== SERIALIZATION_FAILURE && code !== DEADLOCK_DETECTED) || attempt >= MAX_ATTEMPTS) throw err;
      } finally {
        client.release(broken);
      }
      // Another transaction won: start again from a fresh snapshot, after a little jitter.
      await sleep(Math.random() * 5 * attempt);
    }
  }

  async schemaVersion(): Promise<number> {
    const t = await this.direct.get<{ t: string | null }>(`SELECT to_regclass('swiftly_schema')::text AS t`);
    if (!t?.t) return 0;
    return (await this.direct.get<{ version: number }>(`SELECT version FROM swiftly_schema`))?.version ?? 0;
  }

  async applyMigration(version: number, up: (tx: SqlExecutor) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      // READ COMMITTED: each statement sees what a migrator that held the lock before us committed.
      await client.query('CREATE TABLE IF NOT EXISTS swiftly_schema (version INTEGER NOT NULL)');
      const cur = (await client.query<{ version: number }>('SELECT version FROM swiftly_schema')).rows[0];
      if ((cur?.version ?? 0) < version) {
        await up(executor(client, true, this));
        if (cur) await client.query('UPDATE swiftly_schema SET version = $1', [version]);
        else await client.query('INSERT INTO swiftly_schema (version) VALUES ($1)', [version]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
