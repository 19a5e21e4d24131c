/**
 * Swift timestamps: seconds since the epoch with 5 decimal places (units of
 * 10 µs), plus an optional offset used to order internal events that share a
 * time. Formats as Swift's:
 *   normal    "1700000000.00000"            (16 chars, zero padded)
 *   internal  "1700000000.00000_000000000000000a" (offset as 16 hex digits)
 *   short     "1700000000.00000_a"
 */
import { InvalidTimestampError } from './errors.js';

const PRECISION = 100000; // units per second
const MAX_RAW = 9999999999_99999; // 9999999999.99999 s
const MAX_OFFSET = 2n ** 64n - 1n;
const NUMBER_RE = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NORMAL_RE = /^\d{10}\.\d{5}$/;

let cachedSecond = -1;
let cachedSecondIso = '';

/** `2024-01-01T00:00:00.` for a second since the epoch; the last one is kept (rows of a listing often share it). */
function isoSecond(second: number): string {
  if (second !== cachedSecond) {
    cachedSecondIso = new Date(second * 1000).toISOString().slice(0, 20);
    cachedSecond = second;
  }
  return cachedSecondIso;
}

export class Timestamp {
  /** Time in units of 10 µs. */
  readonly raw: number;
  readonly offset: bigint;

  constructor(raw: number, offset: bigint = 0n) {
    if (!Number.isSafeInteger(raw) || raw < 0) throw new InvalidTimestampError('time must be >= 0');
    if (raw > MAX_RAW) throw new InvalidTimestampError('time must be < 10000000000');
    if (offset < 0n) throw new InvalidTimestampError('offset must be non-negative');
    if (offset > MAX_OFFSET) throw new InvalidTimestampError('offset must be smaller than 2**64');
    this.raw = raw;
    this.offset = offset;
  }

  /**
   * Parses a timestamp as Swift accepts it: a float in seconds, optionally
   * followed by `_<hex offset>`; or a Timestamp or number of seconds.
   * `delta` adds raw units (10 µs each), as Swift's `Timestamp(t, delta=)`.
   */
  static parse(value: string | number | Timestamp, options: { offset?: bigint; delta?: number } = {}): Timestamp {
    let raw: number;
    let offset = options.offset ?? 0n;
    if (value instanceof Timestamp) {
      raw = value.raw;
      offset += value.offset;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new InvalidTimestampError(`invalid timestamp: ${value}`);
      raw = Math.round(value * PRECISION);
    } else {
      const text = value.trim();
      const sep = text.indexOf('_');
      const timePart = sep === -1 ? text : text.slice(0, sep);
      if (sep !== -1) {
        const hex = text.slice(sep + 1);
        if (!/^[0-9a-fA-F]{1,16}$/.test(hex)) throw new InvalidTimestampError(`invalid timestamp offset: ${value}`);
        offset += BigInt('0x' + hex);
      }
      if (!NUMBER_RE.test(timePart)) throw new InvalidTimestampError(`invalid timestamp: ${value}`);
      raw = Math.round(Number(timePart) * PRECISION);
    }
    if (options.delta) raw += options.delta;
    return new Timestamp(raw, offset);
  }

  /** Like parse, but returns undefined instead of throwing. */
  static tryParse(value: string | number | undefined | null): Timestamp | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    try {
      return Timestamp.parse(value);
    } catch {
      return undefined;
    }
  }

  static now(clock: () => number = Date.now): Timestamp {
    return new Timestamp(Math.round(clock() * (PRECISION / 1000)));
  }

  static readonly zero = new Timestamp(0);

  /** Seconds as a float. */
  get seconds(): number {
    return this.raw / PRECISION;
  }

  get normal(): string {
    const secs = Math.floor(this.raw / PRECISION);
    const frac = this.raw % PRECISION;
    return `${String(secs).padStart(10, '0')}.${String(frac).padStart(5, '0')}`;
  }

  get internal(): string {
    return this.offset > 0n ? `${this.normal}_${this.offset.toString(16).padStart(16, '0')}` : this.normal;
  }

  get short(): string {
    return this.offset > 0n ? `${this.normal}_${this.offset.toString(16)}` : this.normal;
  }

  /** ISO 8601 with microseconds, as Swift's `isoformat` (UTC, no zone). */
  get isoformat(): string {
    const frac = this.raw % PRECISION;
    return isoSecond((this.raw - frac) / PRECISION) + String(frac).padStart(5, '0') + '0';
  }

  /**
   * `Timestamp.parse(value).isoformat`, without the parse for a timestamp in
   * the normal form (`1700000000.12345`): listings format one per row.
   */
  static isoformatOf(value: string): string {
    if (value.length === 16 && NORMAL_RE.test(value)) return isoSecond(Number(value.slice(0, 10))) + value.slice(11) + '0';
    return Timestamp.parse(value).isoformat;
  }

  /** HTTP date (Last-Modified), rounded up to the next whole second as Swift does. */
  get httpDate(): string {
    return new Date(Math.ceil(this.raw / PRECISION) * 1000).toUTCString();
  }

  compare(other: Timestamp): number {
    if (this.raw !== other.raw) return this.raw < other.raw ? -1 : 1;
    if (this.offset !== other.offset) return this.offset < other.offset ? -1 : 1;
    return 0;
  }

  equals(other: Timestamp): boolean {
    return this.compare(other) === 0;
  }

  isNewerThan(other: Timestamp): boolean {
    return this.compare(other) > 0;
  }

  /** A timestamp at the same time with the offset raised by `by`. */
  withOffset(by: bigint = 1n): Timestamp {
    return new Timestamp(this.raw, this.offset + by);
  }

  toString(): string {
    return this.internal;
  }

  static max(...ts: Timestamp[]): Timestamp {
    return ts.reduce((a, b) => (b.compare(a) > 0 ? b : a));
  }
}

/** Compares two timestamps given in any form Timestamp.parse accepts. */
export function compareTimestamps(a: string | Timestamp, b: string | Timestamp): number {
  return Timestamp.parse(a).compare(Timestamp.parse(b));
}
