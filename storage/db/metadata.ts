/**
 * DB metadata: a JSON object `{ key: [value, timestamp] }` where each key
 * keeps the value of its newest write; an empty value marks a deleted key
 * until reclaim. Validation as Swift's `DatabaseBroker.validate_metadata`.
 */
import { DEFAULT_CONSTRAINTS, Timestamp, type Constraints } from '../../common/index.js';
import { HttpStatusError } from './errors.js';

export type Metadata = Record<string, [string, string]>;

export function parseMetadata(raw: string | null | undefined): Metadata {
  if (!raw) return {};
  const parsed = JSON.parse(raw) as Metadata;
  return parsed && typeof parsed === 'object' ? parsed : {};
}

/** True when applying `updates` would change `current` (some key is new or newer). */
export function metadataWouldChange(current: Metadata, updates: Metadata): boolean {
  for (const [key, [, ts]] of Object.entries(updates)) {
    const old = current[key];
    if (!old || ts > old[1]) return true;
  }
  return false;
}

/** Merges `updates` into `current` in place, newest timestamp per key winning. */
export function mergeMetadata(current: Metadata, updates: Metadata): Metadata {
  for (const [key, value] of Object.entries(updates)) {
    const old = current[key];
    if (!old || value[1] > old[1]) current[key] = value;
  }
  return current;
}

/** Swift's count / overall-size limits on user metadata, and UTF-8 checks. */
export function validateMetadata(md: Metadata, constraints: Constraints = DEFAULT_CONSTRAINTS): void {
  let count = 0;
  let size = 0;
  for (const [rawKey, [value]] of Object.entries(md)) {
    // Header bytes that are not UTF-8 are refused where headers are decoded
    // (`header-values.ts`); NUL is refused here as Swift's check_utf8 does.
    if (rawKey.includes('\0') || (value && value.includes('\0'))) throw new HttpStatusError(400, 'Metadata must be valid UTF-8');
    const key = rawKey.toLowerCase();
    if (value && (key.startsWith('x-account-meta-') || key.startsWith('x-container-meta-'))) {
      const prefix = key.startsWith('x-container-meta-') ? 'x-container-meta-' : 'x-account-meta-';
      count += 1;
      // Python's len(): code points, not bytes.
      size += [...key.slice(prefix.length)].length + [...value].length;
    }
  }
  if (count > constraints.max_meta_count) {
    throw new HttpStatusError(400, `Too many metadata items; max ${constraints.max_meta_count}`);
  }
  if (size > constraints.max_meta_overall_size) {
    throw new HttpStatusError(400, `Total metadata too large; max ${constraints.max_meta_overall_size}`);
  }
}

/** Keys emptied before `before` are dropped (Swift's `_reclaim_metadata`). */
export function reclaimMetadata(md: Metadata, before: Timestamp): boolean {
  let changed = false;
  for (const [key, [value, ts]] of Object.entries(md)) {
    if (value === '' && Timestamp.parse(ts).compare(before) < 0) {
      delete md[key];
      changed = true;
    }
  }
  return changed;
}
