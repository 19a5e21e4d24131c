/** healthcheck: `GET /healthcheck` → 200 "OK", or 503 when `disable_path` exists. */
import { existsSync } from 'node:fs';
import type { FilterFactory } from '../types.js';
import { makeResponse } from '../response.js';

export const healthcheck: FilterFactory = (conf) => {
  const disablePath = conf.disable_path ?? '';
  return (next) => async (req) => {
    if (req.path !== '/healthcheck') return next(req);
    if (disablePath && existsSync(disablePath)) {
      return makeResponse(503, 'DISABLED BY FILE', { 'content-type': 'text/plain' });
    }
    return makeResponse(200, 'OK', { 'content-type': 'text/plain' });
  };
};
