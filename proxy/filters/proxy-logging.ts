/**
 * proxy_logging: one access line per request, with the transaction id, as
 * pino fields (Swift's access log fields, not a built string). Bytes sent
 * are counted as the body streams, so the line is written when it ends.
 */
import { Transform, Readable } from 'node:stream';
import type { FilterFactory, SwiftRequest, SwiftResponse } from '../types.js';
import { dropBody } from '../response.js';
import { unquoteBytes } from '../request-path.js';

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
  return (next) => async (req) => {
    // Swift's sample pipeline has proxy-logging twice (to log subrequests
    // too); one access line per request is enough, the outermost.
    if (req.env.accessLogMade) return next(req);
    req.env.accessLogMade = true;
    const start = ctx.now();
    const resp = await next(req);
    const line = (bytesOut: number, aborted: boolean) =>
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
    return countBody(req, resp, line);
  };
};

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
