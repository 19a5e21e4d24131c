/**
 * encryption at rest, as Swift 2.30's `keymaster` and `encryption` filters
 * (`egg:swift#keymaster`, `egg:swift#encryption`), in a pipeline as Swift's
 * sample has them: `… slo dlo … keymaster encryption proxy-logging
 * proxy-server`. The keymaster derives keys per path from a root secret;
 * encryption is a decrypter (responses) around an encrypter (requests), so
 * object bodies, user metadata and ETags are stored encrypted and come
 * back as they were sent. Swift publishes `encryption` only in /info's
 * admin section, so the public /info says nothing of it, as here.
 * `disable_encryption = true` stores new data in the clear while what was
 * encrypted still reads.
 */
import { configTrueValue } from '../../../common/index.js';
import type { FilterFactory, SwiftRequest, SwiftResponse } from '../../types.js';
import { splitPath, unquoteBytes } from '../../request-path.js';
import { encrypter } from './encrypter.js';
import { decrypter } from './decrypter.js';
import { Answer } from './keys.js';

export { keymaster } from './keymaster.js';

/** The level a request names, as Swift's `split_path(path, 3, 4, True)` and `(4, 4, True)` tell them. */
function level(req: SwiftRequest): 'container' | 'object' | undefined {
  const segs = splitPath(unquoteBytes(req.path).toString('utf8'));
  if (!segs?.account || !segs.container) return undefined;
  return segs.object ? 'object' : 'container';
}

export const encryption: FilterFactory = (conf, ctx) => {
  const logger = ctx.logger.child({ filter: 'encryption' });
  const disabled = configTrueValue(conf.disable_encryption);
  return (next) => {
    const enc = encrypter({ logger, ctx }, disabled, next);
    const dec = decrypter(logger, (req) => enc(req, level(req) === 'object'));
    return async (req): Promise<SwiftResponse> => {
      const l = level(req);
      try {
        return l ? await dec(req, l) : await next(req);
      } catch (err) {
        if (err instanceof Answer) return err.response;
        throw err;
      }
    };
  };
};
