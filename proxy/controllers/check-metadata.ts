/** Swift's `check_metadata`: limits on `X-<Type>-Meta-*` names, values, count and size. */
import type { Constraints } from '../../common/index.js';
import type { Headers, SwiftResponse } from '../types.js';
import { makeResponse } from '../response.js';

const TEXT = { 'content-type': 'text/plain' };

export function checkMetadata(
  headers: Headers,
  targetType: 'account' | 'container' | 'object',
  c: Constraints,
): SwiftResponse | undefined {
  const prefix = `x-${targetType}-meta-`;
  let count = 0;
  let size = 0;
  for (const [key, value] of Object.entries(headers)) {
    if (value && Buffer.byteLength(value) > c.max_header_size) {
      return makeResponse(400, `Header value too long: ${key.slice(0, c.max_meta_name_length)}`, TEXT);
    }
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (!name) return makeResponse(400, 'Metadata name cannot be empty', TEXT);
    count++;
    const nameLen = Buffer.byteLength(name);
    const valueLen = Buffer.byteLength(value);
    size += nameLen + valueLen;
    if (nameLen > c.max_meta_name_length) {
      return makeResponse(400, `Metadata name too long: ${prefix}${name}`, TEXT);
    }
    if (valueLen > c.max_meta_value_length) {
      return makeResponse(400, `Metadata value longer than ${c.max_meta_value_length}: ${prefix}${name}`, TEXT);
    }
    if (count > c.max_meta_count) return makeResponse(400, `Too many metadata items; max ${c.max_meta_count}`);
    if (size > c.max_meta_overall_size) {
      return makeResponse(400, `Total metadata too large; max ${c.max_meta_overall_size}`);
    }
  }
  return undefined;
}
