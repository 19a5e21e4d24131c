/**
 * Swift's `hash_path`: MD5 of prefix + "/" + "a[/c[/o]]" + suffix, with the
 * prefix and suffix from swift.conf. The ring's partition is the top
 * `part_power` bits of this digest.
 */
import { createHash, hash } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';

export interface HashPathSecrets {
  prefix: string;
  suffix: string;
}

function hashInput(secrets: HashPathSecrets, account: string, container?: string, object?: string): string {
  if (object !== undefined && object !== '' && (container === undefined || container === '')) {
    throw new InvalidArgumentError('container is required if object is provided');
  }
  let path = '/' + account;
  if (container) path += '/' + container;
  if (object) path += '/' + object;
  return secrets.prefix + path + secrets.suffix;
}

function digest(secrets: HashPathSecrets, account: string, container?: string, object?: string): Buffer {
  return createHash('md5').update(hashInput(secrets, account, container, object)).digest();
}

/** Hex MD5 name of an account, container or object (the hash dir's name). */
export function hashPath(secrets: HashPathSecrets, account: string, container?: string, object?: string): string {
  return digest(secrets, account, container, object).toString('hex');
}

/** Raw 16-byte digest, for partition lookups. */
export function hashPathRaw(secrets: HashPathSecrets, account: string, container?: string, object?: string): Buffer {
  return digest(secrets, account, container, object);
}

/**
 * The digest's first 4 bytes as a big-endian uint32: what a ring cuts the
 * partition from. One-shot hashing to hex, several times cheaper than a Hash
 * object and a Buffer, since the proxy does this on every request.
 */
export function hashPathTop32(secrets: HashPathSecrets, account: string, container?: string, object?: string): number {
  return parseInt(hash('md5', hashInput(secrets, account, container, object), 'hex').slice(0, 8), 16);
}
