/** Request times in the forms S3 signatures carry them. */
import { S3Errors } from '../errors.js';

/** `20240101T120000Z` (SigV4's x-amz-date), or an HTTP date; NaN when neither. */
export function parseAmzDate(value: string | undefined): number {
  if (!value) return NaN;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value.trim());
  if (m) return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Date.parse(value);
}

/** RequestTimeTooSkewed when `t` is further than `skew` seconds from now. */
export function checkSkew(t: number, nowMs: number, skewSeconds: number): void {
  if (Math.abs(nowMs - t) > skewSeconds * 1000) {
    throw S3Errors.RequestTimeTooSkewed({
      RequestTime: new Date(t).toUTCString(),
      ServerTime: new Date(nowMs).toUTCString(),
      MaxAllowedSkewMilliseconds: String(skewSeconds * 1000),
    });
  }
}
