/**
 * Byte ranges with swob's rules, for the object server and the proxy's
 * large-object filters: a syntactically bad Range header is ignored (200
 * with the whole object); ranges that cannot be satisfied give
 * 416; more than 50 ranges, more than 2 overlapping or 8+ out-of-order ones
 * are refused as unsatisfiable (RFC 7233 §6.1); several ranges are sent as
 * multipart/byteranges with a 32-hex-digit boundary.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

const MAX_RANGES = 50;
const MAX_RANGE_OVERLAPS = 2;
const MAX_NONASCENDING_RANGES = 8;

export type RangeSpec = [start: number | undefined, end: number | undefined];

/** swob's Range parsing; undefined for a header to ignore. */
export function parseRange(value: string | undefined): RangeSpec[] | undefined {
  if (!value) return undefined;
  const v = value.replace(/ /g, '');
  if (!v.toLowerCase().startsWith('bytes=')) return undefined;
  const out: RangeSpec[] = [];
  for (const rng of v.slice(6).split(',')) {
    const dash = rng.indexOf('-');
    if (dash === -1) return undefined;
    const s = rng.slice(0, dash);
    const e = rng.slice(dash + 1);
    let start: number | undefined;
    let end: number | undefined;
    if (s) {
      if (!/^[+-]?\d+$/.test(s)) return undefined;
      start = Number(s);
    }
    if (e) {
      if (!/^\d+$/.test(e)) return undefined;
      end = Number(e);
      if (start !== undefined && end < start) return undefined;
    } else if (start === undefined) {
      return undefined;
    }
    out.push([start, end]);
  }
  return out;
}

/**
 * swob's `ranges_for_length`: half-open [start, stop) pairs; [] means 416.
 * (A negative start, which swob's int() allows, satisfies nothing.)
 */
export function rangesForLength(ranges: RangeSpec[], length: number): [number, number][] {
  const all: [number, number][] = [];
  for (const [begin, end] of ranges) {
    if (begin === undefined) {
      if (end === 0) continue;
      all.push(end! > length ? [0, length] : [length - end!, length]);
      continue;
    }
    if (begin < 0) continue;
    if (end === undefined) {
      if (begin < length) all.push([begin, length]);
      continue;
    }
    if (begin < length) all.push([begin, Math.min(end + 1, length)]);
  }
  if (all.length > MAX_RANGES) return [];
  let overlaps = 0;
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const [s1, e1] = all[i];
      const [s2, e2] = all[j];
      if ((s1 < s2 && s2 < e1) || (s1 < e2 && e2 < e1) || (s2 < s1 && s1 < e2) || (s2 < e1 && e1 < e2)) {
        if (++overlaps > MAX_RANGE_OVERLAPS) return [];
      }
    }
  }
  let ascending = true;
  for (let i = 0; i + 1 < all.length; i++) {
    if (all[i][0] > all[i + 1][0] || (all[i][0] === all[i + 1][0] && all[i][1] > all[i + 1][1])) {
      ascending = false;
      break;
    }
  }
  if (!ascending && all.length >= MAX_NONASCENDING_RANGES) return [];
  return all;
}

export const contentRange = (start: number, stop: number, size: number): string => `bytes ${start}-${stop - 1}/${size}`;

/** A boundary as swob makes them: 32 lower-case hex digits. */
export const makeBoundary = (): string => randomBytes(16).toString('hex');

function partHeader(boundary: string, contentType: string, start: number, stop: number, size: number): string {
  return `--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: ${contentRange(start, stop, size)}\r\n\r\n`;
}

/** Total length of the multipart/byteranges body (swob's `_prepare_for_ranges`). */
export function multipartLength(ranges: [number, number][], boundary: string, contentType: string, size: number): number {
  let n = 0;
  for (const [s, e] of ranges) n += Buffer.byteLength(partHeader(boundary, contentType, s, e, size), 'latin1') + (e - s) + 2;
  return n + boundary.length + 4;
}

/** The multipart/byteranges body, reading each range from `read` in turn. */
export function multipartBody(
  ranges: [number, number][], boundary: string, contentType: string, size: number,
  read: (start: number, stop: number) => Readable,
): Readable {
  async function* parts(): AsyncGenerator<Buffer> {
    for (const [s, e] of ranges) {
      yield Buffer.from(partHeader(boundary, contentType, s, e, size), 'latin1');
      for await (const chunk of read(s, e)) yield chunk as Buffer;
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(`--${boundary}--`);
  }
  return Readable.from(parts(), { objectMode: false });
}
