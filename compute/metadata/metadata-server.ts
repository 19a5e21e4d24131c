/**
 * Run the metadata service on an address: a TCP host/port (the network
 * host's metadata_listen, or 169.254.169.254:80 inside a guest network's
 * namespace) or a unix socket path (which a forwarder inside a namespace
 * can reach: unix sockets are files, not bound to a network namespace).
 *
 * Its requests are counted as `swiftly_http_*{server="metadata-api"}` in the
 * process's registry: the compute worker that runs it serves them on its
 * own metrics port (`[metrics] compute_port`), never on these guest-facing
 * paths, where `/metrics` would be an EC2 metadata version.
 */
import type { AddressInfo } from 'node:net';
import { httpMetrics } from '../../common/index.js';
import { createMetadataApp, type MetadataAppOptions } from './metadata-app.js';

export type MetadataListen = { host: string; port: number } | { path: string };

export interface MetadataServer {
  /** `http://host:port` for TCP; the socket path for a unix socket. */
  url: string;
  close(): Promise<void>;
}

export async function startMetadataServer(o: MetadataAppOptions & { listen: MetadataListen }): Promise<MetadataServer> {
  const app = createMetadataApp(o);
  const http = httpMetrics('metadata-api');
  app.server.on('request', (req, res) => http.observe(req, res));
  if ('path' in o.listen) {
    await app.listen({ path: o.listen.path });
    return { url: o.listen.path, close: () => app.close() };
  }
  await app.listen({ host: o.listen.host, port: o.listen.port });
  const a = app.server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return { url: `http://${host}:${a.port}`, close: () => app.close() };
}
