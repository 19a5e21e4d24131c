/**
 * Which handler answers: by sub-resource (`?acl`, `?delete`, …; '' for the
 * plain resource), then by resource (service, bucket, object) and method.
 * A sub-resource is one file in handlers/; add it here.
 */
import type { S3Request } from './request.js';
import { S3Errors } from './errors.js';
import type { Handler, ResourceHandlers } from './handlers/types.js';
import { bucketHandlers } from './handlers/bucket.js';
import { objectHandlers } from './handlers/object.js';
import { locationHandlers } from './handlers/location.js';
import { multiDeleteHandlers } from './handlers/multi-delete.js';
import { versioningHandlers } from './handlers/versioning.js';
import { taggingHandlers } from './handlers/tagging.js';
import { lifecycleHandlers } from './handlers/lifecycle.js';
import { corsHandlers } from './handlers/cors.js';
import { listObjectVersions } from './handlers/list-objects.js';
import { uploadsHandlers } from './handlers/multipart/uploads.js';
import { uploadIdHandlers } from './handlers/multipart/parts.js';
import { objectAttributesHandlers } from './handlers/object-attributes.js';
import { aclHandlers } from './handlers/acl.js';

const merge = (...all: ResourceHandlers[]): ResourceHandlers => {
  const out: ResourceHandlers = {};
  for (const h of all) for (const k of ['service', 'bucket', 'object'] as const) if (h[k]) out[k] = { ...out[k], ...h[k] };
  return out;
};

/** Sub-resource → its handlers. */
export const ROUTES = new Map<string, ResourceHandlers>([
  ['', merge(bucketHandlers, objectHandlers)],
  ['location', locationHandlers],
  ['acl', aclHandlers],
  ['delete', multiDeleteHandlers],
  ['versions', { bucket: { GET: listObjectVersions } }],
  ['versioning', versioningHandlers],
  ['tagging', taggingHandlers],
  ['lifecycle', lifecycleHandlers],
  ['cors', corsHandlers],
  ['uploads', uploadsHandlers],
  ['uploadId', uploadIdHandlers],
  ['attributes', objectAttributesHandlers],
]);

export function route(req: S3Request): Handler {
  const handlers = ROUTES.get(req.subresource);
  if (!handlers) throw S3Errors.NotImplemented({}, `The ${req.subresource} sub-resource is not implemented.`);
  const kind = req.bucket === undefined ? 'service' : req.key === undefined ? 'bucket' : 'object';
  const handler = handlers[kind]?.[req.method];
  if (!handler) {
    if (kind === 'service' && req.method !== 'GET') throw S3Errors.MethodNotAllowed({ Method: req.method, ResourceType: 'SERVICE' });
    throw S3Errors.MethodNotAllowed({ Method: req.method, ResourceType: kind.toUpperCase() });
  }
  return handler;
}
