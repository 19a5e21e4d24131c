/** What the SQL stores of snapshots and backups share: filtered listings and status compare-and-swaps (either engine). */
import type { SqlExecutor, SqlValue } from '../db/index.js';
import { novaTime } from '../model.js';

type Row = Record<string, unknown>;

/** `SELECT *` of `table` where each given column equals its value, newest first (PostgreSQL's explicit rowid left out). */
export async function selectWhere(db: SqlExecutor, table: string, filters: Record<string, unknown>): Promise<Row[]> {
  const cols = Object.keys(filters).filter((c) => filters[c] !== undefined && filters[c] !== '');
  const where = cols.length ? `WHERE ${cols.map((c) => `${c} = ?`).join(' AND ')}` : '';
  const rows = await db.all(`SELECT * FROM ${table} ${where} ORDER BY created_at DESC, id`, cols.map((c) => filters[c] as SqlValue));
  return rows.map(({ rowid: _, ...r }) => r);
}

/**
 * Set `values` (and `updated_at`) on row `id` in one transaction, only
 * while its status is one of `expected` (when given): `missing()` or
 * `wrongState(status)` is thrown otherwise. Values are stored as `encode` makes them.
 */
export async function updateWhereStatus<T extends { status: string }>(
  db: SqlExecutor, table: string, id: string, values: Record<string, unknown>, expected: readonly string[] | undefined,
  o: { get(tx: SqlExecutor, id: string): Promise<T | undefined>; encode(col: string, v: unknown): unknown; missing(): Error; wrongState(status: string): Error },
): Promise<T> {
  return db.transaction(async (tx) => {
    const cur = await o.get(tx, id);
    if (!cur) throw o.missing();
    if (expected && !expected.includes(cur.status)) throw o.wrongState(cur.status);
    const cols = Object.keys(values);
    const sets = [...cols.map((c) => `${c} = ?`), 'updated_at = ?'];
    await tx.run(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = ?`, [...cols.map((c) => (o.encode(c, values[c]) ?? null) as SqlValue), novaTime(), id]);
    return (await o.get(tx, id))!;
  });
}
