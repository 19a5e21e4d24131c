/**
 * The metadata forwarder: what stands at 169.254.169.254:80 inside a guest
 * network (a network namespace, where the metadata service itself isn't
 * reachable) and passes each request on to the metadata service's unix
 * socket — a file, so reachable from any namespace — with X-Forwarded-For
 * set to the guest's address (Nova's metadata proxy does the same). The
 * service runs with `useForwardedFor` and finds the guest by it. Bodies are
 * streamed both ways.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../../common/index.js';

export interface MetadataForwarderOptions {
  /** Where guests reach it (169.254.169.254:80 in a guest network's namespace). */
  listen: { host: string; port: number };
  /** The metadata service's unix socket. */
  socketPath: string;
  logger?: Logger;
}

export interface MetadataForwarder {
  url: string;
  close(): Promise<void>;
}

/** Headers passed on: the guest's own, minus hop-by-hop ones and any X-Forwarded-For it made up. */
function forwardHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'x-forwarded-for'].includes(k)) continue;
    out[k] = v;
  }
  out['x-forwarded-for'] = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  return out;
}

export async function startMetadataForwarder(o: MetadataForwarderOptions): Promise<MetadataForwarder> {
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const upstream = request({ socketPath: o.socketPath, method: req.method, path: req.url, headers: forwardHeaders(req) });
    const answered = new Promise<IncomingMessage>((resolve, reject) => upstream.once('response', resolve).once('error', reject));
    try {
      // Both awaited together, so an upstream failure (reported by both) is never an unhandled rejection.
      const [, up] = await Promise.all([pipeline(req, upstream), answered]);
      res.writeHead(up.statusCode ?? 502, up.headers);
      await pipeline(up, res);
    } catch (err) {
      o.logger?.warn({ err, url: req.url }, 'metadata forwarder: the metadata service did not answer');
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('Metadata service unavailable');
      else res.destroy();
    }
  };
  const server = createServer((req, res) => void forward(req, res));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(o.listen.port, o.listen.host, () => resolve()));
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.address}:${a.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
