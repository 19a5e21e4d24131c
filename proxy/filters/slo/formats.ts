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

/** swob's `Accept.best_match` over the bulk formats; an absent or unparseable header is text/plain. */
export function bestFormat(accept: string | undefined): OutFormat | undefined {
  if (!accept) return 'text/plain';
  const prefs: { type: string; sub: string; q: number }[] = [];
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().split(';').map((s) => s.trim());
    const m = /^([\w.+*-]+)\/([\w.+*-]+)$/.exec(range);
    if (!m) return 'text/plain';
    const qp = params.find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (Number.isNaN(q)) return 'text/plain';
    prefs.push({ type: m[1], sub: m[2], q });
  }
  let best: OutFormat | undefined;
  let bestQ = 0;
  for (const fmt of ACCEPTABLE_FORMATS) {
    const [type, sub] = fmt.split('/');
    let q = -1;
    for (const p of prefs) {
      if ((p.type === '*' || p.type === type) && (p.sub === '*' || p.sub === sub)) q = Math.max(q, p.q);
    }
    if (q > bestQ) {
      best = fmt;
      bestQ = q;
    }
  }
  return best;
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
