/**
 * Getting keys from the keymaster for the encryption filter (Swift's
 * `CryptoWSGIContext.get_keys`): a missing keymaster, a failing one or a
 * key of the wrong length is Swift's 500 "Unable to retrieve encryption
 * keys." (logged here, never with the key); an unknown root secret id is
 * left to the caller (an object read answers 500, a listing `<unknown>`).
 */
import type { Logger } from '../../../common/index.js';
import type { CryptoKeys, SwiftRequest, SwiftResponse } from '../../types.js';
import { makeResponse } from '../../response.js';
import { KEY_LENGTH, UnknownSecretIdError } from './cipher.js';

/** An early answer from inside the filter (Swift's `raise HTTPxxx`). */
export class Answer extends Error {
  constructor(readonly response: SwiftResponse) {
    super(`answer ${response.status}`);
  }
}

export const textAnswer = (status: number, body: string): Answer => new Answer(makeResponse(status, body, { 'content-type': 'text/plain' }));

const noKeys = (): Answer => textAnswer(500, 'Unable to retrieve encryption keys.');

export type KeyName = 'object' | 'container';

export function getKeys(req: SwiftRequest, logger: Logger, required: KeyName[], keyId?: Record<string, unknown>): CryptoKeys {
  const fetch = req.fetchCryptoKeys;
  if (!fetch) {
    logger.error({ txn: req.env.transId }, 'ERROR get_keys() missing callback');
    throw noKeys();
  }
  let keys: CryptoKeys;
  try {
    keys = fetch(keyId);
  } catch (err) {
    if (err instanceof UnknownSecretIdError) {
      logger.error({ txn: req.env.transId, secretId: err.secretId }, 'get_keys(): unknown key id');
      throw err;
    }
    logger.error({ txn: req.env.transId, err: (err as Error).message }, 'get_keys(): from callback');
    throw noKeys();
  }
  for (const name of required) {
    const key = keys[name];
    if (!key || key.length !== KEY_LENGTH) {
      logger.error({ txn: req.env.transId, name }, key ? 'Bad key' : 'Missing key');
      throw noKeys();
    }
  }
  return keys;
}

/** The keys of every root secret for this path (Swift's `get_multiple_keys`): the active ones first. */
export function getMultipleKeys(req: SwiftRequest, logger: Logger): CryptoKeys[] {
  const active = getKeys(req, logger, ['object']);
  const out = [active];
  const activeId = JSON.stringify(active.id);
  for (const id of active.all_ids ?? []) {
    if (JSON.stringify(id) === activeId) continue;
    out.push(getKeys(req, logger, ['object'], id));
  }
  return out;
}
