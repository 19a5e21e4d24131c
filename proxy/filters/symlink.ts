/**
 * symlink: objects that point at another object, as Swift's filter of that
 * name. A PUT with `X-Symlink-Target` (and `-Account`) stores a zero-byte
 * object whose target is object sysmeta and whose container row carries the
 * target in its etag's parameters; GET and HEAD follow links up to
 * `symloop_max` deep; `?symlink=get` reads the link itself; a static link
 * (`X-Symlink-Target-Etag`) is checked against its target when made and
 * whenever followed (409 when the target changed); a POST to a link is
 * refused with a 307 to the target; listings show `symlink_path` (and a
 * static link's `symlink_etag` / `symlink_bytes`).
 */
import { Readable } from 'node:stream';
import type { FilterFactory, Headers, PipelineContext, SwiftRequest, SwiftResponse, App } from '../types.js';
import { dropBody, makeResponse } from '../response.js';
import { parseRequestPath, unquoteBytes } from '../request-path.js';
import { pyRepr, quotePath } from '../../common/index.js';
import { isSuccess, pythonJson, readJsonListing, subrequest } from './subrequest.js';

export const DEFAULT_SYMLOOP_MAX = 2;
export const TGT_OBJ = 'x-symlink-target';
export const TGT_ACCT = 'x-symlink-target-account';
export const TGT_ETAG = 'x-symlink-target-etag';
export const TGT_BYTES = 'x-symlink-target-bytes';
export const TGT_OBJ_SYSMETA = 'x-object-sysmeta-symlink-target';
export const TGT_ACCT_SYSMETA = 'x-object-sysmeta-symlink-target-account';
export const TGT_ETAG_SYSMETA = 'x-object-sysmeta-symlink-target-etag';
export const TGT_BYTES_SYSMETA = 'x-object-sysmeta-symlink-target-bytes';
export const SYMLOOP_EXTEND = 'x-object-sysmeta-symloop-extend';
export const ALLOW_RESERVED_NAMES = 'x-object-sysmeta-allow-reserved-names';
export const ETAG_OVERRIDE = 'x-object-sysmeta-container-update-override-etag';
const MD5_OF_EMPTY = 'd41d8cd98f00b204e9800998ecf8427e';
const TARGET_FORM = 'X-Symlink-Target header must be of the form <container name>/<object name>';

/** An answer that ends the request (Swift raising an HTTPException). */
class Answer extends Error {
  constructor(readonly response: SwiftResponse) {
    super(`symlink: ${response.status}`);
  }
}

const plain = (status: number, body: string, headers: Headers = {}): Answer =>
  new Answer(makeResponse(status, body, { 'content-type': 'text/plain', ...headers }));

const configTrue = (v: string | undefined): boolean => /^(true|1|yes|on|t|y)$/i.test((v ?? '').trim());

/** Swift's `normalize_etag`: the etag without surrounding quotes. */
export function normalizeEtag(etag: string | undefined): string | undefined {
  if (etag && etag.length > 1 && etag.startsWith('"') && etag.endsWith('"')) return etag.slice(1, -1);
  return etag;
}

/** Swift's `check_path_header(req, name, 2, msg)`: `container/object` (object may hold slashes). */
export function splitContainerObject(value: string): { container: string; object: string } | undefined {
  const decoded = unquoteBytes(value).toString('utf8').replace(/^(?!\/)/, '/');
  const parts = decoded.split('/');
  if (parts.length < 3) return undefined;
  const container = parts[1];
  const object = parts.slice(2).join('/');
  if (!container || !object) return undefined;
  return { container, object };
}

/** Swift's `check_account_format`: 412 for an empty account or one with a slash. */
export function checkAccountFormat(account: string): string {
  if (!account) throw plain(412, 'Account name cannot be empty');
  if (account.includes('/')) throw plain(412, 'Account name cannot contain slashes');
  return account;
}

/** Renames a link's sysmeta to the headers a client sees (`?symlink=get`). */
export function sysmetaToUsermeta(headers: Headers): void {
  for (const [user, sys] of [[TGT_OBJ, TGT_OBJ_SYSMETA], [TGT_ACCT, TGT_ACCT_SYSMETA], [TGT_ETAG, TGT_ETAG_SYSMETA], [TGT_BYTES, TGT_BYTES_SYSMETA]]) {
    if (headers[sys] !== undefined) {
      headers[user] = headers[sys];
      delete headers[sys];
    }
  }
}

/** Python's `cgi.parse_header`: the value and its `; key=value` parameters. */
function parseHeader(line: string): [string, [string, string][]] {
  const parts = line.split(';');
  const params: [string, string][] = [];
  for (const p of parts.slice(1)) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    let v = p.slice(i + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\\\/g, '\\').replace(/\\"/g, '"');
    params.push([p.slice(0, i).trim().toLowerCase(), v]);
  }
  return [parts[0].trim(), params];
}

/** A listing row with its link fields taken out of the etag's parameters. */
function extractSymlink(item: Record<string, unknown>, version: string, account: string): Record<string, unknown> {
  if (typeof item.hash !== 'string') return item;
  const [hash, params] = parseHeader(item.hash);
  let out = hash;
  let target: string | undefined;
  let acct = account;
  for (const [k, v] of params) {
    if (k === 'symlink_target') target = v;
    else if (k === 'symlink_target_account') acct = v;
    else if (k === 'symlink_target_etag') item.symlink_etag = v;
    else if (k === 'symlink_target_bytes') item.symlink_bytes = parseInt(v, 10);
    else out += `; ${k}=${v}`;
  }
  item.hash = out;
  if (target) item.symlink_path = `/${version}/${acct}/${target}`;
  return item;
}

async function handleContainer(next: App, req: SwiftRequest, version: string, account: string): Promise<SwiftResponse> {
  const resp = await next(req);
  if (req.method !== 'GET' || !isSuccess(resp.status) || !(resp.headers['content-type'] ?? '').startsWith('application/json')) return resp;
  const listing = await readJsonListing(resp);
  if (!listing) return makeResponse(500, 'Error decoding listing');
  const body = Buffer.from(pythonJson(listing.map((item) => extractSymlink(item, version, quotePath(account)))), 'utf8');
  return { status: resp.status, headers: { ...resp.headers, 'content-length': String(body.length) }, body };
}

/** Whether a PUT carries a body: by Content-Length, or by reading a first chunk of a chunked one. */
async function hasBody(req: SwiftRequest): Promise<boolean> {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return Number(cl) !== 0;
  if (!req.body) return false;
  for await (const chunk of req.body) {
    if ((chunk as Buffer).length > 0) return true;
  }
  return false;
}

/** One GET/HEAD (or a static link's validation) following links as Swift's `SymlinkObjectContext`. */
class LinkWalk {
  private loops = 0;
  lastTargetPath?: string;

  constructor(private readonly next: App, private readonly symloopMax: number) {}

  async follow(req: SwiftRequest, version: string, account: string, targetEtag?: string, followSoftlinks = true, origEnv = req.env): Promise<SwiftResponse> {
    const resp = await this.next(req);
    const h = resp.headers;
    const symlinkTarget = h[TGT_OBJ_SYSMETA];
    const respEtag = h[TGT_ETAG_SYSMETA];
    if (symlinkTarget && (respEtag || followSoftlinks)) {
      dropBody(resp.body);
      const foundEtag = respEtag ?? normalizeEtag(h.etag);
      if (targetEtag && targetEtag !== foundEtag) {
        throw plain(409, 'X-Symlink-Target-Etag headers do not match', this.location());
      }
      if (this.loops >= this.symloopMax) {
        throw plain(409, `Too many levels of symbolic links, maximum allowed is ${this.symloopMax}`);
      }
      const targetAccount = h[TGT_ACCT_SYSMETA] ?? quotePath(account);
      const targetPath = `/${version}/${targetAccount}/${symlinkTarget.replace(/^\/+/, '')}`;
      this.lastTargetPath = targetPath;
      const headers: Headers = { ...req.headers };
      delete headers['x-backend-storage-policy-index'];
      const reserved = configTrue(h[ALLOW_RESERVED_NAMES]);
      if (reserved) headers['x-backend-allow-reserved-names'] = 'true';
      const sub = subrequest({ ...req, env: origEnv }, { method: req.method, rawPath: targetPath, headers, preAuthed: reserved, agent: 'SYM' });
      if (!configTrue(h[SYMLOOP_EXTEND])) this.loops++;
      const parsed = parseRequestPath(sub);
      const nextAccount = parsed.ok ? parsed.path.account : account;
      return this.follow(sub, version, nextAccount, respEtag, true, origEnv);
    }
    // A 412/304 carries its ETag quoted; the link stores it bare.
    const finalEtag = normalizeEtag(h.etag);
    if (finalEtag && targetEtag && targetEtag !== finalEtag) {
      dropBody(resp.body);
      throw plain(409, `Object Etag ${pyRepr(finalEtag)} does not match X-Symlink-Target-Etag header ${pyRepr(targetEtag)}`, this.location());
    }
    if (this.lastTargetPath) h['content-location'] = this.lastTargetPath;
    return resp;
  }

  private location(): Headers {
    return this.lastTargetPath ? { 'content-location': this.lastTargetPath } : {};
  }
}

/** Swift's `_validate_and_prep_request_headers`: the target's path and a static link's etag. */
function prepPut(req: SwiftRequest, version: string, account: string, container: string, object: string): { targetPath: string; etag?: string } {
  const raw = req.headers[TGT_OBJ];
  if (unquoteBytes(raw).toString('utf8').startsWith('/')) throw plain(412, TARGET_FORM);
  const target = splitContainerObject(raw);
  if (!target) throw plain(412, TARGET_FORM);
  req.headers[TGT_OBJ] = quotePath(`${target.container}/${target.object}`);
  let targetAccount = account;
  if (req.headers[TGT_ACCT] !== undefined) {
    targetAccount = checkAccountFormat(unquoteBytes(req.headers[TGT_ACCT]).toString('utf8'));
    req.headers[TGT_ACCT] = quotePath(targetAccount);
  }
  if (targetAccount === account && target.container === container && target.object === object) {
    throw plain(400, 'Symlink cannot target itself');
  }
  const etag = normalizeEtag(req.headers[TGT_ETAG]);
  if (etag && /[;"\\]/.test(etag)) throw plain(400, 'Bad X-Symlink-Target-Etag format');
  if (!etag && !req.headers['content-type']) req.headers['content-type'] = 'application/symlink';
  return { targetPath: `/${version}/${targetAccount}/${target.container}/${target.object}`, etag: etag || undefined };
}

/** Swift's `_validate_etag_and_update_sysmeta`: a static link's target must exist with that etag. */
async function validateStatic(walk: LinkWalk, req: SwiftRequest, version: string, targetPath: string, etag: string): Promise<void> {
  if (req.env['swift.symlink_override']) {
    req.headers[TGT_ETAG_SYSMETA] = etag;
    req.headers[TGT_BYTES_SYSMETA] = req.headers[TGT_BYTES];
    return;
  }
  const headers: Headers = {};
  if (req.headers['x-auth-token']) headers['x-auth-token'] = req.headers['x-auth-token'];
  if (configTrue(req.headers['x-backend-allow-reserved-names'])) headers['x-backend-allow-reserved-names'] = 'true';
  const head = subrequest(req, { method: 'HEAD', path: targetPath, headers, agent: 'SYM' });
  walk.lastTargetPath = targetPath;
  const parsed = parseRequestPath(head);
  const resp = await walk.follow(head, version, parsed.ok ? parsed.path.account : '', etag, false);
  dropBody(resp.body);
  if (resp.status === 404) {
    throw plain(409, 'X-Symlink-Target does not exist', { 'content-location': targetPath });
  }
  if (!isSuccess(resp.status)) throw new Answer(makeResponse(resp.status));
  const h = resp.headers;
  if (h[ETAG_OVERRIDE] !== undefined && req.headers[ETAG_OVERRIDE] === undefined) {
    const semi = h[ETAG_OVERRIDE].indexOf(';');
    req.headers[ETAG_OVERRIDE] = semi < 0 ? MD5_OF_EMPTY : MD5_OF_EMPTY + h[ETAG_OVERRIDE].slice(semi);
  }
  if (h['x-object-sysmeta-slo-etag'] !== undefined && req.headers[ETAG_OVERRIDE] === undefined) {
    req.headers[ETAG_OVERRIDE] = `${MD5_OF_EMPTY}; slo_etag=${h['x-object-sysmeta-slo-etag']}`;
  }
  req.headers[TGT_BYTES_SYSMETA] = h['x-object-sysmeta-slo-size'] || h['content-length'];
  req.headers[TGT_ETAG_SYSMETA] = etag;
  if (!req.headers['content-type']) req.headers['content-type'] = h['content-type'];
}

async function handlePut(next: App, walk: LinkWalk, req: SwiftRequest, version: string, account: string, container: string, object: string): Promise<SwiftResponse> {
  if (await hasBody(req)) throw plain(400, 'Symlink requests require a zero byte body');
  if (req.headers['content-length'] === undefined) {
    // The chunked body was read to its end above: send none below.
    delete req.headers['transfer-encoding'];
    req.headers['content-length'] = '0';
    req.body = Readable.from([]);
  }
  const { targetPath, etag } = prepPut(req, version, account, container, object);
  if (etag) await validateStatic(walk, req, version, targetPath, etag);
  for (const [user, sys] of [[TGT_OBJ, TGT_OBJ_SYSMETA], [TGT_ACCT, TGT_ACCT_SYSMETA]]) {
    if (req.headers[user] !== undefined) {
      req.headers[sys] = req.headers[user];
      delete req.headers[user];
    }
  }
  const override = [req.headers[ETAG_OVERRIDE] ?? MD5_OF_EMPTY, `symlink_target=${req.headers[TGT_OBJ_SYSMETA]}`];
  if (req.headers[TGT_ACCT_SYSMETA] !== undefined) override.push(`symlink_target_account=${req.headers[TGT_ACCT_SYSMETA]}`);
  if (req.headers[TGT_ETAG_SYSMETA] !== undefined) {
    override.push(`symlink_target_etag=${req.headers[TGT_ETAG_SYSMETA]}`, `symlink_target_bytes=${req.headers[TGT_BYTES_SYSMETA]}`);
  }
  req.headers[ETAG_OVERRIDE] = override.join('; ');
  return next(req);
}

async function handlePost(next: App, req: SwiftRequest, version: string, account: string): Promise<SwiftResponse> {
  if (req.headers[TGT_OBJ] !== undefined) throw plain(400, 'A PUT request is required to set a symlink target');
  const resp = await next(req);
  if (!isSuccess(resp.status)) return resp;
  const target = resp.headers[TGT_OBJ_SYSMETA];
  if (!target) return resp;
  dropBody(resp.body);
  const targetAccount = resp.headers[TGT_ACCT_SYSMETA] ?? quotePath(account);
  const headers: Headers = { location: `/${version}/${targetAccount}/${target}` };
  if (resp.headers[TGT_ETAG_SYSMETA]) headers[TGT_ETAG] = resp.headers[TGT_ETAG_SYSMETA];
  for (const [k, v] of Object.entries(resp.headers)) if (k.startsWith('x-object-sysmeta-')) headers[k] = v;
  req.env.leaveRelativeLocation = true;
  return makeResponse(307, 'The requested POST was applied to a symlink. POST directly to the target to apply requested metadata.', headers);
}

/** Swift's `update_ignore_range_header`: the object server ignores a Range on a link itself. */
function ignoreRangeOnLinks(headers: Headers): void {
  const key = 'x-backend-ignore-range-if-metadata-present';
  const have = (headers[key] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!have.some((x) => x.toLowerCase() === TGT_OBJ_SYSMETA)) have.push('X-Object-Sysmeta-Symlink-Target');
  headers[key] = have.join(',');
}

async function handleObject(next: App, symloopMax: number, req: SwiftRequest, version: string, account: string, container: string, object: string): Promise<SwiftResponse> {
  const walk = new LinkWalk(next, symloopMax);
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (new URLSearchParams(req.query).get('symlink') === 'get') {
      const resp = await next(req);
      sysmetaToUsermeta(resp.headers);
      return resp;
    }
    ignoreRangeOnLinks(req.headers);
    return walk.follow(req, version, account);
  }
  if (req.method === 'PUT' && req.headers[TGT_OBJ] !== undefined) return handlePut(next, walk, req, version, account, container, object);
  if (req.method === 'POST') return handlePost(next, req, version, account);
  return next(req);
}

export const symlink: FilterFactory = (conf, ctx: PipelineContext) => {
  let symloopMax = parseInt(conf.symloop_max ?? String(DEFAULT_SYMLOOP_MAX), 10);
  if (!(symloopMax >= 1)) symloopMax = DEFAULT_SYMLOOP_MAX;
  ctx.registerInfo('symlink', { symloop_max: symloopMax, static_links: true });
  return (next) => async (req) => {
    const parsed = parseRequestPath(req);
    if (!parsed.ok || parsed.path.container === undefined) return next(req);
    const { version, account, container, object } = parsed.path;
    try {
      if (object === undefined) return await handleContainer(next, req, version, account);
      return await handleObject(next, symloopMax, req, version, account, container, object);
    } catch (err) {
      if (err instanceof Answer) return err.response;
      throw err;
    }
  };
};
