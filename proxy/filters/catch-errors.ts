/**
 * catch_errors: stamps the transaction id on every response and turns any
 * exception below into Swift's 500 (logged once, here).
 */
import type { FilterFactory } from '../types.js';
import { makeResponse } from '../response.js';

export const catchErrors: FilterFactory = (conf, ctx) => {
  const extra = conf.trans_id_suffix ?? '';
  return (next) => async (req) => {
    const clientExtra = req.headers['x-trans-id-extra'];
    if (extra || clientExtra) {
      req.env.transId += extra + (clientExtra ? encodeURIComponent(clientExtra.slice(0, 32)) : '');
    }
    let resp;
    try {
      resp = await next(req);
    } catch (err) {
      ctx.logger.error({ err, txn: req.env.transId }, 'Error: An error occurred');
      resp = makeResponse(500);
    }
    resp.headers['x-trans-id'] = req.env.transId;
    resp.headers['x-openstack-request-id'] = req.env.transId;
    return resp;
  };
};
