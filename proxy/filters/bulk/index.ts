/**
 * bulk: many operations in one request, as Swift's filter of that name.
 * `PUT ?extract-archive=tar|tar.gz|tar.bz2` expands an archive into the
 * account (extract.ts); `POST|DELETE ?bulk-delete` deletes a list of
 * objects and containers (delete.ts). Both answer 200 at once and stream
 * heartbeats and then the real result (result.ts). Published in /info as
 * `bulk_upload` and `bulk_delete` with their limits.
 */
import type { FilterFactory, PipelineContext } from '../../types.js';
import { makeResponse } from '../../response.js';
import { parseQuery } from '../../request-path.js';
import { DEFAULT_CONSTRAINTS } from '../../../common/index.js';
import { bestFormat } from '../slo/formats.js';
import { bulkConf } from './bulk-conf.js';
import { bulkResponse, BulkResult } from './result.js';
import { extractArchive } from './extract.js';
import { bulkDelete } from './delete.js';
import type { Compression } from './archive.js';

const ARCHIVES: Record<string, Compression> = { tar: '', 'tar.gz': 'gz', 'tar.bz2': 'bz2' };

/** Python's `s.strip('.')`. */
const stripDots = (s: string) => s.replace(/^\.+|\.+$/g, '');

/** The cluster's constraints as the proxy app published them (known once the app is built). */
function swiftInfo(ctx: PipelineContext) {
  const info = ctx.info.swift ?? {};
  const num = (k: keyof typeof DEFAULT_CONSTRAINTS) => Number(info[k] ?? DEFAULT_CONSTRAINTS[k]);
  return { max_object_name_length: num('max_object_name_length'), max_container_name_length: num('max_container_name_length'), max_file_size: num('max_file_size') };
}

export const bulk: FilterFactory = (section, ctx) => {
  const published = bulkConf(section, DEFAULT_CONSTRAINTS);
  ctx.registerInfo('bulk_upload', {
    max_containers_per_extraction: published.maxContainersPerExtraction,
    max_failed_extractions: published.maxFailedExtractions,
  });
  ctx.registerInfo('bulk_delete', {
    max_deletes_per_request: published.maxDeletesPerRequest,
    max_failed_deletes: published.maxFailedDeletes,
  });
  return (next) => {
    const constraints = swiftInfo(ctx);
    const conf = bulkConf(section, constraints);
    return async (req) => {
      const query = parseQuery(req.query);
      const extractType = query.get('extract-archive');
      const respond = (rootTag: string, what: string, counters: string[], status: number) => {
        const format = bestFormat(req.headers.accept);
        const result = new BulkResult(status, counters);
        return { format, result, opts: { format, yieldFrequency: conf.yieldFrequency, rootTag, result, logger: ctx.logger, what } };
      };
      if (query.has('bulk-delete') && (req.method === 'POST' || req.method === 'DELETE')) {
        const { opts, result } = respond('delete', 'Error in bulk delete.', ['Number Deleted', 'Number Not Found'], 200);
        return bulkResponse(opts, (signal) => bulkDelete(next, req, result, conf, { agent: 'BulkDelete', signal }));
      }
      if (extractType !== undefined && req.method === 'PUT') {
        const compression = ARCHIVES[stripDots(extractType.toLowerCase())];
        if (compression === undefined) return makeResponse(400, 'Unsupported archive format');
        const { opts, result } = respond('extract', 'Error in extract archive.', ['Number Files Created'], 201);
        return bulkResponse(opts, (signal) => extractArchive(next, req, result, { conf, compression, maxFileSize: constraints.max_file_size, signal }));
      }
      return next(req);
    };
  };
};
