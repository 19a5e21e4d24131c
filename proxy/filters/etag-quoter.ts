/**
 * etag_quoter: RFC 7232 quoted ETags on object responses, per account or
 * container, as Swift's filter of that name. Clients set
 * `X-Account-Rfc-Compliant-Etags` / `X-Container-Rfc-Compliant-Etags`
 * (true or false; empty or `X-Remove-…` unsets), kept as sysmeta; a
 * container's setting beats its account's, which beats
 * `enable_by_default`. Only the `ETag` header is quoted (an SLO's
 * `X-Manifest-Etag` stays as it is), and one already quoted (`"…"`,
 * `W/"…"`) is left alone. Swift places it right after the cache.
 */
import type { FilterFactory } from '../types.js';
import { configTrueValue, DEFAULT_CONSTRAINTS, getBool } from '../../common/index.js';
import { parseRequestPath } from '../request-path.js';

export const etagQuoter: FilterFactory = (conf, ctx) => {
  const enableByDefault = getBool(conf, 'enable_by_default', false);
  ctx.registerInfo('etag_quoter', { enable_by_default: enableByDefault });

  return (next) => async (req) => {
    const parsed = parseRequestPath(req);
    if (!parsed.ok || !DEFAULT_CONSTRAINTS.valid_api_versions.includes(parsed.path.version)) return next(req);
    const { account, container, object } = parsed.path;

    if (object === undefined) {
      const typ = container === undefined ? 'account' : 'container';
      const clientHeader = `x-${typ}-rfc-compliant-etags`;
      const sysmetaHeader = `x-${typ}-sysmeta-rfc-compliant-etags`;
      const value = req.headers[clientHeader];
      // As Swift stores it: Python's str() of the boolean.
      if (value !== undefined) req.headers[sysmetaHeader] = value ? (configTrueValue(value) ? 'True' : 'False') : '';
      if (req.headers[`x-remove-${typ}-rfc-compliant-etags`]) req.headers[sysmetaHeader] = '';
      const resp = await next(req);
      const stored = resp.headers[sysmetaHeader];
      if (stored !== undefined) {
        delete resp.headers[sysmetaHeader];
        resp.headers[clientHeader] = stored;
      }
      return resp;
    }

    if (!ctx.infoSource) throw new Error('etag_quoter needs the proxy app at the end of the pipeline');
    const containerInfo = await ctx.infoSource.container(req, account, container!);
    if (containerInfo.status < 200 || containerInfo.status >= 300) return next(req);
    let flag: string | undefined = containerInfo.sysmeta['rfc-compliant-etags'];
    if (flag === undefined) {
      const accountInfo = await ctx.infoSource.account(req, account);
      if (accountInfo.status < 200 || accountInfo.status >= 300) return next(req);
      flag = accountInfo.sysmeta?.['rfc-compliant-etags'];
    }
    if (!(flag === undefined ? enableByDefault : configTrueValue(flag))) return next(req);
    const resp = await next(req);
    const etag = resp.headers.etag;
    if (etag !== undefined && !((etag.startsWith('"') || etag.startsWith('W/"')) && etag.endsWith('"'))) resp.headers.etag = `"${etag}"`;
    return resp;
  };
};
