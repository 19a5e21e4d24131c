/** Calls and casts to one topic (Nova: an `rpcapi` module's RPCClient). */
import type { Transport } from './transport.js';
import { newRequestId, type RequestContext, type RpcReply, type RpcRequest } from './envelope.js';
import { RemoteError, UnsupportedVersionError } from './errors.js';

export interface RpcClientOptions {
  topic: string;
  /** The version this client speaks; the server must be compatible. */
  version: string;
  /** Default `call` timeout (Nova: rpc_response_timeout, 60 s). */
  timeoutMs?: number;
}

export interface SendOptions {
  /** Route to one server's queue (`<topic>.<server>`). */
  server?: string;
  /** Every consumer of the topic. */
  fanout?: boolean;
  timeoutMs?: number;
  /** Ask for a newer minor for this method. */
  version?: string;
}

export class RpcClient {
  readonly topic: string;
  private readonly version: string;
  private readonly timeoutMs: number;

  constructor(private readonly transport: Transport, options: RpcClientOptions) {
    this.topic = options.topic;
    this.version = options.version;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  private encode(ctx: Partial<RequestContext>, method: string, args: Record<string, unknown>, options: SendOptions): Buffer {
    // Only the context's own fields travel: callers may hold more (the API's principal, its image client and the user's token).
    const { requestId, projectId, userId, isAdmin } = ctx;
    const context = { projectId, userId, isAdmin };
    const msg: RpcRequest = {
      v: 1, version: options.version ?? this.version, method, args,
      request_id: requestId ?? newRequestId(), context,
    };
    return Buffer.from(JSON.stringify(msg));
  }

  /** Request/response; throws the remote error (RemoteError, UnsupportedVersionError) or MessagingTimeoutError. */
  async call<T = unknown>(ctx: Partial<RequestContext>, method: string, args: Record<string, unknown> = {}, options: SendOptions = {}): Promise<T> {
    const body = this.encode(ctx, method, args, options);
    const raw = await this.transport.request(
      { topic: this.topic, server: options.server, fanout: options.fanout },
      body,
      { timeoutMs: options.timeoutMs ?? this.timeoutMs },
    );
    const reply = JSON.parse(raw.toString('utf8')) as RpcReply;
    if (reply.ok) return reply.result as T;
    if (reply.error.name === 'UnsupportedVersion') throw new UnsupportedVersionError(reply.error.message);
    throw new RemoteError(reply.error.name, reply.error.message, reply.error.status);
  }

  /** Fire and forget: resolves once the bus took the message. */
  async cast(ctx: Partial<RequestContext>, method: string, args: Record<string, unknown> = {}, options: SendOptions = {}): Promise<void> {
    const body = this.encode(ctx, method, args, options);
    await this.transport.publish(
      { topic: this.topic, server: options.server, fanout: options.fanout },
      body,
      { timeoutMs: options.timeoutMs ?? Math.min(this.timeoutMs, 10_000) },
    );
  }
}
