/**
 * The text formats SLO shares with Swift's bulk middleware: Python's
 * `json.dumps` spelling (the stored manifest's bytes, hence its MD5, and
 * `format=raw` must match Swift's), the Accept negotiation over
 * text/plain, JSON and XML, and the bulk result body
 * (`get_response_body`).
 */

/** Python's `json.dumps(value, sort_keys=…)`: `", "` and `": "` separators, non-ASCII escaped. */
export function pyJson(value: unknown, sortKeys = false): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  if (Array.isArray(value)) return '[' + value.map((v) => pyJson(v, sortKeys)).join(', ') + ']';
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return '{' + entries.map(([k, v]) => `${pyJson(k)}: ${pyJson(v, sortKeys)}`).join(', ') + '}';
}

export const ACCEPTABLE_FORMATS = ['text/plain', 'application/json', 'application/xml', 'text/xml'] as const;
export type OutFormat = (typeof ACCEPTABLE_FORMATS)[number];

// swob's Accept grammar (RFC 2616 section 2.2).
const TOKEN = '[^()<>@,;:\\\\"/\\[\\]?={}\\x00-\\x20\\x7f]+';
const QUOTED_STRING = '"(?:[^"\\\\]|\\\\.)*"';
const EXTENSION = `(?:\\s*;\\s*(?:${TOKEN})\\s*=\\s*(?:${TOKEN}|${QUOTED_STRING}))`;
const ACCEPT_RANGE = new RegExp(`^\\s*(${TOKEN})/(${TOKEN})(${EXTENSION}*?\\s*)$`);
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * swob's `Accept.best_match`: the ranges sorted by quality and then
 * exact-before-glob (a q of 0 is not a refusal there), the first option
 * the first range matches; an absent header takes the first option.
 * Throws on a malformed header, as swob raises ValueError.
 */
function acceptBestMatch(accept: string | undefined, options: readonly OutFormat[]): OutFormat | undefined {
  if (!accept) return options[0];
  const ranges: { pattern: RegExp; q: number; exact: boolean }[] = [];
  for (const part of accept.split(',')) {
    const m = ACCEPT_RANGE.exec(part);
    if (!m) throw new Error('Invalid accept header');
    const [, type, sub, params] = m;
    let q = 1;
    let seenQ = false;
    for (const p of params.split(';').map((x) => x.trim()).filter(Boolean)) {
      const kv = p.split('=');
      if (kv.length !== 2) throw new Error('Invalid accept header');
      if (kv[0].trim() !== 'q') continue;
      if (seenQ) throw new Error('Multiple "q" params');
      seenQ = true;
      const v = kv[1].trim();
      q = Number(v);
      if (!v || Number.isNaN(q)) throw new Error('Invalid accept header');
    }
    const glob = (t: string) => (t === '*' ? TOKEN : escapeRe(t));
    ranges.push({ pattern: new RegExp(`^${glob(type)}/${glob(sub)}$`), q, exact: type !== '*' && sub !== '*' });
  }
  // Python's stable sort, reversed on (quality, exact).
  ranges.sort((a, b) => b.q - a.q || Number(b.exact) - Number(a.exact));
  for (const r of ranges) {
    const hit = options.find((o) => r.pattern.test(o));
    if (hit) return hit;
  }
  return undefined;
}

/**
 * The bulk format an Accept header picks (swob's best_match over
 * ACCEPTABLE_FORMATS); undefined when none is acceptable or the header is
 * malformed (Swift's bulk and slo delete then answer 406; slo's manifest
 * PUT falls back to text/plain).
 */
export function bestFormat(accept: string | undefined): OutFormat | undefined {
  try {
    return acceptBestMatch(accept, ACCEPTABLE_FORMATS);
  } catch {
    return undefined;
  }
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Bulk's `get_response_body`: `data` plus the failed [name, status] pairs in the chosen format. */
export function bulkBody(format: OutFormat | undefined, data: Record<string, string | number>, errors: [string, string][], rootTag: string): string {
  if (format === 'application/json') return pyJson({ ...data, Errors: errors });
  const keys = Object.keys(data).sort();
  if (format?.endsWith('/xml')) {
    let out = `<${rootTag}>\n`;
    for (const k of keys) {
      const tag = k.replace(/ /g, '_').toLowerCase();
      out += `<${tag}>${xmlEscape(String(data[k]))}</${tag}>\n`;
    }
    out += '<errors>\n';
    for (const [name, status] of errors) out += `<object><name>${xmlEscape(name)}</name><status>${xmlEscape(status)}</status></object>\n`;
    return out + `</errors>\n</${rootTag}>\n`;
  }
  let out = '';
  for (const k of keys) out += `${k}: ${data[k]}\n`;
  out += 'Errors:\n';
  for (const [name, status] of errors) out += `${name}, ${status}\n`;
  return out;
}
