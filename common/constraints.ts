/**
 * Swift's cluster constraints (`[swift-constraints]` in swift.conf) with
 * Swift's defaults, and the name and metadata checks every server shares.
 */
import type { Section } from './config.js';
import { getInt, listFromCsv } from './config.js';

export interface Constraints {
  max_file_size: number;
  max_meta_name_length: number;
  max_meta_value_length: number;
  max_meta_count: number;
  max_meta_overall_size: number;
  max_header_size: number;
  extra_header_count: number;
  max_object_name_length: number;
  container_listing_limit: number;
  account_listing_limit: number;
  max_account_name_length: number;
  max_container_name_length: number;
  valid_api_versions: string[];
}

export const DEFAULT_CONSTRAINTS: Readonly<Constraints> = Object.freeze({
  max_file_size: 5368709122,
  max_meta_name_length: 128,
  max_meta_value_length: 256,
  max_meta_count: 90,
  max_meta_overall_size: 4096,
  max_header_size: 8192,
  extra_header_count: 0,
  max_object_name_length: 1024,
  container_listing_limit: 10000,
  account_listing_limit: 10000,
  max_account_name_length: 256,
  max_container_name_length: 256,
  valid_api_versions: ['v1', 'v1.0'],
});

/** Constraints from a `[swift-constraints]` section over Swift's defaults. */
export function constraintsFromSection(section: Section | undefined): Constraints {
  const c: Constraints = { ...DEFAULT_CONSTRAINTS, valid_api_versions: [...DEFAULT_CONSTRAINTS.valid_api_versions] };
  if (!section) return c;
  for (const key of Object.keys(DEFAULT_CONSTRAINTS) as (keyof Constraints)[]) {
    if (key === 'valid_api_versions') {
      if (section[key]) c.valid_api_versions = listFromCsv(section[key]);
    } else {
      c[key] = getInt(section, key, DEFAULT_CONSTRAINTS[key], 0);
    }
  }
  return c;
}

/** True when `buf` is valid UTF-8 (Swift rejects names that are not). */
export function isValidUtf8(buf: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

/**
 * Swift's `check_utf8` on a path component after percent-decoding: valid
 * UTF-8 and no NUL (unless `internal`: NUL is the reserved namespace's
 * byte). Takes the raw bytes of the name.
 */
export function checkUtf8(bytes: Uint8Array, internal = false): boolean {
  return (internal || !bytes.includes(0)) && isValidUtf8(bytes);
}
