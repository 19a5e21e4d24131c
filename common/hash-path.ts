/**
 * Swift's `hash_path`: MD5 of prefix + "/" + "a[/c[/o]]" + suffix, with the
 * prefix and suffix from swift.conf. The ring's partition is the top
 * `part_power` bits of this digest.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';

export interface HashPathSecrets {
  prefix: string;
  suffix: string;
}

function digest(secrets: HashPathSecrets, account: string, container?: string, object?: string): Buffer {
  if (object !== undefined && object !== '' && (container === undefined || container === '')) {
    throw new InvalidArgumentError('container is required if object is provided');
  }
  let path = '/' + account;
  if (container) path += '/' + container;
  if (object) path += '/' + object;
  return createHash('md5').update(secrets.prefix).update(path).update(secrets.suffix).digest();
}

/** Hex MD5 name of an account, container or object (the hash dir's name). */
export function hashPath(secrets: HashPathSecrets, account: string, container?: string, object?: string): string {
  return digest(secrets, account, container, object).toString('hex');
}

/** Raw 16-byte digest, for partition lookups. */
export function hashPathRaw(secrets: HashPathSecrets, account: string, container?: string, object?: string): Buffer {
  return digest(secrets, account, container, object);
}
