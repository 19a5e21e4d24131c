/**
 * tempurl (Swift's `egg:swift#tempurl`): a URL signed with a key from the
 * account's or container's `Temp-URL-Key[-2]` metadata grants one method on
 * one object (or every object under `temp_url_prefix`) until
 * `temp_url_expires`, optionally only from `temp_url_ip_range`, without a
 * token. The signature is an HMAC (sha1, sha256, sha512: `allowed_digests`)
 * of `[ip=<range>\n]<method>\n<expires>\n<path>`, hex or `<digest>:<base64>`.
 * An account key grants its account, a container key its container, and the
 * request runs with that scope as its authorization in place of the auth
 * filter's. Headers are stripped on the way in and out as configured, and a
 * GET gets a Content-Disposition. Place it before the auth filter, as Swift's
 * sample pipeline does.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { quotePath } from '../../common/index.js';
import type { FilterFactory, Headers, PipelineContext, SwiftRequest, SwiftResponse } from '../types.js';
import { filterStatsd } from './filter-statsd.js';
import { makeResponse } from '../response.js';
import { unquoteBytes } from '../request-path.js';
import { allowedDigests, extractDigest, hmacHex, pythonInt, sameSignature, tempUrlKeys, type Digest } from './signatures.js';

/** Headers a PUT/POST/DELETE tempurl may never carry: they would point the object at data the URL does not grant. */
const DISALLOWED_INCOMING = ['x-object-manifest', 'x-symlink-target', 'x-copy-from'];

const DEFAULTS = {
  methods: 'GET HEAD PUT POST DELETE',
  incoming_remove_headers: 'x-timestamp',
  incoming_allow_headers: '',
  outgoing_remove_headers: 'x-object-meta-*',
  outgoing_allow_headers: 'x-object-meta-public-*',
};

type Scope = 'account' | 'container';

/** A header list of the options: exact names and `prefix*` names, lower-case. */
class HeaderMatcher {
  private readonly exact: Set<string>;
  private readonly prefixes: string[];

  constructor(names: string[]) {
    const lower = names.map((n) => n.toLowerCase());
    this.exact = new Set(lower.filter((n) => !n.endsWith('*')));
    this.prefixes = lower.filter((n) => n.endsWith('*')).map((n) => n.slice(0, -1));
  }

  matches(name: string): boolean {
    return this.exact.has(name) || this.prefixes.some((p) => name.startsWith(p));
  }
}

/** Removes the headers `remove` names unless `allow` names them too. */
function cleanHeaders(headers: Headers, remove: HeaderMatcher, allow: HeaderMatcher): void {
  for (const name of Object.keys(headers)) {
    if (!allow.matches(name) && remove.matches(name)) delete headers[name];
  }
}

/** What the query string says (Swift's `_get_temp_url_info`); `expires` 0 when unparsable or past. */
interface TempUrlParams {
  sig?: string;
  expires?: number;
  prefix?: string;
  filename?: string;
  inline: boolean;
  ipRange?: string;
}

/** `%Y-%m-%dT%H:%M:%SZ` as strptime reads it (fields may be one digit), as Unix seconds. */
function iso8601(s: string): number | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})Z$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || se > 61) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, se) / 1000;
}

function readParams(query: string, nowS: number): TempUrlParams {
  const qs = new URLSearchParams(query);
  const out: TempUrlParams = { inline: qs.has('inline') };
  out.sig = qs.get('temp_url_sig') ?? undefined;
  const rawExpires = qs.get('temp_url_expires');
  if (rawExpires !== null) {
    const expires = pythonInt(rawExpires) ?? iso8601(rawExpires) ?? 0;
    out.expires = expires < nowS ? 0 : expires;
  }
  out.prefix = qs.get('temp_url_prefix') ?? undefined;
  out.filename = qs.get('filename') ?? undefined;
  out.ipRange = qs.get('temp_url_ip_range') ?? undefined;
  return out;
}

/** An address's bytes (IPv4 or IPv6), or undefined when it is neither. */
function ipBytes(addr: string): number[] | undefined {
  if (isIPv4(addr)) return addr.split('.').map(Number);
  if (!isIPv6(addr)) return undefined;
  let text = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/**
 * Whether `client` is in `range` (an address or a network in CIDR form).
 * A range with host bits set is refused, as Python's `ip_network` does.
 */
export function inIpRange(client: string, range: string): boolean {
  const [net, bitsText, extra] = range.split('/');
  if (extra !== undefined) return false;
  const netBytes = ipBytes(net);
  if (!netBytes) return false;
  const family = netBytes.length === 4 ? 'ipv4' : 'ipv6';
  const max = netBytes.length * 8;
  const bits = bitsText === undefined ? max : /^\d+$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!(bits >= 0 && bits <= max)) return false;
  for (let i = 0; i < max; i++) {
    if (i >= bits && (netBytes[i >> 3] >> (7 - (i & 7))) & 1) return false;
  }
  const addr = client.startsWith('::ffff:') && isIPv4(client.slice(7)) ? client.slice(7) : client;
  const addrFamily = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
  if (addrFamily !== family) return false;
  const list = new BlockList();
  list.addSubnet(net, bits, family);
  return list.check(addr, family);
}

/** The decoded `/v1/<account>/<container>/<object>` of an object request, as Swift's `split_path(path, 4, 4, True)`. */
function objectPath(rawPath: string): { account: string; container: string; object: string } | undefined {
  const path = unquoteBytes(rawPath).toString('utf8');
  const segs = path.split('/');
  if (segs.length < 5 || segs[0] !== '' || segs[1] !== 'v1' || !segs[2] || !segs[3]) return undefined;
  const object = segs.slice(4).join('/');
  if (!object.replace(/^\/+|\/+$/g, '')) return undefined;
  return { account: segs[2], container: segs[3], object };
}

/** Python's `quote(s, safe=' /')` and `quote(s)`, as Swift's `disposition_format` writes a file name. */
export function dispositionValue(type: 'inline' | 'attachment', filename: string): string {
  return `${type}; filename="${quotePath(filename).replace(/%20/g, ' ')}"; filename*=UTF-8''${quotePath(filename)}`;
}

/** `Fri, 04 Dec 2026 22:00:00 GMT` of Unix seconds. */
function httpDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

/** The same-scope authorization a valid signature installs in place of the auth filter's. */
function scopeAuthorizer(scope: Scope, account: string, container: string): (req: SwiftRequest) => SwiftResponse | undefined {
  return (req) => {
    const segs = unquoteBytes(req.path).toString('utf8').split('/');
    const ok = segs[0] === '' && !!segs[1] && segs[2] === account && (scope === 'account' || (segs.length > 3 && segs[3] === container));
    return ok ? undefined : makeResponse(401);
  };
}

export const tempurl: FilterFactory = (conf, ctx) => {
  const list = (name: keyof typeof DEFAULTS) => (conf[name] ?? DEFAULTS[name]).split(/\s+/).filter(Boolean);
  const methods = list('methods');
  const digests = allowedDigests(conf.allowed_digests, ctx.logger, 'tempurl');
  // Swift's tempurl logger has the proxy's log name: proxy-server.tempurl.digests.<digest>.
  const statsd = filterStatsd(conf, ctx);
  const incomingRemove = new HeaderMatcher(list('incoming_remove_headers'));
  const incomingAllow = new HeaderMatcher(list('incoming_allow_headers'));
  const outgoingRemove = new HeaderMatcher(list('outgoing_remove_headers'));
  const outgoingAllow = new HeaderMatcher(list('outgoing_allow_headers'));
  const pathPrefix = conf.path_prefix !== undefined ? '/' + conf.path_prefix.replace(/^\/+|\/+$/g, '') : '';
  ctx.registerInfo('tempurl', {
    methods,
    incoming_remove_headers: list('incoming_remove_headers'),
    incoming_allow_headers: list('incoming_allow_headers'),
    outgoing_remove_headers: list('outgoing_remove_headers'),
    outgoing_allow_headers: list('outgoing_allow_headers'),
    allowed_digests: digests.allowed,
    ...(digests.deprecated.length ? { deprecated_digests: digests.deprecated } : {}),
  });

  return (next) => async (req) => {
    if (req.method === 'OPTIONS') return next(req);
    const params = readParams(req.query, ctx.now() / 1000);
    if (params.sig === undefined && params.expires === undefined) return next(req);
    const invalid = () => invalidResponse(req);
    if (!params.sig || !params.expires) return invalid();
    const sig = extractDigest(params.sig);
    if (!sig || !digests.allowed.includes(sig.digest as Digest)) return invalid();
    const path = methods.includes(req.method) ? objectPath(req.path) : undefined;
    if (!path) return invalid();
    if (params.ipRange !== undefined && params.ipRange !== '' && !inIpRange(req.remoteAddr, params.ipRange)) return invalid();
    const keys = await scopedKeys(ctx, req, path.account, path.container);
    if (!keys.length) return invalid();
    let signedPath = `/v1/${path.account}/${path.container}/${path.object}`;
    if (params.prefix !== undefined) {
      if (!path.object.startsWith(params.prefix)) return invalid();
      signedPath = `prefix:/v1/${path.account}/${path.container}/${params.prefix}`;
    }
    const signedMethods = req.method === 'HEAD' ? ['HEAD', 'GET', 'POST', 'PUT'] : [req.method];
    const ipPart = params.ipRange ? `ip=${params.ipRange}\n` : '';
    let scope: Scope | undefined;
    for (const method of signedMethods) {
      for (const [key, keyScope] of keys) {
        const expected = hmacHex(sig.digest as Digest, key, `${ipPart}${method}\n${params.expires}\n${pathPrefix}${signedPath}`);
        if (sameSignature(sig.hex, expected)) {
          scope = keyScope;
          break;
        }
      }
      if (scope) break;
    }
    if (!scope) return invalid();
    // Which digest a valid signature used (Swift counts it so operators see what retiring one would break).
    statsd.increment(`tempurl.digests.${sig.digest}`);

    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
      const bad = DISALLOWED_INCOMING.find((h) => req.headers[h] !== undefined);
      if (bad) return makeResponse(400, `The header '${titleCase(bad)}' is not allowed in this tempurl`);
    }
    cleanHeaders(req.headers, incomingRemove, incomingAllow);
    req.env.authorize = scopeAuthorizer(scope, path.account, path.container);
    req.env.authorizeOverride = true;
    req.env.remoteUser = '.wsgi.tempurl';
    // Only the signature's own parameters go on (Swift rewrites QUERY_STRING so).
    const qs = new URLSearchParams({ temp_url_sig: sig.hex, temp_url_expires: String(params.expires) });
    if (params.prefix !== undefined) qs.set('temp_url_prefix', params.prefix);
    if (params.filename) qs.set('filename', params.filename);
    req.query = qs.toString();

    const resp = await next(req);
    cleanHeaders(resp.headers, outgoingRemove, outgoingAllow);
    if ((req.method === 'GET' || req.method === 'HEAD') && resp.status >= 200 && resp.status < 300) {
      resp.headers['content-disposition'] = disposition(params, resp.headers['content-disposition'], path.object).replace(/\n/g, '%0A');
      resp.headers.expires = httpDate(params.expires);
    }
    return resp;
  };
};

/** The account's keys, then the container's, each with the scope it grants (Swift's `_get_keys`). */
async function scopedKeys(ctx: PipelineContext, req: SwiftRequest, account: string, container: string): Promise<[string, Scope][]> {
  if (!ctx.infoSource) throw new Error('tempurl needs the proxy app at the end of the pipeline');
  const accountInfo = await ctx.infoSource.account(req, account);
  const containerInfo = await ctx.infoSource.container(req, account, container);
  return [
    ...tempUrlKeys(accountInfo.meta).map((k): [string, Scope] => [k, 'account']),
    ...tempUrlKeys(containerInfo.meta).map((k): [string, Scope] => [k, 'container']),
  ];
}

/** The query's choice, else the object's own, else the object's name as an attachment. */
function disposition(params: TempUrlParams, existing: string | undefined, object: string): string {
  if (params.inline) return params.filename ? dispositionValue('inline', params.filename) : 'inline';
  if (params.filename) return dispositionValue('attachment', params.filename);
  if (existing) return existing;
  const name = object.replace(/\/+$/, '');
  return dispositionValue('attachment', name.slice(name.lastIndexOf('/') + 1));
}

function titleCase(header: string): string {
  return header.replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/** Swift's 401 for a bad temp URL: its own text, except to a HEAD. */
function invalidResponse(req: SwiftRequest): SwiftResponse {
  const segs = unquoteBytes(req.path).toString('utf8').split('/');
  const realm = segs[0] === '' && segs[1] && segs[2] && !['v1.0', 'auth'].includes(segs[2]) ? quotePath(segs[2]) : 'unknown';
  return makeResponse(401, req.method === 'HEAD' ? undefined : '401 Unauthorized: Temp URL invalid\n', {
    'www-authenticate': `Swift realm="${realm}"`,
  });
}
