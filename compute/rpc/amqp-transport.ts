/**
 * AMQP 0-9-1 (RabbitMQ) under compute's RPC, over amqplib.
 *
 * Topology, Nova's (oslo.messaging rabbit driver):
 * - one topic exchange (`control_exchange`); queue `<exchange>.<topic>` bound
 *   with key `<topic>`, queue `<exchange>.<topic>.<server>` bound with key
 *   `<topic>.<server>` (Nova names queues by topic alone; the exchange prefix
 *   keeps installations sharing a broker apart);
 * - a fanout exchange `<exchange>.<topic>_fanout` with one exclusive queue per consumer;
 * - `request` publishes with `replyTo: amq.rabbitmq.reply-to` (direct
 *   reply-to: no reply queue declared per call) and a correlation id.
 *
 * Delivery: a consumer's channel has `prefetch = concurrency`; a message is
 * acked (or rejected) on the channel that delivered it, after its handler
 * settled and its reply was sent. When the connection drops, un-acked
 * messages go back to the broker, which redelivers them (`redelivered`): at
 * least once, never acked twice (an ack for a dead channel is skipped), and
 * nothing acked is lost. Calls waiting for a reply fail at once (their reply
 * would have come over the lost connection), new sends wait for the
 * reconnection up to their timeout. Reconnection retries with exponential
 * backoff and re-declares every consumer.
 *
 * `noDelay: true` on the socket: without it Nagle + delayed ACK cost ~40 ms
 * per call.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../../common/index.js';
import type { Consumer, ConsumeOptions, DeliveryHandler, Destination, Transport } from './transport.js';
import { MessagingTimeoutError, TransportUnavailableError } from './errors.js';

const REPLY_TO = 'amq.rabbitmq.reply-to';

export interface AmqpTransportOptions {
  /** `amqp://` or `rabbit://user:pass@host:port/vhost` (Nova's transport_url). */
  url: string;
  /** The topic exchange (Nova: control_exchange). */
  exchange: string;
  logger: Logger;
  /** First reconnect delay; doubles up to `reconnectMaxMs`. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** TCP connect timeout of one attempt. */
  connectTimeoutMs?: number;
  /**
   * Queues unused this long are deleted by the broker (Nova:
   * rabbit_transient_queues_ttl, 1800 s), so topics of stopped hosts don't pile up.
   */
  queueExpiresMs?: number;
}

interface PendingCall {
  resolve: (reply: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Link {
  model: ChannelModel;
  publisher: ConfirmChannel;
  caller: Channel;
  fanoutsDeclared: Set<string>;
}

/** `rabbit://` is Nova's scheme; amqplib knows `amqp://`. */
export function amqpUrlFromTransportUrl(transportUrl: string): string {
  const u = new URL(transportUrl);
  if (u.protocol !== 'rabbit:' && u.protocol !== 'amqp:') throw new Error(`unsupported transport_url scheme ${u.protocol}`);
  const auth = u.username ? `${u.username}:${u.password}@` : '';
  const vhost = u.pathname && u.pathname !== '/' ? u.pathname : '';
  return `amqp://${auth}${u.hostname}:${u.port || '5672'}${vhost}`;
}

export class AmqpTransport implements Transport {
  readonly kind = 'amqp';
  private link?: Link;
  private closed = false;
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly waiters = new Set<() => void>();
  private readonly pending = new Map<string, PendingCall>();
  private readonly subscriptions = new Set<AmqpSubscription>();
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly log: Logger;

  constructor(private readonly options: AmqpTransportOptions) {
    this.minDelay = options.reconnectMinMs ?? 200;
    this.maxDelay = options.reconnectMaxMs ?? 5000;
    this.log = options.logger.child({ transport: 'amqp' });
  }

  /** Connect in the background; sends wait for the link (up to their timeout) instead of failing at once. */
  start(): void {
    void this.connect();
  }

  /** True while a connection is up. */
  get connected(): boolean {
    return this.link !== undefined;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    let model: ChannelModel | undefined;
    try {
      model = await amqp.connect(this.options.url, { noDelay: true, timeout: this.options.connectTimeoutMs ?? 3000 });
      const publisher = await model.createConfirmChannel();
      const caller = await model.createChannel();
      await publisher.assertExchange(this.options.exchange, 'topic', { durable: false });
      await caller.consume(REPLY_TO, (m) => this.onReply(m), { noAck: true });
      const link: Link = { model, publisher, caller, fanoutsDeclared: new Set() };
      model.on('error', (err: Error) => this.log.warn({ err: err.message }, 'AMQP connection error'));
      model.on('close', () => this.onLost(link));
      // A channel error (say, a reply to a vanished queue) closes the channel: start over cleanly.
      for (const ch of [publisher, caller]) {
        ch.on('error', (err: Error) => this.log.warn({ err: err.message }, 'AMQP channel error'));
        ch.on('close', () => { if (this.link === link) void model!.close().catch(() => {}); });
      }
      for (const sub of this.subscriptions) await sub.attach(model);
      if (this.closed) {
        await model.close().catch(() => {});
        return;
      }
      this.link = link;
      if (this.attempt > 0) this.log.info({ attempts: this.attempt }, 'AMQP connection re-established');
      this.attempt = 0;
      for (const w of [...this.waiters]) w();
    } catch (err) {
      if (model) await model.close().catch(() => {});
      this.scheduleReconnect(err);
    }
  }

  private scheduleReconnect(err: unknown): void {
    if (this.closed) return;
    const delay = Math.min(this.maxDelay, this.minDelay * 2 ** this.attempt);
    this.attempt++;
    this.log.warn({ err: (err as Error)?.message, delayMs: delay, attempt: this.attempt }, 'AMQP connect failed; retrying');
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
  }

  private onLost(link: Link): void {
    if (this.link !== link) return;
    this.link = undefined;
    for (const sub of this.subscriptions) sub.detach();
    const err = new TransportUnavailableError('AMQP connection lost before the reply arrived');
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(err);
    }
    if (!this.closed) this.scheduleReconnect(new Error('connection closed'));
  }

  /** The current link, waiting for one up to `timeoutMs`. */
  private async ready(timeoutMs: number): Promise<Link> {
    if (this.closed) throw new TransportUnavailableError('AMQP transport is closed');
    if (this.link) return this.link;
    return new Promise<Link>((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(this.link!);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new TransportUnavailableError(`message bus unreachable (no AMQP connection within ${timeoutMs} ms)`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private async exchangeFor(link: Link, dest: Destination): Promise<{ exchange: string; key: string }> {
    if (dest.fanout) {
      const exchange = `${this.options.exchange}.${dest.topic}_fanout`;
      if (!link.fanoutsDeclared.has(exchange)) {
        await link.publisher.assertExchange(exchange, 'fanout', { durable: false });
        link.fanoutsDeclared.add(exchange);
      }
      return { exchange, key: '' };
    }
    return { exchange: this.options.exchange, key: dest.server ? `${dest.topic}.${dest.server}` : dest.topic };
  }

  async publish(dest: Destination, body: Buffer, options: { timeoutMs: number }): Promise<void> {
    const started = Date.now();
    const link = await this.ready(options.timeoutMs);
    const { exchange, key } = await this.exchangeFor(link, dest);
    const left = Math.max(1, options.timeoutMs - (Date.now() - started));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TransportUnavailableError(`no publisher confirm within ${options.timeoutMs} ms`)), left);
      try {
        link.publisher.publish(exchange, key, body, { contentType: 'application/json' }, (err) => {
          clearTimeout(timer);
          if (err) reject(new TransportUnavailableError('broker refused the message', err));
          else resolve();
        });
      } catch (err) {
        // amqplib throws at once when the channel closed under us.
        clearTimeout(timer);
        reject(new TransportUnavailableError('AMQP channel closed', err));
      }
    });
  }

  async request(dest: Destination, body: Buffer, options: { timeoutMs: number }): Promise<Buffer> {
    const started = Date.now();
    const link = await this.ready(options.timeoutMs);
    const { exchange, key } = await this.exchangeFor(link, dest);
    const left = Math.max(1, options.timeoutMs - (Date.now() - started));
    const correlationId = randomUUID();
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new MessagingTimeoutError(`Timed out waiting for a reply to ${key || exchange} after ${options.timeoutMs} ms`));
      }, left);
      this.pending.set(correlationId, { resolve, reject, timer });
      try {
        link.caller.publish(exchange, key, body, { replyTo: REPLY_TO, correlationId, contentType: 'application/json' });
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(correlationId);
        reject(new TransportUnavailableError('AMQP channel closed', err));
      }
    });
  }

  private onReply(msg: ConsumeMessage | null): void {
    if (!msg) return;
    const p = this.pending.get(msg.properties.correlationId as string);
    if (!p) return; // a reply after its timeout: nobody waits for it any more
    this.pending.delete(msg.properties.correlationId as string);
    clearTimeout(p.timer);
    p.resolve(msg.content);
  }

  async consume(topic: string, server: string, handler: DeliveryHandler, options: ConsumeOptions): Promise<Consumer> {
    const sub = new AmqpSubscription(this.options.exchange, topic, server, handler, Math.max(1, options.concurrency), this.options.queueExpiresMs ?? 1_800_000, this.log);
    this.subscriptions.add(sub);
    // Wait briefly for the link so that messages sent right after start() find the queues;
    // with the broker down the service still starts and attaches on reconnection.
    const link = await this.ready(this.options.connectTimeoutMs ?? 3000).catch(() => undefined);
    if (link && this.link === link) await sub.attach(link.model);
    return {
      cancel: async () => {
        this.subscriptions.delete(sub);
        await sub.cancel();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await Promise.all([...this.subscriptions].map((s) => s.cancel()));
    this.subscriptions.clear();
    const link = this.link;
    this.link = undefined;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new TransportUnavailableError('AMQP transport closed'));
    }
    this.pending.clear();
    if (link) await link.model.close().catch(() => {});
  }
}

/** One consumer's channel and queues; re-attached after each reconnection. */
class AmqpSubscription {
  private channel?: Channel;
  private tags: string[] = [];
  private running = 0;
  private cancelled = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly exchange: string,
    private readonly topic: string,
    private readonly server: string,
    private readonly handler: DeliveryHandler,
    private readonly concurrency: number,
    private readonly expiresMs: number,
    private readonly log: Logger,
  ) {}

  private model?: ChannelModel;

  async attach(model: ChannelModel): Promise<void> {
    if (this.cancelled || this.model === model) return;
    this.model = model;
    const ch = await model.createChannel();
    ch.on('error', (err: Error) => this.log.warn({ err: err.message, topic: this.topic }, 'AMQP consumer channel error'));
    ch.on('close', () => { if (this.channel === ch) this.channel = undefined; });
    await ch.prefetch(this.concurrency);
    await ch.assertExchange(this.exchange, 'topic', { durable: false });
    const fanout = `${this.exchange}.${this.topic}_fanout`;
    await ch.assertExchange(fanout, 'fanout', { durable: false });
    // Queues carry the exchange's name so two installations (or test runs) on one broker never share one.
    const shared = `${this.exchange}.${this.topic}`;
    const own = `${this.exchange}.${this.topic}.${this.server}`;
    await ch.assertQueue(shared, { durable: false, autoDelete: false, expires: this.expiresMs });
    await ch.bindQueue(shared, this.exchange, this.topic);
    await ch.assertQueue(own, { durable: false, autoDelete: false, expires: this.expiresMs });
    await ch.bindQueue(own, this.exchange, `${this.topic}.${this.server}`);
    const mine = await ch.assertQueue(`${fanout}_${randomUUID().slice(0, 8)}`, { exclusive: true, autoDelete: true });
    await ch.bindQueue(mine.queue, fanout, '');
    this.channel = ch;
    this.tags = [];
    for (const q of [shared, own, mine.queue]) {
      const { consumerTag } = await ch.consume(q, (m) => { if (m) void this.onMessage(ch, m); });
      this.tags.push(consumerTag);
    }
  }

  /** The connection is gone: its channel and un-acked deliveries with it. */
  detach(): void {
    this.channel = undefined;
    this.model = undefined;
  }

  private async onMessage(ch: Channel, msg: ConsumeMessage): Promise<void> {
    this.running++;
    try {
      const replyTo = msg.properties.replyTo as string | undefined;
      const out = await this.handler({ body: msg.content, expectsReply: !!replyTo, redelivered: msg.fields.redelivered });
      // The channel that delivered is the only one that may ack; if it died the broker redelivers.
      if (this.channel !== ch) return;
      if (out.reply && replyTo) ch.sendToQueue(replyTo, out.reply, { correlationId: msg.properties.correlationId, contentType: 'application/json' });
      if (out.outcome === 'ack') ch.ack(msg);
      else ch.nack(msg, false, false);
    } catch (err) {
      this.log.error({ err: (err as Error).message, topic: this.topic }, 'RPC delivery handling failed');
      if (this.channel === ch) ch.nack(msg, false, false);
    } finally {
      this.running--;
      if (this.running === 0) for (const w of this.idle.splice(0)) w();
    }
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
    const ch = this.channel;
    if (ch) for (const tag of this.tags) await ch.cancel(tag).catch(() => {});
    if (this.running > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (ch && this.channel === ch) {
      this.channel = undefined;
      await ch.close().catch(() => {});
    }
  }
}
