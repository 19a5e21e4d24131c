/**
 * The decrypting half of `encryption` (Swift 2.30's Decrypter):
 *
 * - object GET/HEAD (2xx, 304, 412): the ETag, the listing ETag override
 *   and user metadata decrypted back to their names, the crypto sysmeta
 *   dropped; a GET's body decrypted as it streams, from the offset a
 *   Content-Range gives, part by part in a multipart/byteranges answer.
 *   An object stored without encryption has no crypto sysmeta and passes as
 *   it is.
 * - container GET (2xx JSON, what listing_formats asks for whatever the
 *   client's format): each row's encrypted hash decrypted with the
 *   container's key; one that cannot be is `<unknown>`.
 *
 * Unlike Swift, a body key unwrapped with the wrong root secret (a changed
 * secret under the same id) is noticed: the decrypted ETag's HMAC then
 * differs from the stored one, and the answer is 500 rather than garbage.
 */
import { Readable } from 'node:stream';
import type { Logger } from '../../../common/index.js';
import type { App, CryptoKeys, Headers, SwiftRequest, SwiftResponse } from '../../types.js';
import { dropBody, readSmallBody } from '../../response.js';
import { pythonJson } from '../subrequest.js';
import { EncryptionError, UnknownSecretIdError, decryptionContext, hmacEtag, unwrapKey } from './cipher.js';
import { checkCryptoMeta, decryptValue, extractCryptoMeta, loadCryptoMeta, type CryptoMeta } from './crypto-meta.js';
import { ENC_META, ENC_META_COMMON, ETAG_MAC, OVERRIDE_ETAG } from './encrypter.js';
import { getKeys, textAnswer } from './keys.js';
import { decryptByteranges } from './byteranges.js';

const BODY_META = 'x-object-sysmeta-crypto-body-meta';
const ENC_ETAG = 'x-object-sysmeta-crypto-etag';
const CRYPTO_PREFIXES = ['x-object-transient-sysmeta-crypto-', 'x-object-sysmeta-crypto-'];

const isCrypto = (name: string): boolean => CRYPTO_PREFIXES.some((p) => name.startsWith(p));

const objectError = () => textAnswer(500, 'Error decrypting object');

/** A header's crypto meta, or 500 "Error decrypting object" when it is not one. */
function readMeta(logger: Logger, headers: Headers, name: string, check: boolean): CryptoMeta | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  try {
    const meta = loadCryptoMeta(value);
    if (check) checkCryptoMeta(meta);
    return meta;
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'Error decrypting object');
    throw objectError();
  }
}

/** Swift's `_decrypt_header`: a value with its swift_meta decrypted (as latin1 code units), else as it is. */
function decryptHeader(logger: Logger, name: string, value: string, key: Buffer, required: boolean): string {
  try {
    const { value: enc, meta } = extractCryptoMeta(value);
    if (!meta) {
      if (required) throw new EncryptionError(`Missing crypto meta in value ${value}`);
      return value;
    }
    checkCryptoMeta(meta);
    return decryptValue(enc, key, meta).toString('latin1');
  } catch (err) {
    logger.error({ header: name, err: (err as Error).message }, 'Error decrypting header');
    throw textAnswer(500, 'Error decrypting header');
  }
}

function keysFor(req: SwiftRequest, logger: Logger, meta: CryptoMeta | undefined): CryptoKeys {
  try {
    return getKeys(req, logger, ['object'], meta?.key_id as Record<string, unknown> | undefined);
  } catch (err) {
    if (err instanceof UnknownSecretIdError) throw objectError();
    throw err;
  }
}

function toStream(body: SwiftResponse['body']): Readable | undefined {
  if (body === undefined) return undefined;
  if (body instanceof Readable) return body;
  return Readable.from([typeof body === 'string' ? Buffer.from(body) : body], { objectMode: false });
}

/** A body decrypted from `offset` on, chunk by chunk. */
function decryptStream(src: Readable, key: Buffer, iv: Buffer, offset: number): Readable {
  const ctx = decryptionContext(key, iv, offset);
  const out = Readable.from((async function* decrypt(): AsyncGenerator<Buffer> {
    for await (const chunk of src) yield ctx.update(chunk as Buffer);
  })(), { objectMode: false });
  out.once('close', () => dropBody(src)); // a client gone mid-body: the backend's goes too, its 'error' swallowed
  return out;
}

function bodyOffset(headers: Headers): number {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec((headers['content-range'] ?? '').trim());
  return m ? Number(m[1]) : 0;
}

async function decryptObject(logger: Logger, req: SwiftRequest, next: App): Promise<SwiftResponse> {
  const resp = await next(req);
  try {
    return decryptResponse(logger, req, resp);
  } catch (err) {
    // An error answer replaces the backend's: its body is never read, so let it (and its connection) go.
    dropBody(resp.body);
    throw err;
  }
}

function decryptResponse(logger: Logger, req: SwiftRequest, resp: SwiftResponse): SwiftResponse {
  const h = resp.headers;
  if (!Object.keys(h).some(isCrypto)) return resp;
  const readable = (resp.status >= 200 && resp.status < 300) || resp.status === 304 || resp.status === 412;
  const bodyMeta = readable ? readMeta(logger, h, BODY_META, true) : undefined;
  const postMeta = readable ? readMeta(logger, h, ENC_META_COMMON, false) : undefined;
  const out: Headers = {};
  let putKeys: CryptoKeys | undefined;
  if (h[ENC_ETAG] || h[OVERRIDE_ETAG]) putKeys = keysFor(req, logger, bodyMeta);
  if (h[ENC_ETAG]) {
    const etag = decryptHeader(logger, ENC_ETAG, h[ENC_ETAG], putKeys!.object!, true);
    const mac = h[ETAG_MAC];
    if (mac && mac !== hmacEtag(putKeys!.object!, etag)) {
      logger.error({ txn: req.env.transId }, 'Error decrypting object: the ETag does not match its HMAC (wrong root secret?)');
      throw objectError();
    }
    out.etag = etag;
  }
  if (h[OVERRIDE_ETAG] && putKeys?.container) out[OVERRIDE_ETAG] = decryptHeader(logger, OVERRIDE_ETAG, h[OVERRIDE_ETAG], putKeys.container, false);
  let postKeys: CryptoKeys | undefined;
  for (const [name, value] of Object.entries(h)) {
    if (!name.startsWith(ENC_META) || name.length === ENC_META.length || !value) continue;
    postKeys ??= keysFor(req, logger, postMeta);
    out[`x-object-meta-${name.slice(ENC_META.length)}`] = decryptHeader(logger, name, value, postKeys.object!, true);
  }
  for (const [name, value] of Object.entries(h)) if (!(name in out) && !isCrypto(name)) out[name] = value;
  resp.headers = out;
  if (!bodyMeta || req.method !== 'GET' || resp.status < 200 || resp.status >= 300) return resp;
  let bodyKey: Buffer;
  try {
    if (!bodyMeta.body_key) throw new EncryptionError("Missing 'body_key'");
    bodyKey = unwrapKey(putKeys?.object ?? keysFor(req, logger, bodyMeta).object!, bodyMeta.body_key);
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'Error decrypting object');
    throw objectError();
  }
  const src = toStream(resp.body);
  if (!src) return resp;
  const ctype = out['content-type'] ?? '';
  const boundary = /^multipart\/byteranges\s*;.*\bboundary=("?)([^";]+)\1/i.exec(ctype)?.[2];
  resp.body = resp.status === 206 && boundary
    ? decryptByteranges(src, boundary, (offset) => decryptionContext(bodyKey, bodyMeta.iv, offset))
    : decryptStream(src, bodyKey, bodyMeta.iv, bodyOffset(out));
  return resp;
}

/** Swift's `DecrypterContContext.decrypt_obj_dict` for one listing row. */
function decryptRow(req: SwiftRequest, logger: Logger, row: Record<string, unknown>, badIds: Set<string>): boolean {
  if (typeof row.hash !== 'string') return false;
  let parsed;
  try {
    parsed = extractCryptoMeta(row.hash);
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'Error decrypting container listing');
    row.hash = '<unknown>';
    return true;
  }
  if (!parsed.meta) return false;
  try {
    checkCryptoMeta(parsed.meta);
    const keys = getKeys(req, logger, ['container'], parsed.meta.key_id as Record<string, unknown> | undefined);
    row.hash = decryptValue(parsed.value, keys.container!, parsed.meta).toString('utf8');
  } catch (err) {
    if (!(err instanceof EncryptionError)) throw err;
    // An unknown secret id is reported once per listing.
    const id = err instanceof UnknownSecretIdError ? String(err.secretId) : undefined;
    if (id === undefined || !badIds.has(id)) logger.error({ err: err.message }, 'Error decrypting container listing');
    if (id !== undefined) badIds.add(id);
    row.hash = '<unknown>';
  }
  return true;
}

async function decryptListing(logger: Logger, req: SwiftRequest, next: App): Promise<SwiftResponse> {
  const resp = await next(req);
  if (resp.status < 200 || resp.status >= 300) return resp;
  if ((resp.headers['content-type'] ?? '').split(';')[0].trim() !== 'application/json') return resp;
  const body = await readSmallBody(resp.body);
  let rows: unknown;
  try {
    rows = JSON.parse(body.toString('utf8'));
  } catch {
    return { ...resp, body };
  }
  if (!Array.isArray(rows)) return { ...resp, body };
  const badIds = new Set<string>();
  let changed = false;
  for (const row of rows) if (row && typeof row === 'object' && decryptRow(req, logger, row as Record<string, unknown>, badIds)) changed = true;
  // A listing with nothing encrypted goes out as it came.
  const out = changed ? Buffer.from(pythonJson(rows), 'utf8') : body;
  return { ...resp, headers: { ...resp.headers, 'content-length': String(out.length) }, body: out };
}

export function decrypter(logger: Logger, next: App): (req: SwiftRequest, level: 'container' | 'object') => Promise<SwiftResponse> {
  return (req, level) => {
    if (level === 'object' && (req.method === 'GET' || req.method === 'HEAD')) return decryptObject(logger, req, next);
    if (level === 'container' && req.method === 'GET') return decryptListing(logger, req, next);
    return next(req);
  };
}
