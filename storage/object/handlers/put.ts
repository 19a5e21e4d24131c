/**
 * Object PUT (Swift's `ObjectController.PUT`): pre-create checks → stream
 * the body into a temp file while hashing → put(metadata) → commit →
 * expiring-object and container updates → 201.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { sendContinue } from '../../http/backend-server.js';
import { matches, normalizeEtag, parseMatch, type Timestamp } from '../../../common/index.js';
import { isSysOrUserMeta, isTransientSysmeta, titleCase, type ObjectMetadata } from '../metadata.js';
import { checkObjectCreation, validTimestamp } from '../request-checks.js';
import { HttpError, badRequest, send } from '../responses.js';
import { readFooters, wantsFooters } from '../footers.js';
import { splitMimePut } from '../mime-put.js';
import { headerValue, updateContext, type ObjectRequest, type ObjectServer } from './context.js';
import { openDiskFile, postCommitUpdates } from './shared.js';

export async function handlePut(s: ObjectServer, r: ObjectRequest): Promise<void> {
  const ts = validTimestamp(r.headers);
  const { length, deleteAt } = checkObjectCreation(r.headers, r.obj, s.swiftConf.constraints, ts);
  const { diskFile, devicePath } = await openDiskFile(s, r);
  const state = await diskFile.open(ts);
  let origMetadata: ObjectMetadata = {};
  let origTimestamp: Timestamp | undefined;
  if (state.status === 'exists') {
    origMetadata = state.object.metadata;
    origTimestamp = state.object.dataTimestamp;
    await state.object.close();
  } else if (state.status === 'expired') {
    origTimestamp = state.timestamp;
    await state.object.close();
  } else if (state.status === 'deleted') {
    origTimestamp = state.timestamp;
  }
  const ifNoneMatch = parseMatch(headerValue(r.headers, 'if-none-match'));
  if (ifNoneMatch && Object.keys(origMetadata).length > 0) {
    if (ifNoneMatch.has('*') || (origMetadata.ETag && matches(ifNoneMatch, origMetadata.ETag))) throw new HttpError(412);
  }
  if (origTimestamp && origTimestamp.compare(ts) >= 0) {
    throw new HttpError(409, undefined, { 'X-Backend-Timestamp': origTimestamp.internal });
  }

  const footerBoundary = wantsFooters(r.headers);
  const size = length ?? mimeObjectLength(r);
  if (size !== undefined && size > s.swiftConf.constraints.max_file_size) {
    throw new HttpError(413, 'Your request is too large.', { 'Content-Type': 'text/plain' });
  }
  const writer = await diskFile.writer();
  let etag: string;
  const mime = footerBoundary === undefined ? undefined : splitMimePut(r.req, footerBoundary);
  try {
    sendContinue(r.req, mime ? { 'X-Obj-Metadata-Footer': 'yes' } : undefined);
    const received = await receiveBody(mime?.object ?? r.req, writer.stream, {
      clientTimeout: s.conf.clientTimeout,
      maxUploadTime: s.conf.maxUploadTime,
      maxSize: s.swiftConf.constraints.max_file_size,
      // Swift's PUT.timeouts: an upload still going past max_upload_time (not a read that stalled).
      onUploadExpired: () => s.statsd?.increment('PUT.timeouts'),
    });
    if (size !== undefined && received.size !== size) throw new HttpError(499);
    const footers = mime ? await readFooters(mime.rest) : {};
    etag = received.etag;
    const sentEtag = normalizeEtag(footers.etag ?? headerValue(r.headers, 'etag') ?? '').toLowerCase();
    if (sentEtag && sentEtag !== etag) throw new HttpError(422);
    const metadata = requestMetadata(s, r, ts, received.size, etag, deleteAt);
    for (const [name, value] of Object.entries(footers)) {
      if (isSysOrUserMeta(name) || isTransientSysmeta(name)) metadata[titleCase(name)] = value;
    }
    await writer.put(metadata);
    await writer.commit(ts);
    await postCommitUpdates(s, r, ts, origMetadata, metadata, updateContext(r, devicePath), footers);
  } finally {
    mime?.object.destroy();
    await writer.abort();
  }
  send(r.res, 201, { Etag: `"${etag}"` });
}

/** The object's length a multipart MIME PUT declares (X-Backend-Obj-Content-Length), if it does. */
function mimeObjectLength(r: ObjectRequest): number | undefined {
  const v = headerValue(r.headers, 'x-backend-obj-content-length');
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v.trim())) throw badRequest('Invalid X-Backend-Obj-Content-Length');
  return Number(v);
}

/** Swift's `_get_request_metadata`: what a PUT stores with the object. */
function requestMetadata(
  s: ObjectServer, r: ObjectRequest, ts: Timestamp, size: number, etag: string, deleteAt: string | undefined,
): ObjectMetadata {
  const metadata: ObjectMetadata = {
    'X-Timestamp': ts.internal,
    'Content-Type': headerValue(r.headers, 'content-type') ?? '',
    'Content-Length': String(size),
    ETag: etag,
  };
  for (const [name, value] of Object.entries(r.headers)) {
    if (value === undefined) continue;
    if (isSysOrUserMeta(name) || isTransientSysmeta(name)) metadata[titleCase(name)] = Array.isArray(value) ? value.join(',') : value;
  }
  const copy = [...(headerValue(r.headers, 'x-backend-replication-headers') ?? '').split(/\s+/).filter(Boolean), ...s.conf.allowedHeaders];
  for (const name of copy) {
    const v = name.toLowerCase() === 'x-delete-at' ? deleteAt : headerValue(r.headers, name.toLowerCase());
    if (v !== undefined) metadata[titleCase(name)] = v;
  }
  return metadata;
}

interface BodyLimits {
  clientTimeout: number;
  maxUploadTime: number;
  maxSize: number;
  /** Told when the upload outlasts `maxUploadTime` (before the 408). */
  onUploadExpired?: () => void;
}

/**
 * Copies the request body into `out`, hashing and counting as it passes,
 * with Swift's limits: no read for `clientTimeout` s or the whole upload
 * past `maxUploadTime` s → 408; the client going away → 499.
 */
export function receiveBody(req: IncomingMessage | Readable, out: Writable, limits: BodyLimits): Promise<{ size: number; etag: string }> {
  return new Promise((resolve, reject) => {
    const md5 = createHash('md5');
    let size = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = Date.now() + limits.maxUploadTime * 1000;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      out.off('error', onOutError);
      if (err) {
        req.pause();
        reject(err);
      } else {
        resolve({ size, etag: md5.digest('hex') });
      }
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(new HttpError(408)), limits.clientTimeout * 1000);
    };
    const onData = (chunk: Buffer): void => {
      if (Date.now() > deadline) {
        limits.onUploadExpired?.();
        return finish(new HttpError(408));
      }
      size += chunk.length;
      if (size > limits.maxSize) return finish(new HttpError(413, 'Your request is too large.', { 'Content-Type': 'text/plain' }));
      md5.update(chunk);
      if (!out.write(chunk)) {
        clearTimeout(timer); // waiting on the disk, not the client
        req.pause();
        out.once('drain', () => {
          if (settled) return;
          arm();
          req.resume();
        });
      } else {
        arm();
      }
    };
    const onEnd = (): void => {
      clearTimeout(timer);
      out.end(() => finish());
    };
    const onClose = (): void => {
      const complete = 'complete' in req ? req.complete : req.readableEnded;
      if (!complete) finish(new HttpError(499));
    };
    const onOutError = (err: Error): void => finish(err);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onClose);
    out.on('error', onOutError);
    arm();
    if (req.readableEnded) onEnd();
    else req.resume();
  });
}

