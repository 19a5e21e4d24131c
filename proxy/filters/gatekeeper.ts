/**
 * gatekeeper: clients can neither send nor see the headers the cluster keeps
 * for itself (X-Backend-*, system metadata, transient sysmeta).
 */
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

export const gatekeeper: FilterFactory = () => (next) => async (req) => {
  stripPrivate(req.headers);
  const resp = await next(req);
  stripPrivate(resp.headers);
  return resp;
};
