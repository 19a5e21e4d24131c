/**
 * The daemons' side of common's backend client: every answer read whole
 * (listings, REPLICATE hashes, SSYNC results: small ones only).
 */
import { BackendClient as NodeClient, readWhole, type BackendBody, type BackendTimeouts, type WholeBackendResponse } from '../common/index.js';
import type { RingDevice } from '../ring/index.js';

export type BackendResponse = WholeBackendResponse;

export class BackendClient {
  private readonly client: NodeClient;

  constructor(timeouts: BackendTimeouts) {
    this.client = new NodeClient(timeouts);
  }

  /** One ordinary request (pooled connection). */
  async request(
    dev: RingDevice, method: string, path: string,
    opts: { headers?: Record<string, string>; body?: BackendBody } = {},
  ): Promise<BackendResponse> {
    return readWhole(await this.client.request(dev, method, path, opts.headers ?? {}, { body: opts.body }));
  }

  /** A REPLICATE/SSYNC request on a fresh connection, to the replication address. */
  replicationRequest(
    dev: RingDevice, method: 'REPLICATE' | 'SSYNC', path: string,
    opts: { headers?: Record<string, string>; body?: BackendBody; timeout?: number } = {},
  ): Promise<BackendResponse> {
    return this.client.replicationRequest(dev, method, path, opts.headers ?? {}, { body: opts.body, timeout: opts.timeout });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;
