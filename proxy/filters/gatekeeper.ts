/**
 * gatekeeper: clients can neither send nor see the headers the cluster keeps
 * for itself (X-Backend-*, system metadata, transient sysmeta). A client's
 * X-Timestamp is moved aside to X-Backend-Inbound-X-Timestamp
 * (`shunt_inbound_x_timestamp`, on by default), so a client cannot date its
 * writes; `allow_reserved_names_header` lets X-Allow-Reserved-Names through
 * as X-Backend-Allow-Reserved-Names.
 */
import { getBool } from '../../common/index.js';
import type { FilterFactory, Headers } from '../types.js';

const PRIVATE = [
  /^x-backend-/,
  /^x-(account|container|object)-sysmeta-/,
  /^x-object-transient-sysmeta-/,
];

export function isPrivateHeader(name: string): boolean {
  return PRIVATE.some((re) => re.test(name));
}

export function stripPrivate(headers: Headers): void {
  for (const k of Object.keys(headers)) if (isPrivateHeader(k)) delete headers[k];
}

export const gatekeeper: FilterFactory = (conf) => {
  const shuntTimestamp = getBool(conf, 'shunt_inbound_x_timestamp', true);
  const allowReservedNames = getBool(conf, 'allow_reserved_names_header', false);
  return (next) => async (req) => {
    stripPrivate(req.headers);
    if (shuntTimestamp && req.headers['x-timestamp'] !== undefined) {
      req.headers['x-backend-inbound-x-timestamp'] = req.headers['x-timestamp'];
      delete req.headers['x-timestamp'];
    }
    if (allowReservedNames && req.headers['x-allow-reserved-names'] !== undefined) {
      req.headers['x-backend-allow-reserved-names'] = req.headers['x-allow-reserved-names'];
      delete req.headers['x-allow-reserved-names'];
    }
    const resp = await next(req);
    stripPrivate(resp.headers);
    return resp;
  };
};
