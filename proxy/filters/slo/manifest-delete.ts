/**
 * `DELETE ?multipart-manifest=delete`, as Swift's slo: every segment of the
 * manifest (nested manifests expanded, each deleted after its own
 * segments) and then the manifest itself, `delete_concurrency` at a time,
 * answered as Swift's bulk delete answers: 200, whitespace while it takes
 * long, then the result (Number Deleted, Number Not Found, Errors) in the
 * Accept-ed format.
 */
import { Readable } from 'node:stream';
import { configTrueValue } from '../../../common/index.js';
import type { App, SwiftRequest, SwiftResponse } from '../../types.js';
import { dropBody, readSmallBody, reasonFor } from '../../response.js';
import { quotePath } from '../../../common/index.js';
import { subrequest } from '../../subrequest.js';
import { bestFormat, bulkBody } from './formats.js';
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

const statusLine = (s: number) => `${s} ${reasonFor(s)}`;

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

export function deleteManifest(next: App, req: SwiftRequest, version: string, account: string, self: string, conf: SloConf): SwiftResponse {
  const format = bestFormat(req.headers.accept);
  const result: Record<string, string | number> = { 'Response Status': '200 OK', 'Response Body': '', 'Number Deleted': 0, 'Number Not Found': 0 };
  const failed: [string, string][] = [];
  let failStatus = 400;
  const work = (async () => {
    if (!format) {
      result['Response Status'] = statusLine(406);
      return;
    }
    const items = await segmentsToDelete(next, req, version, account, self, conf);
    let i = 0;
    const worker = async () => {
      while (i < items.length) {
        const item = items[i++];
        if (!item.name) continue;
        if (item.error) {
          if (item.error.code === 404) (result['Number Not Found'] as number)++;
          else failed.push([quotePath(item.name), item.error.message]);
          continue;
        }
        const query = item.versionId === undefined ? '' : `version-id=${encodeURIComponent(item.versionId)}`;
        const resp = await next(subrequest(req, { method: 'DELETE', path: quotePath(`/${version}/${account}/${item.name.replace(/^\/+/, '')}`), query, agent: 'MultipartDELETE' }));
        dropBody(resp.body);
        if (resp.status >= 200 && resp.status < 300) (result['Number Deleted'] as number)++;
        else if (resp.status === 404) (result['Number Not Found'] as number)++;
        else {
          if (resp.status >= 500) failStatus = 502;
          failed.push([quotePath(item.name), statusLine(resp.status)]);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, conf.deleteConcurrency) }, worker));
    if (failed.length) result['Response Status'] = statusLine(failStatus);
    else if (!(result['Number Deleted'] || result['Number Not Found'])) {
      result['Response Status'] = statusLine(400);
      result['Response Body'] = 'Invalid bulk delete.';
    }
  })().catch((err: unknown) => {
    if (err instanceof ManifestLoadError) {
      result['Response Status'] = statusLine(err.code);
      result['Response Body'] = err.message;
    } else {
      result['Response Status'] = statusLine(500);
    }
  });
  async function* body(): AsyncGenerator<Buffer> {
    let separator = '';
    let settled = false;
    const done = work.finally(() => (settled = true));
    while (!settled) {
      await Promise.race([done, new Promise((r) => setTimeout(r, conf.yieldFrequency * 1000).unref())]);
      if (!settled) {
        yield Buffer.from(format?.endsWith('/xml') && !separator ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ' ');
        separator = '\r\n\r\n';
      }
    }
    yield Buffer.from(separator + bulkBody(format, result, failed, 'delete'));
  }
  const headers = format ? { 'content-type': format } : { 'content-type': 'text/html; charset=UTF-8' };
  return { status: 200, headers, body: Readable.from(body(), { objectMode: false }) };
}
