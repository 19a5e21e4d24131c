/**
 * Object DELETE (Swift's `ObjectController.DELETE`): a `.ts` tombstone when
 * the request is newer than what is stored; 204 when an object was there,
 * 404 when not, 409 when something newer is; X-If-Delete-At for the expirer.
 */
import { Timestamp } from '../../../common/index.js';
import type { ObjectMetadata } from '../metadata.js';
import { validTimestamp } from '../request-checks.js';
import { HttpError, send } from '../responses.js';
import { headerValue, updateContext, type ObjectRequest, type ObjectServer } from './context.js';
import { openDiskFile } from './shared.js';

export async function handleDelete(s: ObjectServer, r: ObjectRequest): Promise<void> {
  const ts = validTimestamp(r.headers);
  const { diskFile, devicePath } = await openDiskFile(s, r);
  const state = await diskFile.open(ts);
  let origTimestamp: Timestamp = Timestamp.zero;
  let origMetadata: ObjectMetadata = {};
  let status: 204 | 404 | 409;
  if (state.status === 'expired') {
    origTimestamp = state.timestamp;
    origMetadata = state.object.metadata;
    await state.object.close();
    status = 404;
  } else if (state.status === 'deleted') {
    origTimestamp = state.timestamp;
    status = 404;
  } else if (state.status === 'missing') {
    status = 404;
  } else {
    origTimestamp = state.object.dataTimestamp;
    origMetadata = state.object.metadata;
    await state.object.close();
    status = origTimestamp.compare(ts) < 0 ? 204 : 409;
  }
  const responseTimestamp = Timestamp.max(origTimestamp, ts);
  const origDeleteAt = Timestamp.parse(origMetadata['X-Delete-At'] || 0);
  const ifDeleteAt = headerValue(r.headers, 'x-if-delete-at');
  if (ifDeleteAt !== undefined) {
    const want = Timestamp.tryParse(ifDeleteAt);
    if (!want) throw new HttpError(400, 'Bad X-If-Delete-At header value');
    if (origTimestamp.equals(Timestamp.zero)) throw new HttpError(404);
    if (origTimestamp.compare(ts) >= 0) throw new HttpError(409);
    if (!origDeleteAt.equals(want)) throw new HttpError(412, 'X-If-Delete-At and X-Delete-At do not match');
    status = 204;
  }
  const ctx = updateContext(r, devicePath);
  if (origDeleteAt.raw > 0) await s.updater.deleteAtUpdate('DELETE', origDeleteAt.seconds, r.account, r.container, r.obj, ts, ctx);
  if (origTimestamp.compare(ts) < 0) {
    await diskFile.delete(ts);
    await s.updater.containerUpdate('DELETE', r.account, r.container, r.obj, { 'x-timestamp': ts.internal }, ctx);
  }
  send(r.res, status, {
    'X-Backend-Timestamp': responseTimestamp.internal,
    'X-Backend-Content-Type': origMetadata['Content-Type'] ?? '',
  });
}
