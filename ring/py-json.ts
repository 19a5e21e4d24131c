/**
 * JSON text exactly as Python's `json.dumps(obj, sort_keys=True,
 * ensure_ascii=True)` writes it, which is how Swift writes a ring file's
 * header. Matching it byte for byte means a ring we write decompresses to the
 * same bytes as Swift's for the same data.
 */

/** Keys whose numbers Swift always holds as Python floats (`100.0`). */
const FLOAT_KEYS = new Set(['weight']);

/**
 * Python's `repr(float)`: the shortest round-tripping digits (as JS), but
 * fixed notation for exponents -4..15, a trailing `.0` on integral values,
 * and at least two exponent digits otherwise (`1e-05`, `1e+16`).
 */
export function pyFloatRepr(x: number): string {
  if (!Number.isFinite(x)) throw new TypeError(`cannot write ${x} as JSON`);
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp >= -4 && exp < 16) {
    let text: string;
    if (exp < 0) {
      text = '0.' + '0'.repeat(-exp - 1) + digits;
    } else if (digits.length <= exp + 1) {
      text = digits + '0'.repeat(exp + 1 - digits.length) + '.0';
    } else {
      text = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
    }
    return sign + text;
  }
  const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  const e = Math.abs(exp) < 10 ? '0' + Math.abs(exp) : String(Math.abs(exp));
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
}

function pyString(s: string): string {
  // JSON.stringify already escapes `"`, `\`, and control characters the way
  // Python does (\b \f \n \r \t, else \u00xx); ensure_ascii adds every
  // character outside printable ASCII, including DEL and lone surrogates.
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function pyNumber(n: number, asFloat: boolean): string {
  if (!asFloat && Number.isSafeInteger(n)) return String(n);
  return pyFloatRepr(n);
}

/** Python `json.dumps(value, sort_keys=True, ensure_ascii=True)`. */
export function pyJsonDumps(value: unknown, floatKey = false): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return pyNumber(value, floatKey);
    case 'string':
      return pyString(value);
    case 'object':
      break;
    default:
      throw new TypeError(`cannot write a ${typeof value} as JSON`);
  }
  if (Array.isArray(value)) return '[' + value.map((v) => pyJsonDumps(v)).join(', ') + ']';
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return '{' + keys.map((k) => `${pyString(k)}: ${pyJsonDumps(obj[k], FLOAT_KEYS.has(k))}`).join(', ') + '}';
}
