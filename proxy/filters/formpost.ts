/**
 * formpost (Swift's `egg:swift#formpost`): a browser's HTML form upload
 * (`POST`, `multipart/form-data`) to `/v1/<account>/<container>[/<prefix>]`
 * becomes one object PUT per file, `<prefix><filename>`, when the form's
 * `signature` is the HMAC, under a tempurl key of the account or container,
 * of `<path>\n<redirect>\n<max_file_size>\n<max_file_count>\n<expires>`.
 * The form's other fields (`redirect`, `max_file_size`, `max_file_count`,
 * `expires`, `signature`, `x_delete_at`, `x_delete_after`, `content-type`,
 * `content-encoding`) must come before its files: the body streams through
 * (busboy parses it; a file goes to its PUT as it arrives, never held
 * whole), so a field after a file only applies to the files after it. The
 * answer is `<status>` as text, or a 303 to `redirect` with `status` and
 * `message` added to its query. Place it before the auth filter.
 */
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import busboy from 'busboy';
import { quotePath } from '../../common/index.js';
import type { FilterFactory, Headers, PipelineContext, SwiftRequest, SwiftResponse } from '../types.js';
import { filterStatsd } from './filter-statsd.js';
import { makeResponse, reasonFor } from '../response.js';
import { unquoteBytes } from '../request-path.js';
import { drain, subrequest } from './subrequest.js';
import { allowedDigests, extractDigest, hmacHex, pythonInt, sameSignature, tempUrlKeys, type Digest } from './signatures.js';

/** The longest field value kept; the rest is dropped (Swift's MAX_VALUE_LENGTH). */
const MAX_VALUE_LENGTH = 4096;

/** A form Swift refuses with 400 `FormPost: <message>`. */
class FormInvalid extends Error {}
/** A form Swift refuses with 401 `FormPost: <Message In Title Case>`. */
class FormUnauthorized extends Error {}

type Part =
  | { kind: 'field'; name: string; value: string }
  | { kind: 'file'; filename: string; contentType: string; stream: Readable };

/** Python's `str.title()`: each run of letters capitalised. */
function pyTitle(s: string): string {
  return s.replace(/[A-Za-z]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase());
}

/** Python's `parse_content_disposition` of a Content-Type: the type as given and its attributes. */
function parseHeaderValue(value: string): { type: string; attrs: Record<string, string> } {
  const semi = value.indexOf(';');
  const type = (semi === -1 ? value : value.slice(0, semi)).trim();
  const attrs: Record<string, string> = {};
  const re = /\s*([^\s=;]+)\s*=\s*("[^"]*"|[^;]*)\s*;?/y;
  const rest = semi === -1 ? '' : value.slice(semi + 1).trim();
  for (let m = re.exec(rest); m; m = re.exec(rest)) attrs[m[1]] = m[2].replace(/^"+|"+$/g, '');
  return { type, attrs };
}

/**
 * The form's parts, in order, as busboy finds them in the body. A file part
 * is handed over with its stream live: the next part comes once it is read.
 */
function formParts(req: SwiftRequest, contentType: string): { parts: AsyncIterable<Part>; stop: () => void } {
  const queue: (Part | Error | null)[] = [];
  let wake: (() => void) | undefined;
  const push = (p: Part | Error | null) => {
    queue.push(p);
    wake?.();
  };
  const bb = busboy({
    headers: { 'content-type': contentType },
    preservePath: true,
    defParamCharset: 'utf8',
    limits: { fieldSize: MAX_VALUE_LENGTH },
  });
  bb.on('field', (name, value) => push({ kind: 'field', name, value }));
  bb.on('file', (name, stream, info) => {
    if (info.filename) {
      push({ kind: 'file', filename: info.filename, contentType: info.mimeType, stream });
      return;
    }
    // A part without a file name is a field to Swift, whatever its type.
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      if (size < MAX_VALUE_LENGTH) chunks.push(c.subarray(0, MAX_VALUE_LENGTH - size));
      size += c.length;
    });
    stream.on('end', () => push({ kind: 'field', name, value: Buffer.concat(chunks).toString('utf8') }));
  });
  bb.on('error', (err: Error) => push(err));
  bb.on('close', () => push(null));
  const body = req.body;
  if (body) body.pipe(bb);
  else bb.end();
  const stop = () => {
    if (!body) return;
    body.unpipe(bb);
    body.resume();
  };
  async function* parts(): AsyncGenerator<Part> {
    for (;;) {
      while (!queue.length) await new Promise<void>((r) => (wake = r));
      const p = queue.shift()!;
      if (p === null) return;
      if (p instanceof Error) throw p;
      yield p;
    }
  }
  return { parts: parts(), stop };
}

/** Counts a file's bytes on the way to its PUT, failing the stream past `max` (Swift's _CappedFileLikeObject). */
class CappedStream extends Transform {
  exceeded = false;
  private amountRead = 0;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.amountRead += chunk.length;
    if (this.amountRead > this.max) {
      this.exceeded = true;
      cb(new Error('max_file_size exceeded'));
      return;
    }
    cb(null, chunk);
  }
}

interface FormOutcome {
  status: string;
  message: string;
  headers: Headers;
}

export const formpost: FilterFactory = (conf, ctx) => {
  const digests = allowedDigests(conf.allowed_digests, ctx.logger, 'formpost');
  // Swift's formpost logger has the proxy's log name: proxy-server.formpost.digests.<digest>.
  const statsd = filterStatsd(conf, ctx);
  ctx.registerInfo('formpost', {
    allowed_digests: digests.allowed,
    ...(digests.deprecated.length ? { deprecated_digests: digests.deprecated } : {}),
  });

  /** The PUT of one file, checked against the form's fields so far; its status line and headers. */
  async function putFile(req: SwiftRequest, next: (r: SwiftRequest) => Promise<SwiftResponse>, attrs: Map<string, string>, file: Part & { kind: 'file' }, keys: string[]): Promise<{ status: string; headers: Headers }> {
    if (!keys.length) throw new FormUnauthorized('invalid signature');
    const maxFileSize = pythonInt(attrs.get('max_file_size') || '0');
    if (maxFileSize === undefined) throw new FormInvalid('max_file_size not an integer');
    const headers: Headers = { 'transfer-encoding': 'chunked' };
    for (const h of ['user-agent', 'host', 'referer', 'origin', 'access-control-request-method']) {
      if (req.headers[h] !== undefined) headers[h] = req.headers[h];
    }
    const deleteAt = attrs.get('x_delete_at');
    if (deleteAt !== undefined) {
      const n = pythonInt(deleteAt);
      if (n === undefined) throw new FormInvalid('x_delete_at not an integer: Unix timestamp required.');
      headers['x-delete-at'] = String(n);
    }
    const deleteAfter = attrs.get('x_delete_after');
    if (deleteAfter !== undefined) {
      const n = pythonInt(deleteAfter);
      if (n === undefined) throw new FormInvalid('x_delete_after not an integer: Number of seconds required.');
      headers['x-delete-after'] = String(n);
    }
    const contentType = attrs.has('content-type') ? attrs.get('content-type') : file.contentType;
    if (contentType !== undefined) headers['content-type'] = contentType || 'application/octet-stream';
    const encoding = attrs.get('content-encoding');
    if (encoding !== undefined) headers['content-encoding'] = encoding;
    const expires = pythonInt(attrs.get('expires') || '0');
    if (expires === undefined) throw new FormInvalid('expired not an integer');
    if (expires < ctx.now() / 1000) throw new FormUnauthorized('form expired');

    const path = unquoteBytes(req.path).toString('utf8');
    const message = [path, attrs.get('redirect') || '', attrs.get('max_file_size') || '0', attrs.get('max_file_count') || '0', attrs.get('expires') || '0'].join('\n');
    const sig = extractDigest(attrs.get('signature') ?? '');
    if (!sig || !digests.allowed.includes(sig.digest as Digest)) throw new FormUnauthorized('invalid signature');
    if (!keys.some((key) => sameSignature(hmacHex(sig.digest as Digest, key, message), sig.hex))) throw new FormUnauthorized('invalid signature');
    statsd.increment(`formpost.digests.${sig.digest}`);

    const objectPath = (!path.endsWith('/') && path.split('/').length - 1 < 4 ? path + '/' : path) + file.filename;
    const capped = new CappedStream(maxFileSize);
    // The PUT sees the stream fail; `exceeded` says why.
    capped.on('error', () => undefined);
    file.stream.on('error', (err) => capped.destroy(err));
    file.stream.pipe(capped);
    const resp = await next(subrequest(req, { method: 'PUT', path: objectPath, headers, body: capped, preAuthed: true, agent: 'FP' }));
    drain(resp);
    if (capped.exceeded) throw new FormInvalid('max_file_size exceeded');
    // Whatever the PUT left unread is not the next part's.
    file.stream.resume();
    return { status: `${resp.status} ${reasonFor(resp.status)}`, headers: resp.headers };
  }

  /** Swift's `_translate_form`: each file PUT in turn until one fails or the count is exceeded. */
  async function translateForm(req: SwiftRequest, next: (r: SwiftRequest) => Promise<SwiftResponse>, contentType: string): Promise<FormOutcome & { redirect?: string }> {
    const keys = await formKeys(ctx, req);
    const attrs = new Map<string, string>();
    const form = formParts(req, contentType);
    let status = '';
    let message = '';
    let headers: Headers = {};
    let fileCount = 0;
    try {
      for await (const part of form.parts) {
        if (part.kind === 'field') {
          attrs.set(part.name.toLowerCase(), part.value.replace(/[\r\n-]+$/, ''));
          continue;
        }
        fileCount++;
        const maxCount = pythonInt(attrs.get('max_file_count') || '0');
        if (maxCount === undefined) throw new FormInvalid('max_file_count not an integer');
        if (fileCount > maxCount) {
          status = '400 Bad Request';
          message = 'max file count exceeded';
          break;
        }
        ({ status, headers } = await putFile(req, next, attrs, part, keys));
        if (!status.startsWith('2')) break;
      }
    } catch (err) {
      if (err instanceof FormInvalid || err instanceof FormUnauthorized) throw err;
      // busboy's complaint about the body: Swift's MimeInvalid.
      throw new FormInvalid('invalid starting boundary');
    } finally {
      form.stop();
    }
    if (!status) {
      status = '400 Bad Request';
      message = 'no files to process';
    }
    const cors: Headers = {};
    for (const [k, v] of Object.entries(headers)) if (k.startsWith('access-control')) cors[k] = v;
    return { status, message, headers: cors, redirect: attrs.get('redirect') || undefined };
  }

  return (next) => async (req) => {
    if (req.method !== 'POST') return next(req);
    const contentType = req.headers['content-type'] ?? '';
    const { type, attrs } = parseHeaderValue(contentType);
    if (type !== 'multipart/form-data' || !attrs.boundary) return next(req);
    req.headers['user-agent'] = `${req.headers['user-agent'] ?? ''} FormPost`.trim();
    try {
      const out = await translateForm(req, next, contentType);
      return out.redirect ? redirectResponse(out, out.redirect) : statusPage(out);
    } catch (err) {
      if (err instanceof FormUnauthorized) return makeResponse(401, `FormPost: ${pyTitle(err.message)}`, { 'www-authenticate': `Swift realm="${realmOf(req)}"` });
      if (err instanceof FormInvalid) return textResponse(400, `FormPost: ${err.message}`);
      throw err;
    }
  };
};

/** The keys of the account and container the form posts to; none unless the path names a container. */
async function formKeys(ctx: PipelineContext, req: SwiftRequest): Promise<string[]> {
  const parts = unquoteBytes(req.path).toString('utf8').split('/');
  if (parts.length < 4 || parts[0] || !['v1', 'v1.0'].includes(parts[1]) || !parts[2] || !parts[3]) return [];
  if (!ctx.infoSource) throw new Error('formpost needs the proxy app at the end of the pipeline');
  const account = await ctx.infoSource.account(req, parts[2]);
  const container = await ctx.infoSource.container(req, parts[2], parts[3]);
  return [...tempUrlKeys(account.meta), ...tempUrlKeys(container.meta)];
}

function realmOf(req: SwiftRequest): string {
  const segs = unquoteBytes(req.path).toString('utf8').split('/');
  return segs[0] === '' && segs[1] && segs[2] && !['v1.0', 'auth'].includes(segs[2]) ? quotePath(segs[2]) : 'unknown';
}

function textResponse(status: number, body: string, headers: Headers = {}): SwiftResponse {
  const buf = Buffer.from(body, 'utf8');
  return { status, headers: { ...headers, 'content-type': 'text/plain', 'content-length': String(buf.length) }, body: buf };
}

/** No redirect: the status line as text, with the message if there is one. */
function statusPage(out: FormOutcome): SwiftResponse {
  const body = out.message ? `${out.status}\r\nFormPost: ${pyTitle(out.message)}` : out.status;
  return textResponse(Number(out.status.split(' ')[0]), body, out.headers);
}

/** A redirect: 303 to `redirect` with the outcome in its query, and a page linking there. */
function redirectResponse(out: FormOutcome, redirect: string): SwiftResponse {
  const code = out.status.split(' ')[0];
  const location = `${redirect}${redirect.includes('?') ? '&' : '?'}status=${quotePath(code)}&message=${quotePath(out.message)}`;
  const body = Buffer.from(`<html><body><p><a href="${location}">Click to continue...</a></p></body></html>`, 'utf8');
  return { status: 303, headers: { ...out.headers, location, 'content-length': String(body.length) }, body };
}
