/**
 * proxy_logging: one access line per request, with the transaction id, as
 * pino fields (Swift's access log fields, not a built string). Bytes sent
 * are counted as the body streams, so the line is written when it ends.
 */
import { Transform, Readable } from 'node:stream';
import type { FilterFactory, SwiftRequest, SwiftResponse } from '../types.js';
import { dropBody } from '../response.js';
import { unquoteBytes } from '../request-path.js';
import { statsdFromConf, type Statsd } from '../../common/index.js';

/** Swift's `log_statsd_valid_http_methods` default. */
const VALID_METHODS = 'GET,HEAD,POST,PUT,DELETE,COPY,OPTIONS';

/**
 * Swift's statsd name stem for a request: `<type>.<verb>.<status>`, the type
 * from the path's depth under /v1 (account, container, object) or the
 * request's swift.source; undefined (nothing sent) for anything else.
 */
export function statsdMetricName(path: string, source: string | undefined, method: string, status: number, validMethods: Set<string>): string | undefined {
  let type: string | undefined;
  if (path.startsWith('/v1/')) {
    const depth = path.replace(/^\/+|\/+$/g, '').split('/').length - 1;
    type = depth === 0 ? undefined : ['account', 'container', 'object'][depth - 1] ?? 'object';
  } else type = source;
  if (!type) return undefined;
  return `${type}.${validMethods.has(method) ? method : 'BAD_METHOD'}.${status}`;
}

/** Query parameters whose values are credentials (Swift's register_sensitive_param: tempurl's signature). */
const SENSITIVE_PARAMS = new Set(['temp_url_sig']);

/** The query with each sensitive value cut to its first `reveal` characters and `...` (Swift's obscure_sensitive). */
export function obscureQuery(query: string, reveal: number): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const key = unquoteBytes(pair.slice(0, eq).replace(/\+/g, ' ')).toString('utf8');
      const value = pair.slice(eq + 1);
      return SENSITIVE_PARAMS.has(key) && value.length > reveal ? `${pair.slice(0, eq)}=${value.slice(0, reveal)}...` : pair;
    })
    .join('&');
}

export const proxyLogging: FilterFactory = (conf, ctx) => {
  const log = ctx.logger.child({ server: conf.access_log_name ?? 'proxy-server' });
  const reveal = Number(conf.reveal_sensitive_prefix ?? 16);
  // Swift's access_log_statsd_* first, then log_statsd_*; the names go under proxy-server.
  const statsd = statsdFromConf(conf, 'proxy-server', {
    optionPrefix: 'access_',
    onError: (err) => log.warn({ err: err.message }, 'Error sending UDP message to statsd'),
  });
  const validMethods = new Set((conf.access_log_statsd_valid_http_methods ?? conf.log_statsd_valid_http_methods ?? VALID_METHODS)
    .split(',').map((m) => m.trim().toUpperCase()).filter(Boolean));
  return (next) => async (req) => {
    // Swift's sample pipeline has proxy-logging twice (to log subrequests
    // too); one access line per request is enough, the outermost.
    if (req.env.accessLogMade) return next(req);
    req.env.accessLogMade = true;
    const start = ctx.now();
    const startPerf = performance.now();
    const resp = await next(req);
    const stats = statsd.enabled ? swiftStats(statsd, req, resp, validMethods, startPerf) : undefined;
    const line = (bytesOut: number, aborted: boolean) => {
      stats?.(aborted ? 499 : resp.status, Number(req.headers['content-length'] ?? 0) + bytesOut);
      log.info(
        {
          client_ip: req.headers['x-forwarded-for']?.split(',')[0].trim() ?? req.remoteAddr,
          remote_addr: req.remoteAddr,
          method: req.method,
          path: req.path + (req.query ? '?' + obscureQuery(req.query, reveal) : ''),
          status: aborted ? 499 : resp.status,
          referer: req.headers.referer,
          user_agent: req.headers['user-agent'],
          bytes_recvd: Number(req.headers['content-length'] ?? 0),
          bytes_sent: bytesOut,
          etag: resp.headers.etag,
          txn: req.env.transId,
          request_time: (ctx.now() - start) / 1000,
        },
        'access',
      );
    };
    return countBody(req, resp, line);
  };
};

/**
 * Sends a GET's first-byte timing now (the response head is ready) and
 * returns what sends Swift's `<name>.timing` and `<name>.xfer` (bytes in +
 * out) when the body ends, with the `object.policy.<n>.` twins.
 */
function swiftStats(statsd: Statsd, req: SwiftRequest, resp: SwiftResponse, valid: Set<string>, startPerf: number): (status: number, bytes: number) => void {
  const source = typeof req.env.source === 'string' ? req.env.source : undefined;
  const policy = resp.headers['x-backend-storage-policy-index'];
  const names = (status: number): string[] => {
    // Swift reads swift.backend_path first: an S3 request goes by the Swift path s3api last asked for.
    const name = statsdMetricName(req.env.backendPath ?? req.path, source, req.method, status, valid);
    if (!name) return [];
    return name.startsWith('object.') && policy !== undefined ? [name, name.replace(/^object\./, `object.policy.${policy}.`)] : [name];
  };
  if (req.method === 'GET') {
    const ttfb = performance.now() - startPerf;
    for (const n of names(resp.status)) statsd.timing(`${n}.first-byte.timing`, ttfb);
  }
  return (status, bytes) => {
    const ms = performance.now() - startPerf;
    for (const n of names(status)) {
      statsd.timing(`${n}.timing`, ms);
      statsd.updateStats(`${n}.xfer`, bytes);
    }
  };
}

function countBody(req: SwiftRequest, resp: SwiftResponse, line: (n: number, aborted: boolean) => void): SwiftResponse {
  const body = resp.body;
  if (!(body instanceof Readable) || req.method === 'HEAD') {
    const n = body === undefined || body instanceof Readable ? 0 : Buffer.byteLength(body);
    line(req.method === 'HEAD' ? 0 : n, false);
    return resp;
  }
  let sent = 0;
  let done = false;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      cb(null, chunk);
    },
  });
  const finish = (aborted: boolean) => {
    if (done) return;
    done = true;
    line(sent, aborted);
  };
  counter.on('end', () => finish(false));
  counter.on('close', () => finish(true));
  body.on('error', (err) => counter.destroy(err));
  counter.on('close', () => dropBody(body));
  body.pipe(counter);
  return { ...resp, body: counter };
}
