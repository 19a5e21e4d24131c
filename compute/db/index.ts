/** compute/db: the compute state DB (SQLite or PostgreSQL behind one async store, versioned migrations). */
export { ComputeDb, UnexpectedStateError, NotFoundError, type InstanceFilters, type ExpectedState } from './compute-db.js';
export { migrate, MIGRATIONS, type Migration } from './migrations.js';
export { openComputeDb, openSqlDatabase, isPostgresUrl } from './open-compute-db.js';
export { isUniqueViolation, jsonText, pgDdl, type SqlDatabase, type SqlExecutor, type SqlValue, type RunResult, type SqlDialect } from './sql-database.js';
export { SqliteDatabase } from './sqlite-database.js';
