/**
 * What tempurl and formpost share (Swift's `swift/common/digest.py` and
 * `get_tempurl_keys_from_metadata`): the digests an operator allows, a
 * client's signature in hex or `<digest>:<base64>` form, the HMAC of a
 * message, and the keys set in account and container metadata.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError, type Logger } from '../../common/index.js';

export type Digest = 'sha1' | 'sha256' | 'sha512';

const SUPPORTED: readonly Digest[] = ['sha1', 'sha256', 'sha512'];
const DEPRECATED: readonly Digest[] = ['sha1'];
const HEX_LENGTHS: Record<number, Digest> = { 40: 'sha1', 64: 'sha256', 128: 'sha512' };

export interface AllowedDigests {
  allowed: Digest[];
  /** The allowed ones Swift deprecates (sha1), for /info. */
  deprecated: Digest[];
}

/**
 * The `allowed_digests` option (whitespace-separated; empty means all
 * supported): unsupported names are dropped with a warning, and none left is
 * a config error (Swift's `get_allowed_digests`). Sorted, as /info shows them.
 */
export function allowedDigests(option: string | undefined, logger: Logger, filter: string): AllowedDigests {
  const asked = [...new Set((option ?? '').split(/\s+/).filter(Boolean).map((d) => d.toLowerCase()))];
  const chosen = asked.length ? asked : [...SUPPORTED];
  const unsupported = chosen.filter((d) => !SUPPORTED.includes(d as Digest));
  if (unsupported.length) logger.warn({ filter, digests: unsupported }, 'digest algorithms configured but not supported');
  const allowed = chosen.filter((d): d is Digest => SUPPORTED.includes(d as Digest)).sort();
  if (!allowed.length) throw new ConfigError(`[filter:${filter}] allowed_digests: no valid digest algorithms are configured`);
  const deprecated = allowed.filter((d) => DEPRECATED.includes(d));
  if (deprecated.length) logger.warn({ filter, digests: deprecated }, 'digest algorithms allowed but deprecated');
  return { allowed, deprecated };
}

/**
 * A client's signature as (digest, lower-case hex): `<hex>` whose length
 * names the digest, or `<digest>:<base64>` (standard or URL-safe alphabet,
 * padding optional). Undefined when it parses as neither (Swift's
 * `extract_digest_and_algorithm` raising ValueError). The digest name of the
 * second form is returned as given: the caller checks it is allowed.
 */
export function extractDigest(value: string): { digest: string; hex: string } | undefined {
  const colon = value.indexOf(':');
  if (colon !== -1) {
    const digest = value.slice(0, colon);
    let b64 = value.slice(colon + 1);
    if (/[-_]/.test(b64) && !/[+/]/.test(b64)) b64 = b64.replace(/-/g, '+').replace(/_/g, '/');
    const bare = b64.replace(/^=+|=+$/g, '');
    // Python's b64decode refuses foreign characters here (strict_b64decode) and a lone sextet.
    if (!/^[A-Za-z0-9+/]*$/.test(bare) || bare.length % 4 === 1) return undefined;
    return { digest, hex: Buffer.from(bare, 'base64').toString('hex') };
  }
  if (value.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(value)) return undefined;
  const digest = HEX_LENGTHS[value.length];
  return digest ? { digest, hex: value } : undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A key's bytes. A key read from metadata may arrive as its header's bytes,
 * one char each (latin-1): when those bytes are UTF-8 they are the key the
 * client set, as Swift reads it; otherwise the key is text, UTF-8 encoded.
 */
function keyBytes(key: string): Buffer {
  if (!/^[\x00-\xff]*$/.test(key)) return Buffer.from(key, 'utf8');
  const raw = Buffer.from(key, 'latin1');
  try {
    strictUtf8.decode(raw);
    return raw;
  } catch {
    return Buffer.from(key, 'utf8');
  }
}

/** HMAC of `message` (UTF-8) under `key`, in hex. */
export function hmacHex(digest: Digest, key: string, message: string): string {
  return createHmac(digest, keyBytes(key)).update(Buffer.from(message, 'utf8')).digest('hex');
}

/** Equality in time independent of where the strings differ (Swift's `streq_const_time`). */
export function sameSignature(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** The values of `Temp-URL-Key` and `Temp-URL-Key-2` in account or container metadata (names lower-case, prefix off). */
export function tempUrlKeys(meta: Record<string, string> | undefined): string[] {
  return Object.entries(meta ?? {})
    .filter(([k]) => k.toLowerCase() === 'temp-url-key' || k.toLowerCase() === 'temp-url-key-2')
    .map(([, v]) => v);
}

/** Python's `int()` of a string (how Swift reads expiry times and sizes): optional sign, digits with single `_` between, surrounding blanks. */
export function pythonInt(s: string): number | undefined {
  const m = /^\s*([+-]?\d+(?:_\d+)*)\s*$/.exec(s);
  return m ? Number(m[1].replace(/_/g, '')) : undefined;
}
