/**
 * listing_formats: account and container listings are fetched as JSON from
 * below and rendered as the client asked (`format=json|xml|plain` or the
 * Accept header), as Swift's filter of that name. A JSON listing asked
 * for as JSON passes through unparsed.
 */
import type { FilterFactory, SwiftRequest, SwiftResponse } from '../types.js';
import { makeResponse, readSmallBody } from '../response.js';
import { parseSwiftPath } from '../request-path.js';
import { DEFAULT_CONSTRAINTS } from '../../common/index.js';

export type ListingFormat = 'json' | 'xml' | 'plain';

/** The format the client wants, from the query or else the Accept header. */
export function listingFormat(query: URLSearchParams, accept: string | undefined): ListingFormat | undefined {
  const f = query.get('format')?.toLowerCase();
  if (f === 'json') return 'json';
  if (f === 'xml') return 'xml';
  if (f === 'plain' || f === 'txt' || f === 'text') return 'plain';
  if (f) return undefined;
  if (!accept) return 'plain';
  // A small best-match over the three types Swift offers, by q value.
  let best: ListingFormat | undefined;
  let bestQ = -1;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().split(';').map((s) => s.trim());
    const qp = params.find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    const fmt: ListingFormat | undefined =
      type === 'application/json' ? 'json'
      : type === 'application/xml' || type === 'text/xml' ? 'xml'
      : type === 'text/plain' || type === '*/*' || type === 'text/*' ? 'plain'
      : type === 'application/*' ? 'json'
      : undefined;
    if (fmt && q > bestQ) {
      best = fmt;
      bestQ = q;
    }
  }
  return best;
}

const CONTENT_TYPE: Record<ListingFormat, string> = {
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  plain: 'text/plain; charset=utf-8',
};

const FORMAT_ACCEPT: Record<ListingFormat, string> = { json: 'application/json', xml: 'application/xml', plain: 'text/plain' };

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type Entry = Record<string, unknown>;

function toXml(kind: 'account' | 'container', name: string, items: Entry[]): string {
  const inner = items
    .map((item) => {
      if (typeof item.subdir === 'string') {
        const sd = xmlEscape(item.subdir);
        return `<subdir name="${sd}"><name>${sd}</name></subdir>`;
      }
      const tag = kind === 'account' ? 'container' : 'object';
      const fields = Object.entries(item)
        .map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`)
        .join('');
      return `<${tag}>${fields}</${tag}>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${kind} name="${xmlEscape(name)}">${inner}</${kind}>`;
}

/** Renders a JSON listing body in `fmt`. */
export function renderListing(fmt: ListingFormat, kind: 'account' | 'container', name: string, items: Entry[]): string {
  if (fmt === 'json') return JSON.stringify(items);
  if (fmt === 'xml') return toXml(kind, name, items);
  return items.map((i) => `${String(i.subdir ?? i.name)}\n`).join('');
}

async function convert(req: SwiftRequest, resp: SwiftResponse, fmt: ListingFormat, kind: 'account' | 'container', name: string): Promise<SwiftResponse> {
  if (resp.status < 200 || resp.status >= 300) return resp;
  const ctype = resp.headers['content-type'] ?? '';
  if (req.method === 'HEAD') {
    resp.headers['content-type'] = CONTENT_TYPE[fmt];
    return resp;
  }
  if (!ctype.startsWith('application/json')) return resp;
  // The storage servers already write the listing as Swift's json.dumps
  // does, which is what Swift's filter would write again after parsing it:
  // stream it through instead of parsing and re-serialising megabytes.
  if (fmt === 'json') {
    resp.headers['content-type'] = CONTENT_TYPE.json;
    return resp;
  }
  const raw = await readSmallBody(resp.body);
  let items: Entry[];
  try {
    items = raw.length ? (JSON.parse(raw.toString('utf8')) as Entry[]) : [];
  } catch {
    return makeResponse(500, 'Error decoding listing');
  }
  const body = renderListing(fmt, kind, name, items);
  const headers = { ...resp.headers, 'content-type': CONTENT_TYPE[fmt], 'content-length': String(Buffer.byteLength(body)) };
  if (fmt === 'plain' && items.length === 0) {
    return { status: 204, headers: { ...headers, 'content-length': '0' }, body: undefined };
  }
  return { status: resp.status === 204 ? 200 : resp.status, headers, body };
}

export const listingFormats: FilterFactory = () => (next) => async (req) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') return next(req);
  const parsed = parseSwiftPath(req.path);
  // Only Swift API paths (Swift's `valid_api_version`): an S3 request's
  // `/bucket/key` would otherwise read as account and container, and its
  // signed query would gain a `format`.
  if (!parsed.ok || parsed.path.object !== undefined || !DEFAULT_CONSTRAINTS.valid_api_versions.includes(parsed.path.version)) return next(req);
  const query = new URLSearchParams(req.query);
  const fmt = listingFormat(query, req.headers.accept);
  if (!fmt) return makeResponse(406);
  // As Swift's get_listing_content_type, a format parameter becomes the
  // Accept header filters below see (object versioning answers only JSON).
  const headers = query.has('format') ? { ...req.headers, accept: FORMAT_ACCEPT[fmt] } : req.headers;
  query.set('format', 'json');
  const kind = parsed.path.container === undefined ? 'account' : 'container';
  const name = parsed.path.container ?? parsed.path.account;
  const resp = await next({ ...req, headers, query: query.toString() });
  // A filter below answers in its own format (Swift's swift.format_listing = False).
  if (req.env.formatListing === false) return resp;
  resp.headers.vary = 'Accept';
  return convert(req, resp, fmt, kind, name);
};
