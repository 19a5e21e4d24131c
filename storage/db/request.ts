/**
 * Reading a DB server request as Swift's swob does: the path's UTF-8 check,
 * query parameters (parse_qsl over latin-1, then UTF-8), X-Timestamp,
 * header names as WSGI gives them (title-cased) and header values as UTF-8.
 */
import type { FastifyRequest } from 'fastify';
import { Timestamp } from '../../common/index.js';
import { decodeRequestPath, parseBackendPath, type BackendPath } from '../http/backend-path.js';
import { HttpStatusError } from './errors.js';

const RESERVED = '\0';
const TEXT_PLAIN = { 'Content-Type': 'text/plain' };

export interface DbRequest {
  method: string;
  path: string;
  query: Map<string, string>;
  headers: FastifyRequest['headers'];
}

/** Percent-decodes to bytes, `+` as space (Python's unquote_plus over latin-1). */
function unquotePlusBytes(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '+') bytes.push(0x20);
    else if (c === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, 'latin1')) bytes.push(b);
    }
  }
  return Buffer.from(bytes);
}

/** Query parameters as raw bytes, last one winning (dict(parse_qsl(..., keep_blank_values=True))). */
export function parseQuery(query: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const part of query.split(/[&;]/)) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = unquotePlusBytes(eq === -1 ? part : part.slice(0, eq)).toString('latin1');
    if (eq === -1) continue; // parse_qsl drops a field with no '=' unless strict
    out.set(name, unquotePlusBytes(part.slice(eq + 1)));
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Swift's `get_param`: the parameter as UTF-8, 400 when it is not. */
export function getParam(query: Map<string, Buffer>, name: string): string | undefined {
  const raw = query.get(name);
  if (raw === undefined) return undefined;
  try {
    return utf8.decode(raw);
  } catch {
    throw new HttpStatusError(400, `"${name}" parameter not valid UTF-8`, TEXT_PLAIN);
  }
}

/**
 * The path of a DB server request, split and checked in Swift's order:
 * the UTF-8 check (412 with `utf8Body`), then split_path (400), then the
 * reserved-namespace rules.
 */
export function parseDbPath(rawUrl: string, minsegs: number, maxsegs: number, restWithLast: boolean, utf8Body: string): {
  parts: BackendPath; query: Map<string, Buffer>;
} {
  checkPathUtf8(rawUrl, utf8Body);
  const { path, query } = decodeRequestPath(rawUrl);
  const parts = parseBackendPath(path, minsegs, maxsegs, restWithLast);
  return { parts, query: parseQuery(query) };
}

/** 412 with `utf8Body` when the request path is not UTF-8 (Swift's first check). */
export function checkPathUtf8(rawUrl: string, utf8Body: string): void {
  const q = rawUrl.indexOf('?');
  if (!pathIsUtf8(q === -1 ? rawUrl : rawUrl.slice(0, q))) throw new HttpStatusError(412, utf8Body);
}

/** Swift's `check_utf8(path, internal=True)`: valid UTF-8, not empty (NUL is the reserved byte, allowed). */
function pathIsUtf8(rawPath: string): boolean {
  const bytes = unquotePlusBytesNoPlus(rawPath);
  if (bytes.length === 0) return false;
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function unquotePlusBytesNoPlus(s: string): Buffer {
  return unquotePlusBytes(s.replace(/\+/g, '%2B'));
}

/** Swift's `_validate_internal_name`: the reserved byte only at the start. */
export function validateInternalName(name: string | undefined, type: string): void {
  if (name && name.includes(RESERVED) && !name.startsWith(RESERVED)) {
    throw new HttpStatusError(400, `Invalid reserved-namespace ${type}`);
  }
}

/** Swift's `validate_internal_obj` for an object row path. */
export function validateInternalObj(account: string, container: string, obj: string | undefined): void {
  validateInternalName(account, 'account');
  validateInternalName(container, 'container');
  if (obj && !(account.startsWith('.') || account === '.misplaced_objects')) {
    validateInternalName(obj, 'object');
    if (container.startsWith(RESERVED) && !obj.startsWith(RESERVED)) {
      throw new HttpStatusError(400, 'Invalid user-namespace object in reserved-namespace container');
    } else if (obj.startsWith(RESERVED) && !container.startsWith(RESERVED)) {
      throw new HttpStatusError(400, 'Invalid reserved-namespace object in user-namespace container');
    }
  }
}

/** Swift's `valid_timestamp`: X-Timestamp required and well formed. */
export function validTimestamp(headers: FastifyRequest['headers']): Timestamp {
  const raw = headers['x-timestamp'];
  if (raw === undefined) throw new HttpStatusError(400, 'Missing X-Timestamp header', TEXT_PLAIN);
  const value = Array.isArray(raw) ? raw[0] : raw;
  try {
    return Timestamp.parse(value);
  } catch {
    throw new HttpStatusError(400, 'Invalid X-Timestamp header', TEXT_PLAIN);
  }
}

/** A header value as a string: Node hands latin-1, Swift reads UTF-8 (wsgi_to_str). */
export function headerValue(headers: FastifyRequest['headers'], name: string): string | undefined {
  const raw = headers[name];
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw.join(', ') : raw;
  const bytes = Buffer.from(value, 'latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** True when a header's bytes are not UTF-8. */
export function headerIsUtf8(value: string): boolean {
  try {
    utf8.decode(Buffer.from(value, 'latin1'));
    return true;
  } catch {
    return false;
  }
}

/** A header name as WSGI hands it to Swift: `_` as `-`, then Python's str.title(). */
export function wsgiHeaderName(name: string): string {
  return name.replace(/_/g, '-').replace(/[\p{L}]+/gu, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase());
}

/** A UTF-8 string as Node must be given it for a header (bytes as latin-1). */
export function toHeaderValue(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}

export function configTrue(value: unknown): boolean {
  return typeof value === 'string' && ['true', '1', 'yes', 'on', 't', 'y'].includes(value.trim().toLowerCase());
}

/** Swift's `constrain_req_limit`: a digit string over the maximum is 412. */
export function constrainLimit(query: Map<string, Buffer>, max: number): number {
  const given = getParam(query, 'limit');
  if (given && /^\d+$/.test(given)) {
    const limit = parseInt(given, 10);
    if (limit > max) throw new HttpStatusError(412, `Maximum limit is ${max}`);
    return limit;
  }
  return max;
}

/** True when `key` is user or system metadata of `serverType` (and longer than the prefix). */
export function isSysOrUserMeta(serverType: 'account' | 'container', key: string): boolean {
  const k = key.toLowerCase();
  const user = `x-${serverType}-meta-`;
  const sys = `x-${serverType}-sysmeta-`;
  return (k.length > user.length && k.startsWith(user)) || (k.length > sys.length && k.startsWith(sys));
}
