/**
 * `PUT ?extract-archive=tar|tar.gz|tar.bz2`, as Swift's bulk: each regular
 * file of the archive becomes an object under the request's path
 * (`/v1/a` + `c/o`, `/v1/a/c` + `o`, `/v1/a/c/prefix` + `o`), PUT as a
 * subrequest through the rest of the pipeline (auth, quotas, … apply)
 * while the archive streams in; a container the first time it is named is
 * looked at and created if missing (at most max_containers_per_extraction).
 * The request's X-Delete-At/-After and X-Object-Meta-* go with every file,
 * a member's pax xattrs (`user.mime_type`, `user.meta.*`) with its own.
 * max_failed_extractions failures stop the work.
 */
import { Readable } from 'node:stream';
import { checkUtf8, quoteBytes } from '../../../common/index.js';
import type { App, Headers, SwiftRequest } from '../../types.js';
import { dropBody } from '../../response.js';
import { splitPath, unquoteBytes } from '../../request-path.js';
import { subrequest } from '../../subrequest.js';
import { ArchiveError, readArchive, type ArchiveEntry, type Compression } from './archive.js';
import { BulkAbort, BulkResult, statusLine } from './result.js';
import type { BulkConf } from './bulk-conf.js';

/** Swift's `pax_key_to_swift_header`: the pax records that are user metadata, as headers. */
function paxHeader(key: string): string | undefined {
  if (key === 'SCHILY.xattr.user.mime_type' || key === 'LIBARCHIVE.xattr.user.mime_type') return 'content-type';
  for (const prefix of ['SCHILY.xattr.user.meta.', 'LIBARCHIVE.xattr.user.meta.']) {
    if (key.startsWith(prefix)) return `x-object-meta-${key.slice(prefix.length)}`.toLowerCase();
  }
  return undefined;
}

/** What every file's PUT takes from the archive's request (Swift copies only these). */
function inheritedHeaders(req: SwiftRequest): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k === 'x-delete-at' || k === 'x-delete-after' || (k.startsWith('x-object-meta-') && k.length > 'x-object-meta-'.length)) out[k] = v;
  }
  return out;
}

/** Swift's `create_container`: HEAD it, PUT it when missing; true when created, the failing status otherwise. */
async function ensureContainer(next: App, req: SwiftRequest, path: string): Promise<true | false | number> {
  const call = async (method: string) => {
    const sub = subrequest(req, { method, path, agent: 'EA' });
    sub.env = { ...req.env };
    const resp = await next(sub);
    dropBody(resp.body);
    return resp.status;
  };
  const head = await call('HEAD');
  if (head >= 200 && head < 300) return false;
  if (head !== 404) return head;
  const put = await call('PUT');
  return put >= 200 && put < 300 ? true : put;
}

/** A member's object path under the upload path, as raw bytes in a latin1 string; undefined for a top-level file with no container. */
function objectPath(entry: ArchiveEntry, base: string): string | undefined {
  let p = entry.name.toString('latin1');
  if (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '');
  if (base) p = `${base}/${p}`;
  return p.includes('/') ? p : undefined;
}

export interface ExtractOptions {
  conf: BulkConf;
  compression: Compression;
  maxFileSize: number;
  signal: AbortSignal;
}

/** Swift's `handle_extract_iter`: reads the archive, PUTs its files, fills `result`. */
export async function extractArchive(next: App, req: SwiftRequest, result: BulkResult, o: ExtractOptions): Promise<void> {
  if (req.headers['content-length'] === undefined && (req.headers['transfer-encoding'] ?? '').toLowerCase() !== 'chunked') throw new BulkAbort(411);
  const segs = splitPath(unquoteBytes(req.path).toString('latin1'));
  if (!segs || !segs.account) throw new BulkAbort(404);
  const prefix = `/${segs.version}/${segs.account}/`;
  const base = [segs.container, segs.object].filter((s) => s !== undefined).join('/').replace(/\/+$/, '');
  const { conf } = o;
  const latin1 = (s: string) => Buffer.from(s, 'latin1');
  const quoted = (p: string) => quoteBytes(latin1(p).subarray(0, conf.maxPathLength));
  const fromRequest = inheritedHeaders(req);
  const accessed = new Set<string>();
  let failStatus = 400;
  let created = 0;
  try {
    for await (const entry of readArchive(req.body ?? Readable.from([]), o.compression)) {
      if (result.errors.length >= conf.maxFailedExtractions || o.signal.aborted) break;
      if (!entry.isFile) continue;
      const path = objectPath(entry, base);
      if (path === undefined) continue;
      const destination = latin1(prefix + path);
      const container = path.split('/', 1)[0];
      if (!checkUtf8(destination)) {
        result.errors.push([quoted(path), statusLine(412)]);
        continue;
      }
      if (entry.size > o.maxFileSize) {
        result.errors.push([quoted(path), statusLine(413)]);
        continue;
      }
      let containerFailure: [string, string] | undefined;
      if (!accessed.has(container)) {
        const containerPath = prefix + container;
        const made = await ensureContainer(next, req, quoteBytes(latin1(containerPath)));
        if (made === true && ++created > conf.maxContainersPerExtraction) {
          throw new BulkAbort(400, `More than ${conf.maxContainersPerExtraction} containers to create from tar.`);
        }
        if (typeof made === 'number') {
          // The object PUT may still succeed (ACLs); the failure shows only if it does not.
          containerFailure = [quoted(containerPath), statusLine(made)];
          if (made === 401) throw new BulkAbort(401);
        }
      }
      const headers: Headers = { ...fromRequest, 'content-length': String(entry.size) };
      for (const [k, v] of Object.entries(entry.pax)) {
        const name = paxHeader(k);
        if (name) headers[name] = v;
      }
      const sub = subrequest(req, { method: 'PUT', path: quoteBytes(destination), headers, agent: 'BulkExpand' });
      sub.env = { ...req.env };
      sub.body = entry.body;
      const resp = await next(sub);
      dropBody(resp.body);
      await entry.skip();
      accessed.add(container);
      if (resp.status >= 200 && resp.status < 300) {
        result.count('Number Files Created');
        continue;
      }
      if (containerFailure) result.errors.push(containerFailure);
      if (resp.status === 401) {
        result.errors.push([quoted(path), statusLine(401)]);
        throw new BulkAbort(401);
      }
      if (resp.status >= 500) failStatus = 502;
      result.errors.push([quoted(path), statusLine(resp.status)]);
    }
  } catch (err) {
    if (err instanceof ArchiveError) throw new BulkAbort(400, `Invalid Tar File: ${err.message}`);
    throw err;
  }
  if (result.errors.length) result.setStatus(failStatus);
  else if (!result.get('Number Files Created')) result.setStatus(400, 'Invalid Tar File: No Valid Files');
}
