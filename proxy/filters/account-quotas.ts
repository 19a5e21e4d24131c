/**
 * account_quotas: a reseller admin caps an account with
 * `X-Account-Meta-Quota-Bytes` (only a reseller admin may set or remove
 * it); an object PUT that would take the account past it is refused with
 * 413 once the writer is authorized, as Swift's filter of that name.
 */
import type { FilterFactory } from '../types.js';
import { makeResponse } from '../response.js';
import { parseRequestPath } from '../request-path.js';

export const accountQuotas: FilterFactory = (_conf, ctx) => {
  ctx.registerInfo('account_quotas', {});
  return (next) => async (req) => {
    if (req.method !== 'POST' && req.method !== 'PUT') return next(req);
    const parsed = parseRequestPath(req);
    if (!parsed.ok) return next(req);
    const { account, container, object } = parsed.path;
    let newQuota: string | undefined;
    if (container === undefined) {
      newQuota = req.headers['x-account-meta-quota-bytes'];
      // X-Remove dominates when both are sent.
      if (req.headers['x-remove-account-meta-quota-bytes']) newQuota = '0';
    }
    if (req.env.resellerRequest === true) {
      if (newQuota && !/^\d+$/.test(newQuota)) return makeResponse(400);
      return next(req);
    }
    if (newQuota !== undefined) return makeResponse(403);
    if (req.method === 'POST' || object === undefined) return next(req);
    if (!ctx.infoSource) throw new Error('account info needs the proxy app at the end of the pipeline');
    const info = await ctx.infoSource.account(req, account);
    const raw = info.meta['quota-bytes'];
    const quota = raw === undefined ? -1 : /^\s*[+-]?\d+\s*$/.test(raw) ? parseInt(raw, 10) : NaN;
    if (Number.isNaN(quota) || quota < 0) return next(req);
    if (quota >= info.bytes + Number(req.headers['content-length'] ?? 0)) return next(req);
    const tooLarge = makeResponse(413, 'Upload exceeds quota.');
    const authorize = req.env.authorize;
    if (!authorize) return tooLarge;
    // Authorization speaks first: a stranger gets 401/403, the owner 413.
    req.env.authorize = async (r) => (await authorize(r)) ?? tooLarge;
    return next(req);
  };
};
