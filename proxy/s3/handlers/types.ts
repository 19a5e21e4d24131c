/**
 * A handler per S3 resource: `service` (no bucket), `bucket`, `object`,
 * each a method → function table. Each sub-resource (`?acl`, `?uploads`,
 * `?versioning`, …) is one file exporting one of these; router.ts lists them.
 */
import type { SwiftResponse } from '../../types.js';
import type { S3Context } from '../context.js';

export type Handler = (ctx: S3Context) => Promise<SwiftResponse>;
export type MethodTable = Partial<Record<string, Handler>>;

export interface ResourceHandlers {
  service?: MethodTable;
  bucket?: MethodTable;
  object?: MethodTable;
}
