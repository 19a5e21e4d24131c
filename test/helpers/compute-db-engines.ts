/**
 * The compute DB's engines as tests open them: a SQLite file in a temp dir,
 * and PostgreSQL in a database of its own (unique name, dropped afterwards)
 * on the server at SWIFTLY_TEST_PG_URL (default: the local unix socket,
 * which `.ci/run` sets up). A test for both runs once per engine; the
 * PostgreSQL one skips, saying why, where no server answers, except under
 * CI=true, where that is a failure (as the browser tests do without Chromium).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openComputeDb, type ComputeDb } from '../../compute/db/index.js';

/** An admin connection to a PostgreSQL server (its database is where new ones are created from). */
export const TEST_PG_URL = process.env.SWIFTLY_TEST_PG_URL ?? 'postgresql://root@/postgres?host=/var/run/postgresql';

export type EngineName = 'sqlite' | 'postgres';
export const ENGINES: readonly EngineName[] = ['sqlite', 'postgres'];

/** Why PostgreSQL tests can't run here, or undefined when they can. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (err) {
    const why = `no PostgreSQL at ${TEST_PG_URL} (${(err as Error).message}); set SWIFTLY_TEST_PG_URL`;
    if (process.env.CI === 'true') throw new Error(`${why}: CI=true needs PostgreSQL (.ci/run starts it)`);
    return why;
  } finally {
    await c.end().catch(() => {});
  }
}

/** `TEST_PG_URL` with another database name. */
export function pgUrlFor(database: string): string {
  // Not WHATWG URL: `postgresql://user@/db?host=/socket/dir` has an empty host, which libpq allows and URL refuses.
  const m = /^(postgres(?:ql)?:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(TEST_PG_URL);
  if (!m) throw new Error(`SWIFTLY_TEST_PG_URL is not a postgresql:// URL: ${TEST_PG_URL}`);
  return `${m[1]}/${database}${m[3] ?? ''}`;
}

/** A fresh, empty PostgreSQL database; `drop()` removes it (closing every connection still on it). */
export async function createPgDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `swiftly_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: pgUrlFor(name), name,
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface TestComputeDb {
  db: ComputeDb;
  /** What `openComputeDb` takes to open the same DB again. */
  connection: string;
  done(): Promise<void>;
}

/** A fresh, migrated compute DB on `engine`. */
export async function openTestComputeDb(engine: EngineName): Promise<TestComputeDb> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'swiftly-computedb-'));
    const connection = join(dir, 'compute.sqlite');
    const db = await openComputeDb(connection);
    return { db, connection, done: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const pgdb = await createPgDatabase();
  const db = await openComputeDb(pgdb.url);
  return { db, connection: pgdb.url, done: async () => { await db.close(); await pgdb.drop(); } };
}
