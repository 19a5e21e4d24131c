/**
 * compute/rpc: Nova-style RPC over a `Transport` — the in-process bus by
 * default, AMQP (RabbitMQ) when a `transport_url` names one. Same semantics
 * on both; see `transport.ts`.
 */
import type { Logger } from '../../common/index.js';
import type { Transport } from './transport.js';
import { MemoryTransport } from './memory-transport.js';
import { AmqpTransport, amqpUrlFromTransportUrl } from './amqp-transport.js';

export * from './transport.js';
export * from './errors.js';
export * from './envelope.js';
export { RpcClient, type RpcClientOptions, type SendOptions } from './rpc-client.js';
export { RpcServer, type RpcEndpoint, type RpcMethod, type RpcServerOptions } from './rpc-server.js';
export { MemoryTransport } from './memory-transport.js';
export { AmqpTransport, amqpUrlFromTransportUrl, type AmqpTransportOptions } from './amqp-transport.js';

/** The transport a `transport_url` names: empty or `memory://` → in-process, `rabbit://`/`amqp://` → AMQP (started). */
export function createTransport(transportUrl: string | undefined, options: { logger: Logger; exchange?: string; queueExpiresMs?: number }): Transport {
  if (!transportUrl || transportUrl.startsWith('memory:')) return new MemoryTransport();
  const t = new AmqpTransport({ url: amqpUrlFromTransportUrl(transportUrl), exchange: options.exchange ?? 'swiftly', logger: options.logger, queueExpiresMs: options.queueExpiresMs });
  t.start();
  return t;
}
