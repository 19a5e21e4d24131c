/** MAC addresses as Nova makes them (nova/utils.py generate_mac_address): OpenStack's fa:16:3e prefix, three random bytes. */
import { randomBytes } from 'node:crypto';

export function generateMac(): string {
  return ['fa', '16', '3e', ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
