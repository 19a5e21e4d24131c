/**
 * Object versioning's names in the reserved namespace (Swift's
 * `get_reserved_name` / `split_reserved_name`): the versions container is
 * `\0versions\0<container>` and a version `\0<object>\0<inverted timestamp>`,
 * so a listing shows the newest version of a name first.
 */
import { Timestamp } from '../../../common/index.js';

export const RESERVED = '\x00';
export const DELETE_MARKER_CONTENT_TYPE = 'application/x-deleted;swift_versions_deleted=1';

/** The largest raw timestamp (10 µs units), as Swift's `~Timestamp` reflects around it. */
const INVERT_BASE = 999999999999999;

export function reservedName(...parts: string[]): string {
  return RESERVED + parts.join(RESERVED);
}

/** The parts of a reserved name, or undefined when `name` is not one. */
export function splitReservedName(name: string): string[] | undefined {
  if (!name.startsWith(RESERVED)) return undefined;
  return name.slice(1).split(RESERVED);
}

/** Swift's `~Timestamp`: offsets can't be inverted. */
export function invertTimestamp(ts: Timestamp): Timestamp {
  if (ts.offset > 0n) throw new Error('Cannot invert timestamps with offsets');
  return new Timestamp(INVERT_BASE - ts.raw);
}

export function versionsContainerName(container: string): string {
  return reservedName('versions', container);
}

export function versionsObjectPrefix(object: string): string {
  return reservedName(object, '');
}

export function versionsObjectName(object: string, version: Timestamp | string): string {
  return reservedName(object, invertTimestamp(Timestamp.parse(version)).internal);
}

/** A version's object name and timestamp; no timestamp when `name` is not a version's name. */
export function splitVersionFromName(name: string): { name: string; version?: Timestamp } {
  const parts = splitReservedName(name);
  if (!parts || parts.length !== 2) return { name };
  try {
    return { name: parts[0], version: invertTimestamp(Timestamp.parse(parts[1])) };
  } catch {
    return { name };
  }
}

/** The user's container a versions container keeps versions for (the name itself if it is not one). */
export function splitVersionsContainerName(name: string): string {
  const parts = splitReservedName(name);
  if (!parts || parts.length !== 2 || parts[0] !== 'versions') return name;
  return parts[1];
}
