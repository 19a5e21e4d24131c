/**
 * Python 3's `repr()` of a str and `json.dumps(…, ensure_ascii=True)`:
 * how Swift quotes values in the error bodies and headers it writes (`%r`,
 * `format_acl`), so ours read the same.
 */

const NAMED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** Python's `repr(s)`: single quotes unless the text holds one and no double quote. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (NAMED[ch]) out += NAMED[ch];
    else if (ch === quote) out += '\\' + ch;
    else if (code < 0x20 || code === 0x7f) out += '\\x' + hex(code, 2);
    else if (code >= 0x80 && code < 0xa0) out += '\\x' + hex(code, 2);
    else if (code >= 0xd800 && code <= 0xdfff) out += '\\u' + hex(code, 4);
    else out += ch;
  }
  return quote + out + quote;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/**
 * `json.dumps(value, ensure_ascii=True, separators=(',', ':'), sort_keys=…)`:
 * compact, everything past ASCII (and DEL) as `\uXXXX`.
 */
export function pyJsonDumps(value: unknown, options: { sortKeys?: boolean } = {}): string {
  const text = JSON.stringify(options.sortKeys ? sortKeys(value) : value);
  return text.replace(/[\u007f-\uffff]/g, (c) => '\\u' + hex(c.charCodeAt(0), 4));
}
