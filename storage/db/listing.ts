/**
 * The listing walk shared by container and account DBs (Swift's
 * `list_objects_iter` / `list_containers_iter`): prefix, delimiter,
 * marker, end_marker, reverse and path over a name-ordered range scan.
 *
 * The walk asks for pages of at most PAGE_SIZE rows and yields to the event
 * loop between pages, so a 10,000-row listing never holds the loop for one
 * long synchronous query.
 */
import { setImmediate as yieldLoop } from 'node:timers/promises';

export const PAGE_SIZE = 1000;
/** Names below this hold Swift's reserved namespace (`\x00…`). */
const RESERVED_FLOOR = '\x01';

export interface ListingParams {
  limit: number;
  marker?: string;
  endMarker?: string;
  prefix?: string;
  delimiter?: string;
  path?: string;
  reverse?: boolean;
  allowReserved?: boolean;
}

/** One page's range over `name`, as the DB query takes it. */
export interface NameRange {
  lower?: { op: '>' | '>='; value: string };
  upper?: string;
  reverse: boolean;
  limit: number;
}

export interface ListingSource<R> {
  fetch(range: NameRange): R[];
  nameOf(row: R): string;
  subdir(name: string): R;
}

/** Orders as Python compares str and SQLite compares UTF-8: by code point. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The string with its last code point raised by one (Swift's `chr(ord(s[-1]) + 1)`). */
export function bumpLast(s: string): string {
  const cps = Array.from(s);
  const last = cps.pop()!;
  return cps.join('') + String.fromCodePoint(last.codePointAt(0)! + 1);
}

export async function listNames<R>(params: ListingParams, source: ListingSource<R>): Promise<R[]> {
  const { limit, reverse = false, allowReserved = false } = params;
  let marker = params.marker ?? '';
  let endMarker = params.endMarker ?? '';
  let prefix = params.prefix;
  let delimiter = params.delimiter;
  let path = params.path;
  if (reverse) [marker, endMarker] = [endMarker, marker];
  if (path !== undefined) {
    prefix = path;
    if (path) prefix = path = path.replace(/\/+$/, '') + '/';
    delimiter = '/';
  } else if (delimiter && !prefix) {
    prefix = '';
  }
  const endPrefix = prefix ? bumpLast(prefix) : undefined;
  const origMarker = marker;
  const results: R[] = [];
  let forceGte = false;
  let first = true;

  while (results.length < limit) {
    if (!first) await yieldLoop();
    first = false;
    let upper: string | undefined;
    if (endMarker && (!prefix || compareNames(endMarker, endPrefix!) < 0)) upper = endMarker;
    else if (prefix) upper = endPrefix;
    let lower: NameRange['lower'];
    if (forceGte) {
      lower = { op: '>=', value: marker };
      forceGte = false;
    } else if (marker && (!prefix || compareNames(marker, prefix) >= 0)) {
      lower = { op: '>', value: marker };
    } else if (prefix) {
      lower = { op: '>=', value: prefix };
    }
    if (!allowReserved && (!lower || compareNames(lower.value, RESERVED_FLOOR) < 0)) {
      lower = { op: '>=', value: RESERVED_FLOOR };
    }
    const pageLimit = Math.min(limit - results.length, PAGE_SIZE);
    const rows = source.fetch({ lower, upper, reverse, limit: pageLimit });

    if (prefix === undefined || !delimiter) {
      results.push(...rows);
      if (rows.length < pageLimit) break;
      const last = source.nameOf(rows[rows.length - 1]);
      if (reverse) endMarker = last;
      else marker = last;
      continue;
    }

    let brokeOut = false;
    for (const row of rows) {
      const name = source.nameOf(row);
      if (reverse) endMarker = name;
      else marker = name;
      if (results.length >= limit) return results;
      const end = name.indexOf(delimiter, prefix.length);
      if (path !== undefined) {
        if (name === path) continue;
        if (end >= 0 && name.length > end + delimiter.length) {
          if (reverse) endMarker = name.slice(0, end + delimiter.length);
          else marker = name.slice(0, end) + bumpLast(delimiter);
          brokeOut = true;
          break;
        }
      } else if (end >= 0) {
        if (reverse) {
          endMarker = name.slice(0, end + delimiter.length);
        } else {
          marker = name.slice(0, end) + bumpLast(delimiter);
          forceGte = true;
        }
        const dirName = name.slice(0, end + delimiter.length);
        if (dirName !== origMarker) results.push(source.subdir(dirName));
        brokeOut = true;
        break;
      }
      results.push(row);
    }
    if (rows.length === 0 || (!brokeOut && rows.length < pageLimit)) break;
  }
  return results;
}

/** SQL for a page's bounds: `name > ? AND name < ?` etc., with its arguments. */
export function rangeSql(range: NameRange): { sql: string; args: string[] } {
  const parts: string[] = [];
  const args: string[] = [];
  if (range.lower) {
    parts.push(`name ${range.lower.op} ?`);
    args.push(range.lower.value);
  }
  if (range.upper !== undefined) {
    parts.push('name < ?');
    args.push(range.upper);
  }
  return { sql: parts.length ? ' AND ' + parts.join(' AND ') : '', args };
}
