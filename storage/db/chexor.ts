/**
 * Swift's `chexor`: each row inserted or deleted is XORed into the DB's
 * 128-bit hash, an order-independent fingerprint of the contents that
 * replicas compare to see whether they are in sync.
 */
import { createHash } from 'node:crypto';

export const EMPTY_HASH = '00000000000000000000000000000000';

export function chexor(old: string, name: string, timestamp: string): string {
  if (name === null || name === undefined) throw new Error('name is None!');
  const next = createHash('md5').update(`${name}-${timestamp}`, 'utf8').digest();
  const prev = Buffer.from((old || EMPTY_HASH).padStart(32, '0'), 'hex');
  for (let i = 0; i < 16; i++) next[i] ^= prev[i];
  return next.toString('hex');
}
