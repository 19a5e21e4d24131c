/**
 * read_only: makes the whole cluster (`read_only = true`) or single
 * accounts read only, as Swift's filter of that name. A write (COPY, POST,
 * PUT and, unless `allow_deletes`, DELETE) to an account in read-only mode
 * gets 405 "Writes are disabled for this account.". An account's
 * `X-Account-Sysmeta-Read-Only` (set by an operator's direct client; the
 * gatekeeper keeps clients from it) overrides the cluster-wide setting
 * either way. A COPY counts against its Destination-Account.
 */
import type { FilterFactory } from '../types.js';
import { configTrueValue, DEFAULT_CONSTRAINTS, getBool } from '../../common/index.js';
import { makeResponse } from '../response.js';
import { parseRequestPath, unquoteBytes } from '../request-path.js';

export const readOnly: FilterFactory = (conf, ctx) => {
  const clusterReadOnly = getBool(conf, 'read_only', false);
  const writeMethods = new Set(['COPY', 'POST', 'PUT']);
  if (!getBool(conf, 'allow_deletes', false)) writeMethods.add('DELETE');
  // Swift registers the entry only when the cluster itself is read only.
  if (clusterReadOnly) ctx.registerInfo('read_only', {});

  return (next) => async (req) => {
    if (!writeMethods.has(req.method)) return next(req);
    const parsed = parseRequestPath(req);
    if (!parsed.ok || !DEFAULT_CONSTRAINTS.valid_api_versions.includes(parsed.path.version)) return next(req);
    let account = parsed.path.account;
    const destAccount = req.headers['destination-account'];
    if (req.method === 'COPY' && destAccount !== undefined) {
      account = unquoteBytes(destAccount).toString('utf8');
      // An empty or slashed name: the copy filter answers its 412.
      if (!account || account.includes('/')) return next(req);
    }
    if (!ctx.infoSource) throw new Error('read_only needs the proxy app at the end of the pipeline');
    const info = await ctx.infoSource.account(req, account);
    const flag = info.sysmeta?.['read-only'];
    const readOnlyNow = flag ? configTrueValue(flag) : clusterReadOnly;
    if (readOnlyNow) return makeResponse(405, 'Writes are disabled for this account.');
    return next(req);
  };
};
