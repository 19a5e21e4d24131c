/**
 * X-Backend-Etag-Is-At: the metadata key that holds the etag a conditional
 * request compares (SLO, encryption, EC). swob's conditional rules
 * themselves are common's (`conditionalStatus`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { listFromCsv } from '../../common/index.js';
import { metaGet, type ObjectMetadata } from './metadata.js';

/** Swift's `resolve_etag_is_at_header`. */
export function resolveEtagIsAt(headers: IncomingHttpHeaders, metadata: ObjectMetadata): string | undefined {
  const at = headers['x-backend-etag-is-at'];
  if (typeof at !== 'string') return undefined;
  for (const name of listFromCsv(at)) {
    const v = metaGet(metadata, name);
    if (v !== undefined) return v;
  }
  return undefined;
}

