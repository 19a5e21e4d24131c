/**
 * Small HTTP client for daemons talking to storage nodes. REPLICATE and
 * SSYNC go over a connection of their own: the storage edge recognises
 * those verbs only as the first request on a connection (see
 * storage/http/method-shim.ts).
 */
import { Agent, Client, request, type Dispatcher } from 'undici';
import type { RingDevice } from '../ring/index.js';

export interface BackendResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ClientTimeouts {
  connTimeout: number;
  nodeTimeout: number;
}

const hostOf = (dev: RingDevice, replication = true): string => {
  const ip = replication ? dev.replication_ip || dev.ip : dev.ip;
  const port = replication ? dev.replication_port || dev.port : dev.port;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
};

function flatten(h: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

export class BackendClient {
  private readonly agent: Agent;

  constructor(private readonly timeouts: ClientTimeouts) {
    this.agent = new Agent({ connect: { timeout: timeouts.connTimeout * 1000 }, keepAliveTimeout: 5000 });
  }

  /** One ordinary request (pooled connection); the body is read whole (small answers only). */
  async request(
    dev: RingDevice, method: string, path: string,
    opts: { headers?: Record<string, string>; body?: Dispatcher.DispatchOptions['body']; replication?: boolean } = {},
  ): Promise<BackendResponse> {
    const res = await request(`http://${hostOf(dev, opts.replication ?? false)}${path}`, {
      method: method as Dispatcher.HttpMethod,
      headers: opts.headers,
      body: opts.body,
      dispatcher: this.agent,
      headersTimeout: this.timeouts.nodeTimeout * 1000,
      bodyTimeout: this.timeouts.nodeTimeout * 1000,
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: flatten(res.headers), body };
  }

  /** A REPLICATE/SSYNC request on a fresh connection, to the replication address. */
  async replicationRequest(
    dev: RingDevice, method: 'REPLICATE' | 'SSYNC', path: string,
    opts: { headers?: Record<string, string>; body?: Dispatcher.DispatchOptions['body']; timeout?: number } = {},
  ): Promise<BackendResponse> {
    const client = new Client(`http://${hostOf(dev, true)}`, {
      connect: { timeout: this.timeouts.connTimeout * 1000 },
      headersTimeout: (opts.timeout ?? this.timeouts.nodeTimeout) * 1000,
      bodyTimeout: (opts.timeout ?? this.timeouts.nodeTimeout) * 1000,
    });
    try {
      const res = await client.request({ method: method as Dispatcher.HttpMethod, path, headers: opts.headers, body: opts.body });
      const body = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: flatten(res.headers), body };
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;
