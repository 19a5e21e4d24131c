/**
 * domain_remap: virtual hosting of accounts and containers, as Swift's filter
 * of that name. A Host of `<account>.<storage_domain>` or
 * `<container>.<account>.<storage_domain>` becomes the path
 * `/<path_root>/<account>[/<container>]/<the request's path>`; an account
 * written with a `-` for its reseller prefix's `_` (DNS names have no `_`)
 * or in the wrong case gets the prefix as configured, and one with no known
 * prefix gets `default_reseller_prefix` (or passes untouched without one).
 * Location headers in the answer are mapped back to the requested path.
 * No CNAME lookups: hosts are matched against `storage_domain` only.
 */
import type { FilterFactory } from '../types.js';
import { configTrueValue, quotePath } from '../../common/index.js';
import { makeResponse } from '../response.js';

const csv = (s: string | undefined): string[] => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface RemapOptions {
  /** Each with its leading dot. */
  storageDomains: string[];
  /** Without slashes: `v1`. */
  pathRoot: string;
  resellerPrefixes: string[];
  defaultResellerPrefix?: string;
  mangleClientPaths: boolean;
}

export function remapOptions(conf: Record<string, string | undefined>): RemapOptions {
  const domains = csv(conf.storage_domain ?? 'example.com');
  return {
    storageDomains: [...domains.filter((d) => !d.startsWith('.')).map((d) => `.${d}`), ...domains.filter((d) => d.startsWith('.'))],
    pathRoot: (conf.path_root ?? 'v1').replace(/^\/+|\/+$/g, ''),
    resellerPrefixes: csv(conf.reseller_prefixes ?? 'AUTH'),
    defaultResellerPrefix: conf.default_reseller_prefix || undefined,
    mangleClientPaths: configTrueValue(conf.mangle_client_paths),
  };
}

/**
 * A name from the Host header into a path segment: Node reads a header's
 * bytes one code unit each, so a UTF-8 name arrives as its bytes; Swift
 * joins those same bytes into the path.
 */
function hostNameSegment(name: string): string {
  return quotePath(/^[\0-\xff]*$/.test(name) ? Buffer.from(name, 'latin1').toString('utf8') : name);
}

export type Remap = { kind: 'none' } | { kind: 'bad' } | { kind: 'path'; path: string };

/** Where a request for `host` and the raw `path` goes (Swift's DomainRemapMiddleware.__call__). */
export function remapPath(o: RemapOptions, hostHeader: string, path: string): Remap {
  let host = hostHeader;
  const colon = host.lastIndexOf(':');
  if (colon !== -1) host = host.slice(0, colon);
  const domain = o.storageDomains.find((d) => host.endsWith(d));
  if (!domain) return { kind: 'none' };
  const parts = host.slice(0, -domain.length).replace(/^\.+|\.+$/g, '').split('.');
  let container: string | undefined;
  let account: string;
  if (parts.length === 2) [container, account] = parts;
  else if (parts.length === 1) account = parts[0];
  else return { kind: 'bad' };
  if (o.resellerPrefixes.length > 0) {
    if (!account.includes('_') && account.includes('-')) account = account.replace('-', '_');
    const given = account.split('_')[0].toLowerCase();
    const index = o.resellerPrefixes.findIndex((p) => p.toLowerCase() === given);
    if (index !== -1) {
      const real = o.resellerPrefixes[index];
      if (!account.startsWith(real)) account = real + account.slice(real.length);
    } else if (o.defaultResellerPrefix) {
      account = `${o.defaultResellerPrefix}_${account}`;
    } else {
      return { kind: 'none' };
    }
  }
  let rest = path.slice(1);
  if (o.mangleClientPaths && `${rest}/`.startsWith(`${o.pathRoot}/`)) rest = rest.slice(o.pathRoot.length + 1);
  const segments = ['', o.pathRoot, hostNameSegment(account)];
  if (container) segments.push(hostNameSegment(container));
  segments.push(rest);
  return { kind: 'path', path: segments.join('/') };
}

export const domainRemap: FilterFactory = (conf, ctx) => {
  const o = remapOptions(conf);
  ctx.registerInfo('domain_remap', { default_reseller_prefix: o.defaultResellerPrefix ?? null });
  return (next) => async (req) => {
    if (o.storageDomains.length === 0) return next(req);
    const remap = remapPath(o, req.headers.host ?? '', req.path);
    if (remap.kind === 'none') return next(req);
    if (remap.kind === 'bad') return makeResponse(400, 'Bad domain in host header', { 'content-type': 'text/plain' });
    const requested = req.path;
    req.path = remap.path;
    const resp = await next(req);
    // Swift's RewriteContext: a Location into the rewritten path points back at the requested one.
    const re = new RegExp(`^(https?://[^/]+)${escapeRe(remap.path)}(.*)$`);
    for (const name of ['location', 'content-location']) {
      const value = resp.headers[name];
      if (value !== undefined) resp.headers[name] = value.replace(re, (_m, origin: string, tail: string) => `${origin}${requested}${tail}`);
    }
    return resp;
  };
};
