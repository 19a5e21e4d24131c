/**
 * An object PUT to one node after its `100 Continue`: the proxy writes the
 * client's body to every node's connection, with Swift's put_queue_depth
 * as the slack before a slow node holds the client back.
 */
import type http from 'node:http';
import { BackendTimeoutError, type BackendNode, type BackendResponse } from './node-http.js';

/**
 * What a node's PUT connection may hold unsent before the client's body
 * waits for it: Swift's put_queue_depth (10) chunks of 64 KiB. Without it
 * every chunk waited for the slowest node's socket to drain (Node's 16 KiB
 * high-water mark), so the nodes took turns instead of writing together.
 */
const PUT_QUEUE_BYTES = 10 * 65536;

/** A PUT whose headers a node has accepted with `100 Continue`. */
export class PutConnection<N extends BackendNode = BackendNode> {
  failed?: Error;
  readonly response: Promise<BackendResponse>;

  constructor(
    readonly node: N,
    private readonly req: http.ClientRequest,
    response: Promise<BackendResponse>,
    /** The headers of the node's `100 Continue` (lower-case names). */
    readonly continueHeaders: Record<string, string> = {},
  ) {
    this.response = response;
    response.catch(() => undefined);
    req.on('error', (err) => (this.failed ??= err));
  }

  /**
   * Writes a chunk; resolves at once while the node has at most
   * PUT_QUEUE_BYTES waiting, else once it has taken them all (or rejects
   * after `timeoutMs`).
   */
  write(chunk: Buffer, timeoutMs: number): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.req.write(chunk) || this.req.writableLength <= PUT_QUEUE_BYTES) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new BackendTimeoutError(`write to ${this.node.ip}:${this.node.port}`));
      }, timeoutMs);
      const onDrain = () => {
        cleanup();
        resolve();
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.req.off('drain', onDrain);
        this.req.off('error', onError);
      };
      this.req.on('drain', onDrain);
      this.req.on('error', onError);
    });
  }

  /** Ends the request, `chunk` (if any) in the same write as the end. */
  end(chunk?: Buffer): void {
    if (!this.failed) this.req.end(chunk);
  }

  abort(): void {
    this.failed ??= new Error('aborted');
    this.req.destroy();
  }
}

export type PutConnectResult =
  | { kind: 'continue'; conn: PutConnection }
  | { kind: 'final'; response: BackendResponse };
