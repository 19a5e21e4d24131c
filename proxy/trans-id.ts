/**
 * Swift's transaction ids: `tx` + 21 hex digits + `-` + 10 hex digits of time.
 * The 21 digits are a random prefix drawn once per process (9 digits) and a
 * counter (12 digits): unique without a random draw per request.
 */
import { randomBytes } from 'node:crypto';

const PREFIX = randomBytes(5).toString('hex').slice(0, 9);
const COUNTER_SPAN = 16 ** 12;
let counter = randomBytes(6).readUIntBE(0, 6) % COUNTER_SPAN;

export function generateTransId(nowMs: number = Date.now(), suffix = ''): string {
  counter = (counter + 1) % COUNTER_SPAN;
  const time = Math.floor(nowMs / 1000).toString(16).padStart(10, '0');
  return `tx${PREFIX}${counter.toString(16).padStart(12, '0')}-${time}${suffix}`;
}
