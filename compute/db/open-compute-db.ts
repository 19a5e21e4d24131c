/**
 * Open the compute state DB named by compute.conf's `[database] connection`
 * (as `ComputeConfig.dbPath` holds it): a SQLite file path (the embedded
 * default) or a `postgresql://` URL (several hosts). The schema is migrated
 * to the newest version before the store is handed out.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ComputeDb } from './compute-db.js';
import { migrate } from './migrations.js';
import type { SqlDatabase } from './sql-database.js';
import { SqliteDatabase } from './sqlite-database.js';

/** A PostgreSQL connection URL rather than a SQLite path. */
export function isPostgresUrl(connection: string): boolean {
  return /^postgres(ql)?:\/\//.test(connection);
}

/** The engine behind `connection`, not yet migrated. */
export async function openSqlDatabase(connection: string): Promise<SqlDatabase> {
  if (isPostgresUrl(connection)) {
    const { PostgresDatabase } = await import('./postgres-database.js');
    return new PostgresDatabase(connection);
  }
  if (connection !== ':memory:') mkdirSync(dirname(connection), { recursive: true });
  return new SqliteDatabase(connection);
}

export async function openComputeDb(connection: string): Promise<ComputeDb> {
  const database = await openSqlDatabase(connection);
  try {
    await migrate(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  return new ComputeDb(database, database);
}
