/** Swift's `check_metadata` (common's, shared with the object server) with its 400 as the proxy answers it. */
import { checkMetadata as check, InvalidArgumentError, type Constraints, type MetadataTarget } from '../../common/index.js';
import type { Headers, SwiftResponse } from '../types.js';
import { makeResponse } from '../response.js';

export function checkMetadata(headers: Headers, targetType: MetadataTarget, c: Constraints): SwiftResponse | undefined {
  try {
    check(headers, targetType, c);
    return undefined;
  } catch (err) {
    if (err instanceof InvalidArgumentError) return makeResponse(400, err.message, { 'content-type': 'text/plain' });
    throw err;
  }
}
