/**
 * Object expiry (X-Delete-At / X-Delete-After) as the proxy and the object
 * server both check it, and the `.expiring_objects` queue container an
 * expiry goes into.
 */
import { configTrueValue } from './config.js';
import { InvalidArgumentError } from './errors.js';
import { hashPath, type HashPathSecrets } from './hash-path.js';

/** Swift's `normalize_delete_at_timestamp`: ten digits, clamped to 0..9999999999. */
export function normalizeDeleteAt(t: number): string {
  return String(Math.floor(Math.min(Math.max(0, t), 9999999999))).padStart(10, '0');
}

/**
 * The content type of a queue row that asks the expirer for a plain delete
 * (slo's async delete of segments), not an expiry (Swift's ASYNC_DELETE_TYPE).
 */
export const ASYNC_DELETE_TYPE = 'application/async-deleted';

/** Swift's `get_expirer_container`: the queue container of an object expiring at `deleteAt`. */
export function expirerContainer(deleteAt: number, divisor: number, secrets: HashPathSecrets, a: string, c: string, o: string): string {
  const shard = Number(BigInt(`0x${hashPath(secrets, a, c, o)}`) % 100n);
  return normalizeDeleteAt(Math.floor(deleteAt / divisor) * divisor - shard);
}

type HeaderValue = string | string[] | undefined;

const one = (v: HeaderValue): string | undefined => (Array.isArray(v) ? v.join(', ') : v);

// Python's int() of a header: optional sign and blanks around the digits.
const INTEGER = /^\s*[+-]?\d+\s*$/;

/**
 * Swift's `check_delete_headers`, for a request stamped `nowSeconds`:
 * X-Delete-After becomes an X-Delete-At (normalized) and takes precedence;
 * a non-integer value, or a time not after now (unless X-Backend-Replication
 * is true), throws InvalidArgumentError with Swift's 400 body. Returns the
 * X-Delete-At the request asks for (as sent, when it came as X-Delete-At),
 * or undefined.
 */
export function checkDeleteHeaders(headers: Readonly<Record<string, HeaderValue>>, nowSeconds: number): string | undefined {
  let deleteAt = one(headers['x-delete-at']);
  const after = one(headers['x-delete-after']);
  if (after !== undefined) {
    if (!INTEGER.test(after)) throw new InvalidArgumentError('Non-integer X-Delete-After');
    deleteAt = normalizeDeleteAt(nowSeconds + Number(after));
    if (Number(deleteAt) <= nowSeconds) throw new InvalidArgumentError('X-Delete-After in past');
  }
  if (deleteAt !== undefined) {
    if (!INTEGER.test(deleteAt)) throw new InvalidArgumentError('Non-integer X-Delete-At');
    const replication = configTrueValue(one(headers['x-backend-replication']) ?? 'f');
    if (Number(normalizeDeleteAt(Number(deleteAt))) <= nowSeconds && !replication) throw new InvalidArgumentError('X-Delete-At in past');
  }
  return deleteAt;
}
