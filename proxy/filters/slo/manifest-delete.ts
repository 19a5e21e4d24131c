/**
 * `DELETE ?multipart-manifest=delete`, as Swift's slo: every segment of the
 * manifest (nested manifests expanded, each deleted after its own
 * segments) and then the manifest itself, `delete_concurrency` at a time,
 * answered as Swift's bulk delete answers: 200, whitespace while it takes
 * long, then the result (Number Deleted, Number Not Found, Errors) in the
 * Accept-ed format.
 */
import { configTrueValue, type Logger } from '../../../common/index.js';
import type { App, SwiftRequest, SwiftResponse } from '../../types.js';
import { dropBody, readSmallBody } from '../../response.js';
import { quotePath } from '../../../common/index.js';
import { subrequest } from '../../subrequest.js';
import { bestFormat } from './formats.js';
import { BulkAbort, BulkResult, bulkResponse } from '../bulk/result.js';
import { deleteItems } from '../bulk/delete.js';
import type { StoredSegment } from './manifest-put.js';
import type { SloConf } from './slo-conf.js';

interface ToDelete {
  name: string;
  error?: { code: number; message: string };
  /** The manifest's own version when the request named one (`?version-id=`, object versioning). */
  versionId?: string;
}

/** The request's `?version-id=`, which Swift sends with every manifest read and the manifest's own DELETE. */
function versionIdOf(req: SwiftRequest): string | undefined {
  return new URLSearchParams(req.query).get('version-id') ?? undefined;
}

export class ManifestLoadError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** Swift's `get_slo_segments`: the manifest's segments, or why not. */
export async function loadSegments(next: App, req: SwiftRequest, version: string, account: string, name: string): Promise<StoredSegment[]> {
  const resp = await next(subrequest(req, {
    method: 'GET',
    path: quotePath(`/${version}/${account}/${name.replace(/^\/+/, '')}`),
    query: versionIdOf(req) === undefined ? 'multipart-manifest=get' : `multipart-manifest=get&version-id=${encodeURIComponent(versionIdOf(req)!)}`,
    // Only the last byte of an object that is not a manifest.
    headers: { range: 'bytes=-1', 'x-backend-ignore-range-if-metadata-present': 'x-static-large-object' },
    agent: 'MultipartDELETE',
  }));
  if (resp.status >= 200 && resp.status < 300) {
    if (!configTrueValue(resp.headers['x-static-large-object'])) {
      dropBody(resp.body);
      throw new ManifestLoadError(400, 'Not an SLO manifest');
    }
    try {
      return JSON.parse((await readSmallBody(resp.body)).toString('utf8')) as StoredSegment[];
    } catch {
      throw new ManifestLoadError(500, 'Unable to load SLO manifest');
    }
  }
  dropBody(resp.body);
  if (resp.status === 404) throw new ManifestLoadError(404, 'SLO manifest not found');
  if (resp.status === 401) throw new ManifestLoadError(401, '401 Unauthorized');
  throw new ManifestLoadError(500, 'Unable to load SLO manifest or segment.');
}

/** Swift's `get_segments_to_delete_iter`, gathered (bounded by max_manifest_segments × 10). */
async function segmentsToDelete(next: App, req: SwiftRequest, version: string, account: string, self: string, conf: SloConf): Promise<ToDelete[]> {
  const queue: (StoredSegment & { error?: ToDelete['error']; versionId?: string })[] = [{ sub_slo: true, name: self, versionId: versionIdOf(req) }];
  const out: ToDelete[] = [];
  while (queue.length) {
    if (queue.length > conf.maxManifestSegments * 10) throw new ManifestLoadError(400, 'Too many buffered slo segments to delete.');
    const seg = queue.shift()!;
    if (seg.data !== undefined) continue;
    if (seg.sub_slo) {
      try {
        queue.push(...await loadSegments(next, req, version, account, seg.name ?? ''));
      } catch (err) {
        if (!(err instanceof ManifestLoadError)) throw err;
        seg.error = { code: err.code, message: err.message };
      }
      queue.push({ ...seg, sub_slo: false });
    } else {
      out.push({ name: seg.name ?? '', error: seg.error, versionId: seg.versionId });
    }
  }
  return out;
}

/**
 * Swift's `handle_multipart_delete`: bulk's delete (its heartbeats, result
 * body and limits: max_failed_deletes 1000, no cap on the count) over the
 * manifest's segments and then the manifest.
 */
export function deleteManifest(next: App, req: SwiftRequest, version: string, account: string, self: string, conf: SloConf, logger: Logger): SwiftResponse {
  const format = bestFormat(req.headers.accept);
  const result = new BulkResult(200, ['Number Deleted', 'Number Not Found']);
  const opts = { format, yieldFrequency: conf.yieldFrequency, rootTag: 'delete', result, logger, what: 'Error in bulk delete.' };
  return bulkResponse(opts, async (signal) => {
    let items: ToDelete[];
    try {
      items = await segmentsToDelete(next, req, version, account, self, conf);
    } catch (err) {
      if (err instanceof ManifestLoadError) throw new BulkAbort(err.code, err.message);
      throw err;
    }
    const limits = { deleteConcurrency: Math.max(1, conf.deleteConcurrency), maxFailedDeletes: 1000, deleteContainerRetryCount: 0 };
    const named = items.map((i) => ({ name: Buffer.from(i.name, 'utf8'), error: i.error, versionId: i.versionId }));
    await deleteItems(next, req, named, result, { limits, agent: 'MultipartDELETE', signal });
  });
}
