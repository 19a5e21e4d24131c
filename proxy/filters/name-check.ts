/**
 * name_check: refuses (400) a request whose path holds a forbidden
 * character (`forbidden_chars`, by default `'"\`<>`), is longer than
 * `maximum_length` bytes (255) or matches `forbidden_regexp` (by default
 * `.` and `..` segments), as Swift's filter of that name; it reads the
 * decoded path as Swift's path_info, a byte a character.
 */
import type { FilterFactory } from '../types.js';
import { getInt } from '../../common/index.js';
import { makeResponse } from '../response.js';
import { unquoteBytes } from '../request-path.js';

const FORBIDDEN_CHARS = '\'"`<>';
const FORBIDDEN_REGEXP = '/\\./|/\\.\\./|/\\.$|/\\.\\.$';

export const nameCheck: FilterFactory = (conf, ctx) => {
  const forbiddenChars = conf.forbidden_chars ?? FORBIDDEN_CHARS;
  const maximumLength = getInt(conf, 'maximum_length', 255);
  const forbiddenRegexp = conf.forbidden_regexp ?? FORBIDDEN_REGEXP;
  const compiled = forbiddenRegexp ? new RegExp(forbiddenRegexp) : undefined;
  ctx.registerInfo('name_check', { forbidden_chars: forbiddenChars, maximum_length: maximumLength, forbidden_regexp: forbiddenRegexp });
  return (next) => async (req) => {
    const path = unquoteBytes(req.path).toString('latin1');
    if ([...forbiddenChars].some((c) => path.includes(c))) {
      return makeResponse(400, `Object/Container/Account name contains forbidden chars from ${forbiddenChars}`);
    }
    if (path.length > maximumLength) {
      return makeResponse(400, `Object/Container/Account name longer than the allowed maximum ${maximumLength}`);
    }
    if (compiled?.test(path)) {
      return makeResponse(400, `Object/Container/Account name contains a forbidden substring from regular expression ${forbiddenRegexp}`);
    }
    return next(req);
  };
};
