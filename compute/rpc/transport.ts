/**
 * The message bus under compute's RPC, reduced to what both mechanisms
 * (in-process and AMQP) can promise alike:
 *
 * - a topic exchange: a consumer of `(topic, server)` reads the shared queue
 *   `<topic>` (one consumer of all gets each message, round robin) and its own
 *   queue `<topic>.<server>`;
 * - a fanout per topic: every consumer of the topic gets a copy;
 * - `request` waits for one reply (AMQP: direct reply-to) or times out;
 * - a delivery is acknowledged only after its handler settled, and at most
 *   `concurrency` handlers of one consumer run at once;
 * - a handler that answers `reject` drops the message (no requeue).
 *
 * Bodies are opaque bytes here; `rpc-client.ts`/`rpc-server.ts` give them
 * meaning (envelope, version, request id), once for both transports.
 */

/** Where a message goes: a topic's shared queue, one server's queue, or every consumer of the topic. */
export interface Destination {
  topic: string;
  /** Route to `<topic>.<server>` only. */
  server?: string;
  /** Copy to every consumer of the topic. */
  fanout?: boolean;
}

export interface Delivery {
  body: Buffer;
  /** The sender waits for a reply (a `call`). */
  expectsReply: boolean;
  /** The broker delivered this before (AMQP `redelivered`, after a connection loss). */
  redelivered: boolean;
}

export interface DeliveryOutcome {
  /** `ack` consumes the message; `reject` drops it without requeue. */
  outcome: 'ack' | 'reject';
  /** Sent back to the caller first, when it waits for one. */
  reply?: Buffer;
}

export type DeliveryHandler = (delivery: Delivery) => Promise<DeliveryOutcome>;

export interface ConsumeOptions {
  /** Most handlers of this consumer running at once (AMQP prefetch). */
  concurrency: number;
}

export interface Consumer {
  /** Stop taking new messages, then wait for the handlers running to finish (and be acked). */
  cancel(): Promise<void>;
}

export interface Transport {
  /** `memory` or `amqp`, for logs and tests. */
  readonly kind: string;
  /** Fire and forget; resolves once the bus took the message (AMQP: publisher confirm). */
  publish(dest: Destination, body: Buffer, options: { timeoutMs: number }): Promise<void>;
  /** Send and wait for the reply, at most `timeoutMs`. Throws MessagingTimeoutError. */
  request(dest: Destination, body: Buffer, options: { timeoutMs: number }): Promise<Buffer>;
  /** Consume `<topic>`, `<topic>.<server>` and the topic's fanout. */
  consume(topic: string, server: string, handler: DeliveryHandler, options: ConsumeOptions): Promise<Consumer>;
  /** Cancel every consumer (waiting for their handlers) and disconnect. */
  close(): Promise<void>;
}
