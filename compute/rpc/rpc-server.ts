/**
 * Serves a manager's methods on `(topic, server)` (Nova: an RPC server
 * dispatching to a manager's endpoint). Checks the envelope, the version and
 * the method before calling; a malformed message is logged and rejected —
 * never thrown into the worker.
 */
import type { Logger } from '../../common/index.js';
import type { Consumer, Delivery, DeliveryOutcome, Transport } from './transport.js';
import { decodeRequest, versionCompatible, type RequestContext, type RpcReply } from './envelope.js';
import { rpcHandled, rpcRefused } from './rpc-metrics.js';

export type RpcMethod = (ctx: RequestContext, args: Record<string, unknown>) => unknown;

/** A manager's face on the bus: its version and its methods by name. */
export interface RpcEndpoint {
  /** `major.minor`; a message of another major, or a newer minor, is refused. */
  version: string;
  methods: Record<string, RpcMethod>;
}

export interface RpcServerOptions {
  topic: string;
  server: string;
  endpoint: RpcEndpoint;
  logger: Logger;
  /** Most messages handled at once (default 16, oslo's executor_thread_pool_size is 64). */
  concurrency?: number;
}

export class RpcServer {
  private consumer?: Consumer;
  private readonly log: Logger;

  constructor(private readonly transport: Transport, private readonly options: RpcServerOptions) {
    this.log = options.logger.child({ topic: options.topic, server: options.server });
  }

  async start(): Promise<void> {
    this.consumer = await this.transport.consume(this.options.topic, this.options.server, (d) => this.dispatch(d), {
      concurrency: this.options.concurrency ?? 16,
    });
  }

  /** Stop consuming; waits for messages being handled to finish and be acked. */
  async stop(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    await c?.cancel();
  }

  private async dispatch(delivery: Delivery): Promise<DeliveryOutcome> {
    const req = decodeRequest(delivery.body);
    if (typeof req === 'string') {
      rpcRefused(this.options.topic);
      this.log.error({ reason: req, bytes: delivery.body.length, sample: delivery.body.subarray(0, 120).toString('utf8') }, 'malformed RPC message rejected');
      return { outcome: 'reject', reply: encodeReply({ ok: false, error: { name: 'MalformedMessage', message: `malformed RPC message: ${req}`, status: 400 } }) };
    }
    const { endpoint } = this.options;
    if (!versionCompatible(endpoint.version, req.version)) {
      rpcRefused(this.options.topic);
      this.log.warn({ requestId: req.request_id, method: req.method, want: req.version, have: endpoint.version }, 'RPC version refused');
      return {
        outcome: 'ack',
        reply: encodeReply({ ok: false, error: { name: 'UnsupportedVersion', message: `Endpoint ${this.options.topic} does not support RPC version ${req.version} (serves ${endpoint.version})`, status: 500 } }),
      };
    }
    const method = Object.hasOwn(endpoint.methods, req.method) ? endpoint.methods[req.method] : undefined;
    if (!method) {
      rpcRefused(this.options.topic);
      this.log.warn({ requestId: req.request_id, method: req.method }, 'RPC method unknown');
      return { outcome: 'ack', reply: encodeReply({ ok: false, error: { name: 'NoSuchMethod', message: `Endpoint ${this.options.topic} has no method ${req.method}`, status: 500 } }) };
    }
    const ctx: RequestContext = { ...req.context, requestId: req.request_id };
    const started = performance.now();
    try {
      const result = await method(ctx, req.args);
      rpcHandled(this.options.topic, req.method, true, (performance.now() - started) / 1000);
      return { outcome: 'ack', reply: delivery.expectsReply ? encodeReply({ ok: true, result: result ?? null }) : undefined };
    } catch (err) {
      rpcHandled(this.options.topic, req.method, false, (performance.now() - started) / 1000);
      const e = err as Error & { status?: number };
      if (!delivery.expectsReply) this.log.error({ requestId: req.request_id, method: req.method, err: e.message }, 'RPC cast handler failed');
      return {
        outcome: 'ack',
        reply: delivery.expectsReply ? encodeReply({ ok: false, error: { name: e.name ?? 'Error', message: e.message ?? String(err), status: typeof e.status === 'number' ? e.status : 500 } }) : undefined,
      };
    }
  }
}

function encodeReply(reply: RpcReply): Buffer {
  return Buffer.from(JSON.stringify(reply));
}
