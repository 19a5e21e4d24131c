/**
 * The encrypting half of `encryption` (Swift 2.30's Encrypter), for object
 * requests only:
 *
 * - PUT: the body is encrypted as it streams (AES-256-CTR, a random body
 *   key wrapped with the object's key, in X-Object-Sysmeta-Crypto-Body-Meta);
 *   user metadata values move, encrypted, to
 *   X-Object-Transient-Sysmeta-Crypto-Meta-<name>; once the body has passed,
 *   footers carry the ciphertext's ETag (what the object servers check), the
 *   plaintext ETag encrypted (X-Object-Sysmeta-Crypto-Etag), its HMAC
 *   (X-Object-Sysmeta-Crypto-Etag-Mac, for conditionals) and the listing's
 *   ETag encrypted with the container's key (the container-update override).
 *   The client's ETag is checked against the plaintext (422).
 * - POST: user metadata encrypted the same way.
 * - GET/HEAD: If-Match / If-None-Match also list each ETag's HMAC under
 *   every root secret, and X-Backend-Etag-Is-At points the object server
 *   at the stored HMAC.
 */
import { createHash, type Cipher, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DEFAULT_CONSTRAINTS, parseMatch, normalizeEtag, type Constraints, type Logger } from '../../../common/index.js';
import type { App, Headers, PipelineContext, SwiftRequest, SwiftResponse } from '../../types.js';
import { makeResponse } from '../../response.js';
import { appendCsvHeader } from '../../subrequest.js';
import { checkMetadata } from '../../controllers/check-metadata.js';
import { CIPHER, createIv, createRandomKey, encryptionContext, hmacEtag, wrapKey } from './cipher.js';
import { dumpCryptoMeta, encryptWithMeta } from './crypto-meta.js';
import { getKeys, getMultipleKeys } from './keys.js';
import type { CryptoKeys } from '../../types.js';

export const OVERRIDE_ETAG = 'x-object-sysmeta-container-update-override-etag';
export const USER_META = 'x-object-meta-';
export const ENC_META = 'x-object-transient-sysmeta-crypto-meta-';
export const ENC_META_COMMON = 'x-object-transient-sysmeta-crypto-meta';
export const ETAG_MAC = 'x-object-sysmeta-crypto-etag-mac';
const MD5_OF_EMPTY = 'd41d8cd98f00b204e9800998ecf8427e';

export interface EncrypterOptions {
  logger: Logger;
  ctx: PipelineContext;
}

/** The proxy's constraints, as it published them in /info (Swift's module-level constants). */
function constraints(ctx: PipelineContext): Constraints {
  return { ...DEFAULT_CONSTRAINTS, ...(ctx.info.swift as Partial<Constraints> | undefined) };
}

/** Swift's `encrypt_user_metadata`: each non-empty X-Object-Meta-* value encrypted under a transient sysmeta name. */
function encryptUserMetadata(headers: Headers, keys: CryptoKeys): void {
  let any = false;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(USER_META) || name.length === USER_META.length || !value) continue;
    headers[ENC_META + name.slice(USER_META.length)] = encryptWithMeta(value, keys.object!);
    delete headers[name];
    any = true;
  }
  // One copy of what all of them share, for the future (Swift does not read it back).
  if (any) headers[ENC_META_COMMON] = dumpCryptoMeta({ cipher: CIPHER, key_id: keys.id });
}

/** The body as it goes to the object servers: encrypted, both MD5s counted as it passes. */
class BodyEncrypter {
  bodyMeta?: Record<string, unknown>;
  private cipher?: Cipher;
  private plainMd5?: Hash;
  private cipherMd5?: Hash;

  constructor(private readonly keys: CryptoKeys) {}

  /** Swift starts the context at the first byte: an empty body stores no body crypto meta. */
  private start(): void {
    const bodyKey = createRandomKey();
    const iv = createIv();
    this.bodyMeta = { iv, cipher: CIPHER, body_key: wrapKey(this.keys.object!, bodyKey), key_id: this.keys.id };
    this.cipher = encryptionContext(bodyKey, iv);
    this.plainMd5 = createHash('md5');
    this.cipherMd5 = createHash('md5');
  }

  /** A lazy stream over `src`: nothing is read (and no 100 Continue sent) until the proxy reads it. */
  wrap(src: Readable): Readable {
    const self = this;
    return Readable.from((async function* encrypt(): AsyncGenerator<Buffer> {
      for await (const chunk of src) {
        const plain = chunk as Buffer;
        if (plain.length === 0) continue;
        if (!self.cipher) self.start();
        self.plainMd5!.update(plain);
        const enc = self.cipher!.update(plain);
        self.cipherMd5!.update(enc);
        yield enc;
      }
    })(), { objectMode: false });
  }

  private digests?: { plain: string; cipher: string };
  /** The two MD5s once the body has ended (undefined when it had no bytes). */
  etags(): { plain: string; cipher: string } | undefined {
    if (!this.plainMd5 || !this.cipherMd5) return undefined;
    this.digests ??= { plain: this.plainMd5.digest('hex'), cipher: this.cipherMd5.digest('hex') };
    return this.digests;
  }
}

async function handlePut(o: EncrypterOptions, req: SwiftRequest, next: App): Promise<SwiftResponse> {
  const bad = checkMetadata(req.headers, 'object', constraints(o.ctx));
  if (bad) return bad;
  const keys = getKeys(req, o.logger, ['object', 'container']);
  encryptUserMetadata(req.headers, keys);
  const enc = new BodyEncrypter(keys);
  if (req.body) req.body = enc.wrap(req.body);
  // The ETag will not be the ciphertext's: it is checked against the plaintext in the footers.
  const clientEtag = req.headers.etag;
  delete req.headers.etag;
  const headerListingEtag = req.headers[OVERRIDE_ETAG];
  const inner = req.updateFooters;
  req.updateFooters = (footers) => {
    const refused = inner?.(footers);
    if (refused) return refused;
    const etags = enc.etags();
    if (etags) {
      const toCheck = footers.etag ?? clientEtag;
      if (toCheck !== undefined && normalizeEtag(toCheck) !== etags.plain) return makeResponse(422);
      footers.etag = etags.cipher;
      footers['x-object-sysmeta-crypto-etag'] = encryptWithMeta(etags.plain, keys.object!);
      footers['x-object-sysmeta-crypto-body-meta'] = dumpCryptoMeta(enc.bodyMeta!);
      footers[ETAG_MAC] = hmacEtag(keys.object!, etags.plain);
    } else if (clientEtag !== undefined) {
      footers.etag ??= clientEtag;
    }
    // The listing's ETag: an override in the footers, else in the headers, else the plaintext's.
    const listingEtag = footers[OVERRIDE_ETAG] ?? headerListingEtag ?? etags?.plain;
    if (listingEtag && (listingEtag !== MD5_OF_EMPTY || etags)) {
      // With the container's key, so a listing needs only that one to decrypt every row.
      footers[OVERRIDE_ETAG] = encryptWithMeta(listingEtag, keys.container!, { key_id: keys.id });
    }
    return undefined;
  };
  const resp = await next(req);
  const etags = enc.etags();
  if (resp.status >= 200 && resp.status < 300 && etags && resp.headers.etag !== undefined && normalizeEtag(resp.headers.etag) === etags.cipher) {
    resp.headers.etag = etags.plain;
  }
  return resp;
}

function handlePost(o: EncrypterOptions, req: SwiftRequest, next: App): Promise<SwiftResponse> {
  const bad = checkMetadata(req.headers, 'object', constraints(o.ctx));
  if (bad) return Promise.resolve(bad);
  encryptUserMetadata(req.headers, getKeys(req, o.logger, ['object']));
  return next(req);
}

/**
 * Swift's `_mask_conditional_etags`: each ETag stays (for objects stored
 * before encryption) and is joined by its HMAC under every root secret.
 */
function maskedEtags(value: string, allKeys: () => CryptoKeys[]): string {
  const out: string[] = [];
  for (const tag of parseMatch(value) ?? []) {
    if (tag === '*') {
      out.push(tag);
      continue;
    }
    out.push(`"${tag}"`);
    for (const keys of allKeys()) out.push(`"${hmacEtag(keys.object!, tag)}"`);
  }
  return out.join(', ');
}

function handleGetOrHead(o: EncrypterOptions, req: SwiftRequest, next: App): Promise<SwiftResponse> {
  const ifMatch = req.headers['if-match'];
  const ifNoneMatch = req.headers['if-none-match'];
  if (!ifMatch && !ifNoneMatch) return next(req);
  let all: CryptoKeys[] | undefined;
  const allKeys = () => (all ??= getMultipleKeys(req, o.logger));
  const headers = { ...req.headers };
  if (ifMatch) headers['if-match'] = maskedEtags(ifMatch, allKeys);
  if (ifNoneMatch) headers['if-none-match'] = maskedEtags(ifNoneMatch, allKeys);
  appendCsvHeader(headers, 'x-backend-etag-is-at', 'X-Object-Sysmeta-Crypto-Etag-Mac');
  // The filters to the left keep the client's conditionals (Swift restores them).
  return next({ ...req, headers });
}

export function encrypter(o: EncrypterOptions, disabled: boolean, next: App): (req: SwiftRequest, isObject: boolean) => Promise<SwiftResponse> {
  return (req, isObject) => {
    if (!isObject) return next(req);
    switch (req.method) {
      case 'GET':
      case 'HEAD':
        return handleGetOrHead(o, req, next);
      case 'PUT':
        return disabled ? next(req) : handlePut(o, req, next);
      case 'POST':
        return disabled ? next(req) : handlePost(o, req, next);
      default:
        return next(req);
    }
  };
}
