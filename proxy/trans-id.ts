/** Swift's transaction ids: `tx` + 21 hex digits + `-` + 10 hex digits of time. */
import { randomBytes } from 'node:crypto';

export function generateTransId(nowMs: number = Date.now(), suffix = ''): string {
  const rand = randomBytes(11).toString('hex').slice(0, 21);
  const time = Math.floor(nowMs / 1000).toString(16).padStart(10, '0');
  return `tx${rand}-${time}${suffix}`;
}
