/**
 * Swift's `check_metadata`, which the proxy runs on every account,
 * container and object write and the object server again on object PUT and
 * POST.
 */
import type { Constraints } from './constraints.js';
import { checkUtf8 } from './constraints.js';
import { InvalidArgumentError } from './errors.js';

export type MetadataTarget = 'account' | 'container' | 'object';

/**
 * Checks the `X-<target>-Meta-*` headers (and every header's length)
 * against the constraints; throws InvalidArgumentError with Swift's 400
 * body. Header values are as Node gives them, one character per byte
 * received (latin1), so lengths are counted in bytes, as Swift counts them.
 */
export function checkMetadata(headers: Readonly<Record<string, string | string[] | undefined>>, target: MetadataTarget, c: Constraints): void {
  const prefix = `x-${target}-meta-`;
  let count = 0;
  let size = 0;
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (value.length > c.max_header_size) throw new InvalidArgumentError(`Header value too long: ${name.slice(0, c.max_meta_name_length)}`);
    if (!name.toLowerCase().startsWith(prefix)) continue;
    const key = name.slice(prefix.length);
    if (!key) throw new InvalidArgumentError('Metadata name cannot be empty');
    if (target !== 'object' && !(checkUtf8(Buffer.from(key, 'latin1')) && (!value || checkUtf8(Buffer.from(value, 'latin1'))))) {
      throw new InvalidArgumentError('Metadata must be valid UTF-8');
    }
    count += 1;
    size += key.length + value.length;
    if (key.length > c.max_meta_name_length) throw new InvalidArgumentError(`Metadata name too long: ${prefix}${key}`);
    if (value.length > c.max_meta_value_length) throw new InvalidArgumentError(`Metadata value longer than ${c.max_meta_value_length}: ${prefix}${key}`);
    if (count > c.max_meta_count) throw new InvalidArgumentError(`Too many metadata items; max ${c.max_meta_count}`);
    if (size > c.max_meta_overall_size) throw new InvalidArgumentError(`Total metadata too large; max ${c.max_meta_overall_size}`);
  }
}
