/**
 * Object POST (Swift's fast-POST): a `.meta` file replacing the user
 * metadata, with Content-Type updates ordered by Content-Type-Timestamp so
 * replicas converge, then a container update (a PUT to the container).
 */
import { checkMetadata, Timestamp } from '../../../common/index.js';
import { isSysMeta, isTransientSysmeta, isUserMeta, titleCase, type ObjectMetadata } from '../metadata.js';
import { validTimestamp } from '../request-checks.js';
import { HttpError, badRequest, send, type Headers } from '../responses.js';
import { headerValue, updateContext, type ObjectRequest, type ObjectServer } from './context.js';
import { applyContainerOverrides, openDiskFile } from './shared.js';

export async function handlePost(s: ObjectServer, r: ObjectRequest): Promise<void> {
  const ts = validTimestamp(r.headers);
  const deleteAtHeader = headerValue(r.headers, 'x-delete-at');
  if (deleteAtHeader !== undefined && deleteAtHeader !== '' && !/^\s*[+-]?\d+\s*$/.test(deleteAtHeader)) {
    throw badRequest('Non-integer X-Delete-At');
  }
  const newDeleteAt = Number(deleteAtHeader || 0);
  if (newDeleteAt && newDeleteAt < ts.seconds) throw badRequest('X-Delete-At in past');
  checkMetadata(r.headers, 'object', s.swiftConf.constraints);
  const { diskFile, devicePath } = await openDiskFile(s, r);
  const replication = /^(true|1|yes|on|t|y)$/i.test(headerValue(r.headers, 'x-backend-replication') ?? 'false');
  const state = await diskFile.open(ts, { openExpired: replication });
  if (state.status !== 'exists') {
    if (state.status === 'expired') await state.object.close();
    throw new HttpError(404);
  }
  const object = state.object;
  await object.close();
  const orig = object.metadata;
  const origTimestamp = Timestamp.parse(orig['X-Timestamp']);
  const origCtypeTimestamp = object.contentTypeTimestamp;
  const reqCtype = headerValue(r.headers, 'content-type');
  const reqCtypeTimestamp = reqCtype ? Timestamp.parse(headerValue(r.headers, 'content-type-timestamp') ?? ts.internal) : Timestamp.zero;
  if (origTimestamp.compare(ts) >= 0 && origCtypeTimestamp.compare(reqCtypeTimestamp) >= 0) {
    throw new HttpError(409, undefined, { 'X-Backend-Timestamp': origTimestamp.internal });
  }

  const ctx = updateContext(r, devicePath);
  let metadata: ObjectMetadata;
  if (ts.isNewerThan(origTimestamp)) {
    metadata = { 'X-Timestamp': ts.internal };
    for (const [name, value] of Object.entries(r.headers)) {
      if (typeof value === 'string' && (isUserMeta(name) || isTransientSysmeta(name))) metadata[titleCase(name)] = value;
    }
    const copy = [...(headerValue(r.headers, 'x-backend-replication-headers') ?? '').split(/\s+/).filter(Boolean), ...s.conf.allowedHeaders];
    for (const name of copy) {
      const v = headerValue(r.headers, name.toLowerCase());
      if (v !== undefined) metadata[titleCase(name)] = v;
    }
    const origDeleteAt = Number(orig['X-Delete-At'] || 0);
    if (origDeleteAt !== newDeleteAt) {
      if (newDeleteAt) await s.updater.deleteAtUpdate('PUT', newDeleteAt, r.account, r.container, r.obj, ts, ctx);
      if (origDeleteAt) await s.updater.deleteAtUpdate('DELETE', origDeleteAt, r.account, r.container, r.obj, ts, ctx);
    }
  } else {
    // only the content-type may change: keep the current .meta's metadata
    metadata = { ...(object.metaMetadata ?? {}) };
    delete metadata.name;
  }

  let ctypeHeaders: { type: string; timestamp: Timestamp };
  if (reqCtypeTimestamp.isNewerThan(origCtypeTimestamp)) {
    ctypeHeaders = { type: reqCtype!, timestamp: reqCtypeTimestamp };
    metadata['Content-Type'] = reqCtype!;
    metadata['Content-Type-Timestamp'] = reqCtypeTimestamp.internal;
  } else {
    ctypeHeaders = { type: orig['Content-Type'] ?? '', timestamp: origCtypeTimestamp };
    if (!origCtypeTimestamp.equals(object.dataTimestamp)) {
      metadata['Content-Type'] = ctypeHeaders.type;
      metadata['Content-Type-Timestamp'] = origCtypeTimestamp.internal;
    }
  }
  const metaCtypeTs = Timestamp.tryParse(metadata['Content-Type-Timestamp']);
  await diskFile.writeMetadata(metadata, Timestamp.parse(metadata['X-Timestamp']), metaCtypeTs);

  let updateCtype = ctypeHeaders.type;
  if (!ctypeHeaders.timestamp.equals(object.dataTimestamp)) {
    // keep SLO's swift_bytes from the data file's content-type
    const m = /;\s*swift_bytes=(\d+)/.exec(object.dataMetadata['Content-Type'] ?? '');
    if (m) updateCtype += `;swift_bytes=${m[1]}`;
  }
  const update: Record<string, string> = {
    'x-size': orig['Content-Length'],
    'x-content-type': updateCtype,
    'x-timestamp': object.dataTimestamp.internal,
    'x-content-type-timestamp': ctypeHeaders.timestamp.internal,
    'x-meta-timestamp': metadata['X-Timestamp'],
    'x-etag': orig.ETag,
  };
  if (orig['X-Object-Sysmeta-Ec-Etag']) update['x-etag'] = orig['X-Object-Sysmeta-Ec-Etag'];
  if (orig['X-Object-Sysmeta-Ec-Content-Length']) update['x-size'] = orig['X-Object-Sysmeta-Ec-Content-Length'];
  applyContainerOverrides(update, orig);
  await s.updater.containerUpdate('PUT', r.account, r.container, r.obj, update, ctx);

  const headers: Headers = { 'X-Backend-Content-Type': ctypeHeaders.type };
  for (const [k, v] of Object.entries(orig)) if (isSysMeta(k)) headers[k] = v;
  send(r.res, 202, headers);
}
