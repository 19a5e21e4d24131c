/**
 * Crypto metadata as Swift writes it beside what it encrypted: a JSON
 * object (sorted keys, Python's separators, `iv` and `key` values base64)
 * quoted with `quote_plus`, either a header of its own
 * (X-Object-Sysmeta-Crypto-Body-Meta) or appended to an encrypted value as
 * `<base64 ciphertext>; swift_meta=<meta>`. Byte for byte what Swift 2.30
 * writes, so either can read what the other wrote.
 */
import { pythonJson } from '../subrequest.js';
import { CIPHER, EncryptionError, IV_LENGTH, decryptionContext, encryptionContext, createIv } from './cipher.js';

/** The keymaster's description of how keys were made (opaque to the filters). */
export interface KeyId {
  v: string;
  path: string;
  secret_id?: string;
}

export interface CryptoMeta {
  cipher: string;
  iv: Buffer;
  body_key?: { key: Buffer; iv: Buffer };
  key_id?: KeyId;
  [k: string]: unknown;
}

function encodeMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(meta).sort()) {
    const v = meta[name];
    if ((name === 'iv' || name === 'key') && Buffer.isBuffer(v)) out[name] = v.toString('base64');
    else if (v && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v)) out[name] = encodeMeta(v as Record<string, unknown>);
    else out[name] = v;
  }
  return out;
}

function decodeMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(meta)) {
    if ((name === 'iv' || name === 'key') && typeof v === 'string') out[name] = Buffer.from(v, 'base64');
    else if (v && typeof v === 'object' && !Array.isArray(v)) out[name] = decodeMeta(v as Record<string, unknown>);
    else out[name] = v;
  }
  return out;
}

/** Python's `urllib.parse.quote_plus` (safe: letters, digits and `_.-~`). */
function quotePlus(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}

/** Swift's `dump_crypto_meta`. */
export function dumpCryptoMeta(meta: Record<string, unknown>): string {
  return quotePlus(pythonJson(encodeMeta(meta)));
}

/** Swift's `load_crypto_meta`; EncryptionError when it is not one. */
export function loadCryptoMeta(value: string): CryptoMeta {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeURIComponent(value.replace(/\+/g, ' ')));
  } catch (err) {
    throw new EncryptionError(`Bad crypto meta ${JSON.stringify(value)}: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new EncryptionError(`Bad crypto meta ${JSON.stringify(value)}: crypto meta not a Mapping`);
  }
  return decodeMeta(parsed as Record<string, unknown>) as CryptoMeta;
}

/** Swift's `check_crypto_meta`. */
export function checkCryptoMeta(meta: CryptoMeta): void {
  if (meta.cipher === undefined) throw new EncryptionError("Bad crypto meta: Missing 'cipher'");
  if (meta.iv === undefined) throw new EncryptionError("Bad crypto meta: Missing 'iv'");
  if (meta.cipher !== CIPHER) throw new EncryptionError(`Bad crypto meta: Cipher must be ${CIPHER}`);
  if (!Buffer.isBuffer(meta.iv) || meta.iv.length !== IV_LENGTH) throw new EncryptionError(`Bad crypto meta: IV must be length ${IV_LENGTH} bytes`);
}

/** Swift's `append_crypto_meta`. */
export function appendCryptoMeta(value: string, meta: Record<string, unknown>): string {
  return `${value}; swift_meta=${dumpCryptoMeta(meta)}`;
}

/**
 * Swift's `extract_crypto_meta` (cgi's `parse_header`): the value before
 * the first `;` and the `swift_meta` parameter's meta, if there is one.
 */
export function extractCryptoMeta(value: string): { value: string; meta?: CryptoMeta } {
  const parts = value.split(';');
  const head = parts[0].trim();
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq === -1) continue;
    if (p.slice(0, eq).trim().toLowerCase() !== 'swift_meta') continue;
    let v = p.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    return { value: head, meta: loadCryptoMeta(v) };
  }
  return { value: head };
}

/**
 * Swift's `encrypt_header_val`: the value's bytes (a header string holds
 * them as latin1 code units) encrypted with a fresh IV, base64-encoded.
 */
export function encryptHeaderValue(value: string, key: Buffer): { value: string; meta: { cipher: string; iv: Buffer } } {
  const iv = createIv();
  const enc = encryptionContext(key, iv).update(Buffer.from(value, 'latin1'));
  return { value: enc.toString('base64'), meta: { cipher: CIPHER, iv } };
}

/** Swift's `decrypt_value`: the plaintext bytes of a base64 ciphertext. */
export function decryptValue(value: string, key: Buffer, meta: CryptoMeta): Buffer {
  if (!value) return Buffer.alloc(0);
  return decryptionContext(key, meta.iv, 0).update(Buffer.from(value, 'base64'));
}

/** An encrypted header value with its meta appended (`<b64>; swift_meta=…`). */
export function encryptWithMeta(value: string, key: Buffer, extra: Record<string, unknown> = {}): string {
  const enc = encryptHeaderValue(value, key);
  return appendCryptoMeta(enc.value, { ...enc.meta, ...extra });
}
