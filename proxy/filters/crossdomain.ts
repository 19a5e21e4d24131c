/**
 * crossdomain: `GET /crossdomain.xml` answers the cross-domain policy that
 * Flash, Java and Silverlight clients ask for before calling the API, as
 * Swift's filter of that name; `cross_domain_policy` holds its inner lines
 * (by default any domain, over plain HTTP too). It goes before the auth
 * filter: the policy is public.
 */
import type { FilterFactory } from '../types.js';
import { makeResponse } from '../response.js';

const DEFAULT_POLICY = '<allow-access-from domain="*" secure="false" />';

export const crossdomain: FilterFactory = (conf, ctx) => {
  ctx.registerInfo('crossdomain', {});
  const policy = conf.cross_domain_policy ?? DEFAULT_POLICY;
  const body = Buffer.from('<?xml version="1.0"?>\n'
    + '<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd" >\n'
    + `<cross-domain-policy>\n${policy}\n</cross-domain-policy>`, 'utf8');
  return (next) => async (req) => {
    if (req.path === '/crossdomain.xml' && req.method === 'GET') return makeResponse(200, body, { 'content-type': 'application/xml' });
    return next(req);
  };
};
