/**
 * staticweb: a container served as a web site, as Swift's filter of that
 * name. The container's metadata says how: `Web-Index` (the page served for
 * a directory path), `Web-Error` (`<status><suffix>` pages for errors),
 * `Web-Listings` (HTML listings, styled by `Web-Listings-CSS`, titled by
 * `Web-Listings-Label`) and `Web-Directory-Type` (the content type of the
 * zero-byte objects that stand for directories). It answers anonymous
 * GET/HEAD requests, and token ones that send `X-Web-Mode: true`; it sits
 * after the auth filter, whose authorize hook it uses.
 */
import type { FilterFactory, PipelineContext, SwiftRequest, SwiftResponse } from '../types.js';
import type { ContainerInfo } from '../controllers/info.js';
import { configTrueValue, quotePath } from '../../common/index.js';
import { discardBody, makeResponse } from '../response.js';
import { parseSwiftPath, unquoteBytes } from '../request-path.js';
import { containerInfo, isSuccess, readJsonListing, subrequest } from './subrequest.js';

const isRedirection = (status: number): boolean => status >= 300 && status < 400;

/** Python's `html.escape(s, quote=True)`. */
export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

/** Swift's `human_readable`: 1048576 is `1Mi`. */
export function humanReadable(n: number): string {
  const suffixes = 'KMGTPEZY';
  let value = n;
  let index = -1;
  while (value >= 1024 && index + 1 < suffixes.length) {
    index++;
    value = pyRound(value / 1024);
  }
  return index === -1 ? String(Math.trunc(value)) : `${pyRound(value)}${suffixes[index]}i`;
}

/** Python 3's round(): halves to even. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The container's web settings (Swift reads them fresh for each request). */
interface WebSettings {
  index: string;
  error: string;
  listings: string;
  listingsLabel: string;
  listingsCss: string;
  dirType: string;
}

function webSettings(info: ContainerInfo): WebSettings {
  const m = isSuccess(info.status) ? info.meta : {};
  // Header values come as their raw bytes (one code unit a byte): names in them are UTF-8.
  const get = (k: string) => {
    const v = (m[k] ?? '').trim();
    return /^[\0-\xff]*$/.test(v) ? Buffer.from(v, 'latin1').toString('utf8') : v;
  };
  return {
    index: get('web-index'), error: get('web-error'), listings: get('web-listings'),
    listingsLabel: get('web-listings-label'), listingsCss: get('web-listings-css'), dirType: get('web-directory-type'),
  };
}

interface Target {
  version: string;
  account: string;
  container: string;
  /** Decoded object name, when the request names one. */
  object?: string;
  /** The decoded request path (what a listing's label shows). */
  path: string;
}

const STYLE_LISTING = '  <style type="text/css">\n'
  + '   h1 {font-size: 1em; font-weight: bold;}\n'
  + '   th {text-align: left; padding: 0px 1em 0px 1em;}\n'
  + '   td {padding: 0px 1em 0px 1em;}\n'
  + '   a {text-decoration: none;}\n'
  + '  </style>\n';
const DOCTYPE = '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">\n';

class StaticWebRequest {
  private web: WebSettings = webSettings({ status: 404 } as ContainerInfo);

  constructor(
    private readonly ctx: PipelineContext,
    private readonly next: (req: SwiftRequest) => Promise<SwiftResponse>,
    private readonly req: SwiftRequest,
    private readonly t: Target,
    private readonly urlBase: { scheme?: string; host?: string },
  ) {}

  private containerPath(): string {
    return `/${this.t.version}/${this.t.account}/${this.t.container}`;
  }

  private async loadInfo(): Promise<ContainerInfo> {
    const info = await containerInfo(this.ctx, this.req, this.t.account, this.t.container);
    this.web = webSettings(info);
    return info;
  }

  /** The request again through the rest of the pipeline, its path extended by `suffix` (already quoted). */
  private again(suffix = ''): Promise<SwiftResponse> {
    const headers = { ...this.req.headers };
    delete headers['user-agent'];
    return this.next(subrequest(this.req, { method: this.req.method, rawPath: this.req.path + suffix, query: this.req.query, headers, body: this.req.body, agent: 'StaticWeb' }));
  }

  /** `resp`'s status with the container's `<status><Web-Error>` page, when it has one that is found. */
  private async errorResponse(resp: SwiftResponse): Promise<SwiftResponse> {
    if (!this.web.error) return resp;
    const page = await this.next(subrequest(this.req, { method: 'GET', path: `${this.containerPath()}/${resp.status}${this.web.error}`, agent: 'StaticWeb' }));
    if (!isSuccess(page.status)) {
      discardBody(page);
      return resp;
    }
    discardBody(resp);
    return { status: resp.status, headers: page.headers, body: page.body };
  }

  private redirectWithSlash(): SwiftResponse {
    const scheme = this.urlBase.scheme ?? 'http';
    const host = this.urlBase.host ?? this.req.headers.host ?? '';
    const location = host ? `${scheme}://${host}${this.req.path}/` : `${this.req.path}/`;
    return makeResponse(301, undefined, { location });
  }

  private cssPath(prefix: string): string {
    const css = this.web.listingsCss;
    if (/^(\/|http:\/\/|https:\/\/)/.test(css)) return quotePath(css).replace(/%3A/g, ':');
    return '../'.repeat(prefix.split('/').length - 1) + quotePath(css);
  }

  private label(): string {
    if (!this.web.listingsLabel) return this.t.path;
    return `${this.web.listingsLabel}/${this.t.path.split('/').slice(4).join('/')}`;
  }

  private disabledListing(prefix: string): Promise<SwiftResponse> {
    let body = `${DOCTYPE}<html>\n<head>\n<title>Listing of ${htmlEscape(this.label())}</title>\n`;
    body += this.web.listingsCss
      ? `  <link rel="stylesheet" type="text/css" href="${this.cssPath(prefix)}" />\n`
      : '  <style type="text/css">\n   h1 {font-size: 1em; font-weight: bold;}\n   p {font-size: 2}\n  </style>\n';
    body += '</head>\n<body>  <h1>Web Listing Disabled</h1>   <p>The owner of this web site has disabled web listing.'
      + '   <p>If you are the owner of this web site, you can enable   web listing by setting X-Container-Meta-Web-Listings.</p>';
    if (this.web.index) {
      body += '<h1>Index File Not Found</h1> <p>The owner of this web site has set '
        + ` <b>X-Container-Meta-Web-Index: ${this.web.index}</b>.  However, this file is not found.</p>`;
    }
    body += ' </body>\n</html>\n';
    return this.errorResponse(makeResponse(404, body));
  }

  /** The HTML listing of the container, or of the pseudo-directory `prefix`. */
  async listing(prefix = ''): Promise<SwiftResponse> {
    if (!configTrueValue(this.web.listings)) return this.disabledListing(prefix);
    let query = 'delimiter=/&format=json';
    if (prefix) query += `&prefix=${quotePath(prefix)}`;
    const resp = await this.next(subrequest(this.req, { method: 'GET', path: this.containerPath(), query, agent: 'StaticWeb' }));
    if (!isSuccess(resp.status)) return this.errorResponse(resp);
    const listing = (await readJsonListing(resp)) ?? [];
    if (prefix && listing.length === 0) return this.errorResponse(makeResponse(404));
    const label = htmlEscape(this.label());
    let body = `${DOCTYPE}<html>\n <head>\n  <title>Listing of ${label}</title>\n`;
    body += this.web.listingsCss ? `  <link rel="stylesheet" type="text/css" href="${this.cssPath(prefix)}" />\n` : STYLE_LISTING;
    body += ` </head>\n <body>\n  <h1 id="title">Listing of ${label}</h1>\n  <table id="listing">\n`
      + '   <tr id="heading">\n    <th class="colname">Name</th>\n    <th class="colsize">Size</th>\n    <th class="coldate">Date</th>\n   </tr>\n';
    if (prefix) {
      body += '   <tr id="parent" class="item">\n    <td class="colname"><a href="../">../</a></td>\n'
        + '    <td class="colsize">&nbsp;</td>\n    <td class="coldate">&nbsp;</td>\n   </tr>\n';
    }
    for (const item of listing) {
      if (typeof item.subdir !== 'string') continue;
      const subdir = item.subdir.slice(prefix.length);
      body += `   <tr class="item subdir">\n    <td class="colname"><a href="${quotePath(subdir)}">${htmlEscape(subdir)}</a></td>\n`
        + '    <td class="colsize">&nbsp;</td>\n    <td class="coldate">&nbsp;</td>\n   </tr>\n';
    }
    for (const item of listing) {
      if (typeof item.name !== 'string') continue;
      const name = item.name.slice(prefix.length);
      const types = String(item.content_type ?? '').split('/').map((t) => `type-${htmlEscape(t.toLowerCase())}`).join(' ');
      const date = htmlEscape(String(item.last_modified ?? '')).split('.')[0].replace('T', ' ');
      body += `   <tr class="item ${types}">\n    <td class="colname"><a href="${quotePath(name)}">${htmlEscape(name)}</a></td>\n`
        + `    <td class="colsize">${humanReadable(Number(item.bytes ?? 0))}</td>\n    <td class="coldate">${date}</td>\n   </tr>\n`;
    }
    body += '  </table>\n </body>\n</html>\n';
    return makeResponse(200, body, { 'content-type': 'text/html; charset=UTF-8' });
  }

  async handleContainer(): Promise<SwiftResponse> {
    const info = await this.loadInfo();
    if (this.req.env.authorize) {
      this.req.acl = info.readAcl;
      const denied = await this.req.env.authorize(this.req);
      if (denied) return this.errorResponse(denied);
    }
    if (!this.web.listings && !this.web.index) {
      if (configTrueValue(this.req.headers['x-web-mode'] ?? 'f')) return makeResponse(404);
      return this.next(this.req);
    }
    if (!this.req.path.endsWith('/')) return this.redirectWithSlash();
    if (!this.web.index) return this.listing();
    const resp = await this.again(quotePath(this.web.index));
    if (resp.status === 404) {
      discardBody(resp);
      return this.listing();
    }
    if (!isSuccess(resp.status) && !isRedirection(resp.status)) return this.errorResponse(resp);
    return resp;
  }

  async handleObject(): Promise<SwiftResponse> {
    const resp = await this.again();
    await this.loadInfo();
    let status = resp.status;
    if (isSuccess(status) || isRedirection(status)) {
      const dirType = this.web.dirType || 'application/directory';
      const length = Number(resp.headers['content-length'] || 0);
      if (resp.headers['content-type'] !== dirType || length > 1) return resp;
      status = 404;
    }
    if (status !== 404) return resp;
    if (!this.web.listings && !this.web.index) return resp;
    discardBody(resp);
    const slash = this.req.path.endsWith('/');
    if (this.web.index) {
      const index = await this.again((slash ? '' : '/') + quotePath(this.web.index));
      if (isSuccess(index.status) || isRedirection(index.status)) {
        if (slash) return index;
        discardBody(index);
        return this.redirectWithSlash();
      }
      if (index.status !== 404) return this.errorResponse(index);
      discardBody(index);
    }
    if (slash) return this.listing(this.t.object);
    // A path naming a pseudo-directory without its slash: redirect when anything is under it.
    const query = `limit=1&delimiter=/&format=json&prefix=${quotePath(`${this.t.object ?? ''}/`)}`;
    const probe = await this.next(subrequest(this.req, { method: 'GET', path: this.containerPath(), query, agent: 'StaticWeb' }));
    const found = isSuccess(probe.status) ? await readJsonListing(probe) : (discardBody(probe), undefined);
    if (!found || found.length === 0) return this.errorResponse(makeResponse(404));
    return this.redirectWithSlash();
  }
}

function parseUrlBase(value: string | undefined): { scheme?: string; host?: string } {
  if (!value) return {};
  try {
    const u = new URL(value);
    return { scheme: u.protocol.replace(/:$/, ''), host: u.host };
  } catch {
    return {};
  }
}

export const staticweb: FilterFactory = (conf, ctx) => {
  ctx.registerInfo('staticweb', {});
  const urlBase = parseUrlBase(conf.url_base);
  return (next) => async (req) => {
    // Without an auth filter before it nothing says who may read: Swift skips.
    if (!req.env.authorize) return next(req);
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(req);
    if (req.env.remoteUser && !configTrueValue(req.headers['x-web-mode'] ?? 'f')) return next(req);
    const parsed = parseSwiftPath(req.path);
    if (!parsed.ok || parsed.path.container === undefined) return next(req);
    const { version, account, container, object } = parsed.path;
    const t: Target = { version, account, container, object, path: unquoteBytes(req.path).toString('utf8') };
    const sw = new StaticWebRequest(ctx, next, req, t, urlBase);
    return object !== undefined ? sw.handleObject() : sw.handleContainer();
  };
};
