/** prettytable-style tables, as the nova CLI prints them. */

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A table with a header row; every cell on one line. */
export function formatTable(headers: string[], rows: unknown[][]): string {
  const text = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]?.length ?? 0)));
  const line = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const row = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line, row(headers), line, ...text.map(row), line].join('\n');
}

/** `nova show`'s Property | Value table, keys sorted. */
export function formatProperties(obj: Record<string, unknown>): string {
  const rows = Object.keys(obj).sort().map((k) => [k, obj[k]]);
  return formatTable(['Property', 'Value'], rows);
}
