/** What the SQLite stores of snapshots and backups share: filtered listings and status compare-and-swaps. */
import type Database from 'better-sqlite3';
import { novaTime } from '../model.js';

type Row = Record<string, unknown>;

/** `SELECT *` of `table` where each given column equals its value, newest first. */
export function selectWhere(db: Database.Database, table: string, filters: Record<string, unknown>): Row[] {
  const cols = Object.keys(filters).filter((c) => filters[c] !== undefined && filters[c] !== '');
  const where = cols.length ? `WHERE ${cols.map((c) => `${c} = ?`).join(' AND ')}` : '';
  return db.prepare(`SELECT * FROM ${table} ${where} ORDER BY created_at DESC, id`).all(...cols.map((c) => filters[c])) as Row[];
}

/**
 * Set `values` (and `updated_at`) on row `id` in one immediate transaction,
 * only while its status is one of `expected` (when given): `missing()` or
 * `wrongState(status)` is thrown otherwise. Values are stored as `encode` makes them.
 */
export function updateWhereStatus<T extends { status: string }>(
  db: Database.Database, table: string, id: string, values: Record<string, unknown>, expected: readonly string[] | undefined,
  o: { get(id: string): T | undefined; encode(col: string, v: unknown): unknown; missing(): Error; wrongState(status: string): Error },
): T {
  return db.transaction(() => {
    const cur = o.get(id);
    if (!cur) throw o.missing();
    if (expected && !expected.includes(cur.status)) throw o.wrongState(cur.status);
    const cols = Object.keys(values);
    const sets = [...cols.map((c) => `${c} = ?`), 'updated_at = ?'];
    db.prepare(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = ?`).run(...cols.map((c) => o.encode(c, values[c])), novaTime(), id);
    return o.get(id)!;
  }).immediate();
}
