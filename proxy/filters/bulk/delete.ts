/**
 * `POST|DELETE ?bulk-delete`, as Swift's bulk: the body is a newline
 * separated list of url-encoded `/container/object` or `/container` names
 * (at most max_deletes_per_request); each becomes a DELETE subrequest
 * through the rest of the pipeline, delete_concurrency at a time, objects
 * before containers, so a listed container emptied by the same request
 * can go too. Counted as deleted, not found, or failed with its status;
 * max_failed_deletes failures stop the work.
 */
import type { Readable } from 'node:stream';
import { checkUtf8, quoteBytes } from '../../../common/index.js';
import type { App, SwiftRequest } from '../../types.js';
import { dropBody } from '../../response.js';
import { splitPath, unquoteBytes } from '../../request-path.js';
import { subrequest } from '../../subrequest.js';
import { BulkAbort, BulkResult, statusLine } from './result.js';
import type { BulkConf } from './bulk-conf.js';

/** Python's bytes.strip(): ASCII whitespace off both ends. */
function stripBytes(b: Buffer): Buffer {
  let s = 0;
  let e = b.length;
  const ws = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  while (s < e && ws(b[s])) s++;
  while (e > s && ws(b[e - 1])) e--;
  return b.subarray(s, e);
}

/** A latin1 string of raw bytes → unquoted name bytes. */
const nameOf = (line: Buffer): Buffer => unquoteBytes(stripBytes(line).toString('latin1'));

/**
 * Swift's `get_objs_to_delete`: the body's names, unquoted (raw bytes),
 * without buffering more than one name beyond the limit.
 */
export async function readNamesToDelete(req: SwiftRequest, conf: BulkConf): Promise<Buffer[]> {
  if (req.headers['content-length'] === undefined && (req.headers['transfer-encoding'] ?? '').toLowerCase() !== 'chunked') throw new BulkAbort(411);
  const names: Buffer[] = [];
  let line = Buffer.alloc(0);
  const check = () => {
    if (names.length > conf.maxDeletesPerRequest) throw new BulkAbort(413, `Maximum Bulk Deletes: ${conf.maxDeletesPerRequest} per request`);
    if (line.length > conf.maxPathLength * 2) throw new BulkAbort(400, 'Invalid File Name');
  };
  for await (const chunk of (req.body ?? []) as Readable | []) {
    line = Buffer.concat([line, chunk as Buffer]);
    let nl: number;
    while ((nl = line.indexOf(0x0a)) !== -1) {
      names.push(nameOf(line.subarray(0, nl)));
      line = line.subarray(nl + 1);
      check();
    }
    check();
  }
  const last = nameOf(line);
  if (last.length) names.push(last);
  check();
  return names;
}

/** Swift's `name.strip('/')` contains a slash: an object, deleted before the containers. */
function isObjectName(name: Buffer): boolean {
  let s = 0;
  let e = name.length;
  while (s < e && name[s] === 0x2f) s++;
  while (e > s && name[e - 1] === 0x2f) e--;
  return name.subarray(s, e).includes(0x2f);
}

/** The request's `/<version>/<account>/` as raw bytes (a latin1 string), or undefined where Swift's split_path(2, 3) fails. */
function accountPrefix(req: SwiftRequest): string | undefined {
  const segs = splitPath(unquoteBytes(req.path).toString('latin1'));
  if (!segs || !segs.account) return undefined;
  return `/${segs.version}/${segs.account}/`;
}

/** One name to delete, as bulk reads it or slo finds it in a manifest (with why it cannot be, or the version to delete). */
export interface DeleteItem {
  /** `/container/object` or `/container`, raw bytes (leading slashes optional). */
  name: Buffer;
  /** Known before any DELETE (slo: a sub-manifest that could not be read): 404 counts as not found, others fail. */
  error?: { code: number; message: string };
  /** Sent as `?version-id=` (slo deleting a versioned manifest). */
  versionId?: string;
}

export interface DeleteOptions {
  limits: Pick<BulkConf, 'deleteConcurrency' | 'maxFailedDeletes' | 'deleteContainerRetryCount'>;
  /** Named in each subrequest's user agent (Swift's `BulkDelete`, `MultipartDELETE`). */
  agent: string;
  signal: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The deleting half of Swift's `handle_delete_iter`, shared with slo: the
 * items under the request's account, objects before containers,
 * `deleteConcurrency` at a time; fills `result` ("Number Deleted", "Number
 * Not Found", the errors, the status).
 */
export async function deleteItems(next: App, req: SwiftRequest, items: DeleteItem[], result: BulkResult, o: DeleteOptions): Promise<void> {
  const prefix = accountPrefix(req);
  if (prefix === undefined) throw new BulkAbort(404);
  let failStatus = 400;

  const deleteOne = async (item: DeleteItem): Promise<void> => {
    const { name } = item;
    const quoted = quoteBytes(name);
    if (item.error) {
      if (item.error.code === 404) result.count('Number Not Found');
      else result.errors.push([quoted, item.error.message]);
      return;
    }
    let s = 0;
    while (s < name.length && name[s] === 0x2f) s++;
    const path = Buffer.concat([Buffer.from(prefix, 'latin1'), name.subarray(s)]);
    if (!checkUtf8(path)) {
      result.errors.push([quoted, statusLine(412)]);
      return;
    }
    const query = item.versionId === undefined ? '' : `version-id=${encodeURIComponent(item.versionId)}`;
    for (let retry = 0; ; retry++) {
      const sub = subrequest(req, { method: 'DELETE', path: quoteBytes(path), query, headers: { 'content-length': '0' }, agent: o.agent });
      // Its own environment: concurrent subrequests each get authorized on their own.
      sub.env = { ...req.env };
      const resp = await next(sub);
      dropBody(resp.body);
      if (resp.status >= 200 && resp.status < 300) result.count('Number Deleted');
      else if (resp.status === 404) result.count('Number Not Found');
      else if (resp.status === 409 && retry < o.limits.deleteContainerRetryCount && !o.signal.aborted) {
        await (o.sleep ?? pause)(1000 * 1.5 ** (retry + 1));
        continue;
      } else {
        if (resp.status >= 500) failStatus = 502;
        result.errors.push([quoted, statusLine(resp.status)]);
      }
      return;
    }
  };

  const named = items.filter((i) => i.name.length);
  let tooManyFailures = false;
  for (const phase of [named.filter((i) => isObjectName(i.name)), named.filter((i) => !isObjectName(i.name))]) {
    let cursor = 0;
    const worker = async () => {
      while (cursor < phase.length && !tooManyFailures && !o.signal.aborted) {
        await deleteOne(phase[cursor++]);
        if (result.errors.length >= o.limits.maxFailedDeletes) tooManyFailures = true;
      }
    };
    await Promise.all(Array.from({ length: o.limits.deleteConcurrency }, worker));
    if (tooManyFailures) throw new BulkAbort(400, 'Max delete failures exceeded');
  }
  if (result.errors.length) result.setStatus(failStatus);
  else if (!(result.get('Number Deleted') || result.get('Number Not Found'))) result.setStatus(400, 'Invalid bulk delete.');
}

/** Swift's `handle_delete_iter` over a bulk-delete request: checks it, reads the names, deletes them. */
export async function bulkDelete(next: App, req: SwiftRequest, result: BulkResult, conf: BulkConf, o: Omit<DeleteOptions, 'limits'>): Promise<void> {
  if (accountPrefix(req) === undefined) throw new BulkAbort(404);
  const ctype = req.headers['content-type'];
  if (ctype && !ctype.startsWith('text/plain')) throw new BulkAbort(406);
  const names = await readNamesToDelete(req, conf);
  await deleteItems(next, req, names.map((name) => ({ name })), result, { ...o, limits: conf });
}
