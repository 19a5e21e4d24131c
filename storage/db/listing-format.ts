/**
 * Listing bodies exactly as Swift's servers write them: JSON as Python's
 * `json.dumps` (", " and ": " separators, non-ASCII as \uXXXX), XML as
 * ElementTree's, plain text one name per line; and the content type picked
 * from `format=` or the Accept header (swob's `best_match`).
 */
import { HttpStatusError } from './errors.js';
import { getParam } from './request.js';

const FORMAT_TO_TYPE: Record<string, string> = { plain: 'text/plain', json: 'application/json', xml: 'application/xml' };
const OFFERS = ['text/plain', 'application/json', 'application/xml', 'text/xml'];
const TOKEN = "[^()<>@,;:\\\\\"/\\[\\]?={}\\x00-\\x20\\x7f]+";
const ACCEPT_RE = new RegExp(`^\\s*(${TOKEN})/(${TOKEN})((?:\\s*;\\s*(?:${TOKEN})\\s*=\\s*(?:${TOKEN}|"(?:[^"\\\\]|\\\\.)*"))*?\\s*)$`);

/** Swift's `get_listing_content_type`. */
export function listingContentType(query: Map<string, Buffer>, accept: string | undefined): string {
  const format = getParam(query, 'format');
  if (format) accept = FORMAT_TO_TYPE[format.toLowerCase()] ?? FORMAT_TO_TYPE.plain;
  if (!accept) return OFFERS[0];
  const types: { pattern: RegExp; q: number; exact: boolean; i: number }[] = [];
  for (const part of accept.split(',')) {
    const m = ACCEPT_RE.exec(part);
    if (!m) throw new HttpStatusError(400, 'Invalid Accept header');
    let q = 1;
    let seenQ = false;
    for (const p of m[3].split(';').map((s) => s.trim()).filter(Boolean)) {
      const [name, value] = p.split('=').map((s) => s.trim());
      if (name === 'q') {
        if (seenQ) throw new HttpStatusError(400, 'Invalid Accept header');
        seenQ = true;
        q = Number(value);
        if (!Number.isFinite(q)) throw new HttpStatusError(400, 'Invalid Accept header');
      }
    }
    const esc = (s: string): string => (s === '*' ? TOKEN : s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    types.push({ pattern: new RegExp(`^${esc(m[1])}/${esc(m[2])}$`), q, exact: m[1] !== '*' && m[2] !== '*', i: types.length });
  }
  // Python's sort(reverse=True) on (q, exact) is stable for equal keys.
  types.sort((a, b) => b.q - a.q || Number(b.exact) - Number(a.exact) || a.i - b.i);
  for (const t of types) {
    for (const offer of OFFERS) if (t.pattern.test(offer)) return offer;
  }
  throw new HttpStatusError(406, '<html><h1>Not Acceptable</h1><p>The resource is not available in a format acceptable to your browser.</p></html>');
}

/**
 * What Python's ensure_ascii writes as \uXXXX and JSON.stringify leaves as
 * it is: DEL and everything above ASCII (astral characters as their two
 * UTF-16 halves, as Python does).
 */
const NOT_PRINTABLE_ASCII = /[\u007f-\uffff]/;
const NOT_PRINTABLE_ASCII_ALL = /[\u007f-\uffff]/g;
const escapeChar = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** What JSON.stringify escapes in a string: quote, backslash, controls, lone surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON text with Python's separators (", " and ": "), not yet made ASCII. */
function dumps(value: unknown): string {
  // Most strings need no escaping: quoting them here skips JSON.stringify's call cost.
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : '"' + value + '"';
  if (Array.isArray(value)) return '[' + value.map(dumps).join(', ') + ']';
  if (value && typeof value === 'object') {
    let out = '{';
    let first = true;
    for (const k of Object.keys(value)) {
      out += (first ? '' : ', ') + dumps(k) + ': ' + dumps((value as Record<string, unknown>)[k]);
      first = false;
    }
    return out + '}';
  }
  return JSON.stringify(value);
}

/**
 * Python's json.dumps for the flat records of a listing. Built from parts
 * joined once (a 10,000-row listing is one flat 1.6 MB string, not a rope
 * of 100,000 concatenations), with the ASCII escaping done in one pass over
 * the whole text: outside strings JSON is ASCII already.
 */
export function pythonJson(value: unknown): string {
  const json = dumps(value);
  return NOT_PRINTABLE_ASCII.test(json) ? json.replace(NOT_PRINTABLE_ASCII_ALL, escapeChar) : json;
}

function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#09;');
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Swift's `container_to_xml`. */
export function containerXml(containerName: string, records: Record<string, string | number>[]): string {
  let body = '';
  for (const r of records) {
    if ('subdir' in r) {
      const name = String(r.subdir);
      body += `<subdir name="${xmlAttr(name)}"><name>${xmlText(name)}</name></subdir>`;
    } else {
      body += '<object>' + ['name', 'hash', 'bytes', 'content_type', 'last_modified']
        .map((f) => `<${f}>${xmlText(String(r[f]))}</${f}>`).join('') + '</object>';
    }
  }
  return XML_DECL + (body ? `<container name="${xmlAttr(containerName)}">${body}</container>` : `<container name="${xmlAttr(containerName)}" />`);
}

/** Swift's `account_to_xml` (a newline after the opening tag and after each entry). */
export function accountXml(accountName: string, records: Record<string, string | number>[]): string {
  let body = '\n';
  for (const r of records) {
    if ('subdir' in r) {
      body += `<subdir name="${xmlAttr(String(r.subdir))}" />\n`;
    } else {
      body += '<container>' + ['name', 'count', 'bytes', 'last_modified']
        .map((f) => `<${f}>${xmlText(String(r[f]))}</${f}>`).join('') + '</container>\n';
    }
  }
  return XML_DECL + `<account name="${xmlAttr(accountName)}">${body}</account>`;
}

/** Swift's `listing_to_text`. */
export function listingText(records: Record<string, string | number>[]): string {
  return records.map((r) => `${'name' in r ? r.name : r.subdir}\n`).join('');
}
