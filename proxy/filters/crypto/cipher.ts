/**
 * The cipher Swift's encryption uses (its `Crypto` class): AES-256 in CTR
 * mode with a random 16-byte IV per value or body, keys wrapped with the
 * same cipher (not RFC 3394: the IV is at hand), and the ETag's HMAC that
 * lets an object server answer conditionals without the plaintext ETag.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, type Cipher, type Decipher } from 'node:crypto';

export const CIPHER = 'AES_CTR_256';
export const KEY_LENGTH = 32;
export const IV_LENGTH = 16;

/** A problem with stored crypto metadata or a key (Swift's EncryptionException). */
export class EncryptionError extends Error {}

/** A key id the keymaster has no root secret for (Swift's UnknownSecretIdError). */
export class UnknownSecretIdError extends EncryptionError {
  constructor(readonly secretId: string | undefined) {
    super(`unknown root secret id: ${secretId ?? '(default)'}`);
  }
}

export function checkKey(key: Buffer): void {
  if (key.length !== KEY_LENGTH) throw new EncryptionError(`Key must be length ${KEY_LENGTH} bytes`);
}

export const createIv = (): Buffer => randomBytes(IV_LENGTH);
export const createRandomKey = (): Buffer => randomBytes(KEY_LENGTH);

export function encryptionContext(key: Buffer, iv: Buffer): Cipher {
  checkKey(key);
  return createCipheriv('aes-256-ctr', key, iv);
}

/**
 * A decryption context starting `offset` bytes into the plaintext (a range
 * read): the counter block advanced by whole blocks (mod 2^128), then the
 * bytes before the offset within its block run through and dropped.
 */
export function decryptionContext(key: Buffer, iv: Buffer, offset: number): Decipher {
  checkKey(key);
  if (offset < 0) throw new EncryptionError('Offset must not be negative');
  const blocks = BigInt(Math.floor(offset / IV_LENGTH));
  const inBlock = offset % IV_LENGTH;
  let counter = iv;
  if (blocks > 0n) {
    const n = (BigInt(`0x${iv.toString('hex')}`) + blocks) % (1n << 128n);
    counter = Buffer.from(n.toString(16).padStart(IV_LENGTH * 2, '0'), 'hex');
  }
  const d = createDecipheriv('aes-256-ctr', key, counter);
  if (inBlock) d.update(Buffer.alloc(inBlock));
  return d;
}

export interface WrappedKey {
  key: Buffer;
  iv: Buffer;
}

export function wrapKey(wrapping: Buffer, key: Buffer): WrappedKey {
  const iv = createIv();
  return { key: encryptionContext(wrapping, iv).update(key), iv };
}

export function unwrapKey(wrapping: Buffer, wrapped: WrappedKey): Buffer {
  checkKey(wrapped.key);
  return decryptionContext(wrapping, wrapped.iv, 0).update(wrapped.key);
}

/** Swift's `_hmac_etag`: base64 of HMAC-SHA256(key, etag). */
export function hmacEtag(key: Buffer, etag: string): string {
  return createHmac('sha256', key).update(Buffer.from(etag, 'latin1')).digest('base64');
}
