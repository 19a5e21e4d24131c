/** compute/db: the compute state DB (SQLite, versioned migrations). */
export { ComputeDb, UnexpectedStateError, NotFoundError, type InstanceFilters, type ExpectedState } from './compute-db.js';
export { migrate, MIGRATIONS, type Migration } from './migrations.js';
