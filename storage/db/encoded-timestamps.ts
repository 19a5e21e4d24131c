/**
 * Swift's `encode_timestamps` / `decode_timestamps`: an object row's
 * `created_at` column carries the data, content-type and metadata
 * timestamps in one string, `<t1>[±<t2-t1 hex>[±<t3-t2 hex>]]`.
 */
import { Timestamp } from '../../common/index.js';

function signedHex(n: number): string {
  return (n < 0 ? '-' : '+') + Math.abs(n).toString(16);
}

/** Encodes up to three timestamps; deltas are written only when non-zero (or `explicit`). */
export function encodeTimestamps(t1: Timestamp, t2?: Timestamp, t3?: Timestamp, explicit = false): string {
  let out = t1.short;
  if (t2 === undefined) return out;
  const d2 = t2.raw - t1.raw;
  const d3 = t3 === undefined ? 0 : t3.raw - t2.raw;
  if (explicit || d2 !== 0 || d3 !== 0) {
    out += signedHex(d2);
    if (t3 !== undefined) out += signedHex(d3);
  }
  return out;
}

/** Decodes a `created_at` value into its data, content-type and metadata timestamps. */
export function decodeTimestamps(encoded: string): [Timestamp, Timestamp, Timestamp] {
  const parts: string[] = [];
  const signs: number[] = [];
  for (const pos of encoded.split('+')) {
    const negs = pos.split('-');
    negs.forEach((p, i) => {
      parts.push(p);
      signs.push(i === 0 ? 1 : -1);
    });
  }
  const t1 = Timestamp.parse(parts[0]);
  let t2 = t1;
  if (parts.length > 1) {
    const delta = signs[1] * parseInt(parts[1], 16);
    if (delta) t2 = new Timestamp(t1.raw + delta);
  }
  let t3 = t2;
  if (parts.length > 2) {
    const delta = signs[2] * parseInt(parts[2], 16);
    if (delta) t3 = new Timestamp(t2.raw + delta);
  }
  return [t1, t2, t3];
}
