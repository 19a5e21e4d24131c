/** Steps several verbs share: finding the DiskFile, and the updates after a write. */
import { Timestamp } from '../../../common/index.js';
import type { DiskFile } from '../disk-file.js';
import { DeviceUnavailableError } from '../errors.js';
import type { UpdateContext } from '../container-update.js';
import type { ObjectMetadata } from '../metadata.js';
import { HttpError } from '../responses.js';
import { headerValue, type ObjectRequest, type ObjectServer } from './context.js';

/** 507 with Swift's body when the device is unavailable. */
export function insufficientStorage(device: string): HttpError {
  return new HttpError(507, undefined, { 'x-drive': device });
}

export async function openDiskFile(s: ObjectServer, r: ObjectRequest): Promise<{ diskFile: DiskFile; devicePath: string }> {
  try {
    const diskFile = await s.manager.diskFile(r.device, r.partition, r.account, r.container, r.obj, r.policyIndex);
    return { diskFile, devicePath: diskFile.devicePath };
  } catch (err) {
    if (err instanceof DeviceUnavailableError) throw insufficientStorage(r.device);
    throw err;
  }
}

type OverrideSource = ObjectMetadata | Record<string, string | string[] | undefined>;

/**
 * Swift's `_check_container_override`: X-Backend-Container-Update-Override-*
 * then X-Object-Sysmeta-Container-Update-Override-* replace update headers;
 * for each prefix, a later source (a PUT's footers) wins over an earlier one.
 */
export function applyContainerOverrides(update: Record<string, string>, ...sources: OverrideSource[]): void {
  for (const prefix of ['x-backend-container-update-override-', 'x-object-sysmeta-container-update-override-']) {
    for (const source of sources) {
      for (const [key, value] of Object.entries(source)) {
        if (typeof value !== 'string') continue;
        const lower = key.toLowerCase();
        if (lower.startsWith(prefix)) update[`x-${lower.slice(prefix.length)}`] = value;
      }
    }
  }
}

/** Swift's `_post_commit_updates` after a PUT. */
export async function postCommitUpdates(
  s: ObjectServer, r: ObjectRequest, ts: Timestamp, orig: ObjectMetadata, metadata: ObjectMetadata, ctx: UpdateContext,
  footers: Record<string, string> = {},
): Promise<void> {
  const origDeleteAt = Number(orig['X-Delete-At'] || 0);
  const newDeleteAt = Number(metadata['X-Delete-At'] || 0);
  if (origDeleteAt !== newDeleteAt) {
    if (newDeleteAt) await s.updater.deleteAtUpdate('PUT', newDeleteAt, r.account, r.container, r.obj, ts, ctx);
    if (origDeleteAt) await s.updater.deleteAtUpdate('DELETE', origDeleteAt, r.account, r.container, r.obj, ts, ctx);
  }
  const update: Record<string, string> = {
    'x-size': metadata['Content-Length'],
    'x-content-type': metadata['Content-Type'],
    'x-timestamp': metadata['X-Timestamp'],
    'x-etag': metadata.ETag,
  };
  applyContainerOverrides(update, r.headers, footers);
  await s.updater.containerUpdate('PUT', r.account, r.container, r.obj, update, ctx);
}

/** The time a read is judged at: the request's X-Timestamp, or now. */
export function readTimestamp(r: ObjectRequest): Timestamp {
  const raw = headerValue(r.headers, 'x-timestamp');
  if (raw === undefined) return Timestamp.now();
  const ts = Timestamp.tryParse(raw);
  if (!ts) throw new HttpError(400, 'Invalid X-Timestamp header', { 'Content-Type': 'text/plain' });
  return ts;
}
