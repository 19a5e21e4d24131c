/**
 * In-process bus: the embedded default. Queues live in this process; a
 * consumer's handlers run on the event loop under its concurrency bound.
 * Deliveries are asynchronous (never inside the publisher's call stack), so
 * code that works here does not lean on an ordering AMQP would not give.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, ConsumeOptions, DeliveryHandler, Destination, Transport } from './transport.js';
import { MessagingTimeoutError, TransportUnavailableError } from './errors.js';

interface Message {
  body: Buffer;
  replyTo?: (reply: Buffer) => void;
}

class MemoryConsumer {
  private running = 0;
  private readonly backlog: Message[] = [];
  private cancelled = false;
  private idle: (() => void)[] = [];

  /** Called whenever a slot frees up, so the queues can hand out their backlog. */
  onFree: () => void = () => {};

  constructor(private readonly handler: DeliveryHandler, private readonly concurrency: number) {}

  get hasRoom(): boolean {
    return !this.cancelled && this.running + this.backlog.length < this.concurrency;
  }

  deliver(msg: Message): void {
    this.backlog.push(msg);
    this.pump();
  }

  private pump(): void {
    while (!this.cancelled && this.running < this.concurrency && this.backlog.length > 0) {
      const msg = this.backlog.shift()!;
      this.running++;
      setImmediate(() => void this.run(msg));
    }
  }

  private async run(msg: Message): Promise<void> {
    try {
      const out = await this.handler({ body: msg.body, expectsReply: msg.replyTo !== undefined, redelivered: false });
      if (out.reply && msg.replyTo) msg.replyTo(out.reply);
    } catch {
      // A handler that throws is a bug of the handler; the message is dropped as AMQP would on reject.
    } finally {
      this.running--;
      this.pump();
      this.onFree();
      if (this.running === 0) for (const w of this.idle.splice(0)) w();
    }
  }

  /** Returns messages not yet started, so the queue can give them to another consumer. */
  async cancel(): Promise<Message[]> {
    this.cancelled = true;
    const left = this.backlog.splice(0);
    if (this.running > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    return left;
  }
}

/** A named queue: messages wait here while no consumer has room. */
class MemoryQueue {
  readonly consumers: MemoryConsumer[] = [];
  readonly waiting: Message[] = [];
  private next = 0;

  push(msg: Message): void {
    this.waiting.push(msg);
    this.dispatch();
  }

  dispatch(): void {
    while (this.waiting.length > 0) {
      const live = this.consumers.filter((c) => c.hasRoom);
      if (live.length === 0) return;
      const consumer = live[this.next++ % live.length];
      consumer.deliver(this.waiting.shift()!);
    }
  }
}

export class MemoryTransport implements Transport {
  readonly kind = 'memory';
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly fanouts = new Map<string, Set<MemoryQueue>>();
  private readonly consumers = new Set<Consumer>();
  private closed = false;

  private queueNamed(name: string): MemoryQueue {
    let q = this.queues.get(name);
    if (!q) {
      q = new MemoryQueue();
      this.queues.set(name, q);
    }
    return q;
  }

  private route(dest: Destination, msg: Message): void {
    if (this.closed) throw new TransportUnavailableError('in-process bus is closed');
    if (dest.fanout) {
      for (const q of this.fanouts.get(dest.topic) ?? []) q.push({ ...msg });
      return;
    }
    const name = dest.server ? `${dest.topic}.${dest.server}` : dest.topic;
    // As with AMQP, a message to a queue nobody ever declared is dropped (unroutable).
    this.queues.get(name)?.push(msg);
  }

  async publish(dest: Destination, body: Buffer): Promise<void> {
    this.route(dest, { body });
  }

  request(dest: Destination, body: Buffer, options: { timeoutMs: number }): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new MessagingTimeoutError(`Timed out waiting for a reply from ${describe(dest)} after ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      try {
        this.route(dest, {
          body,
          replyTo: (reply) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve(reply);
          },
        });
      } catch (err) {
        clearTimeout(timer);
        reject(err);
      }
    });
  }

  async consume(topic: string, server: string, handler: DeliveryHandler, options: ConsumeOptions): Promise<Consumer> {
    if (this.closed) throw new TransportUnavailableError('in-process bus is closed');
    const consumer = new MemoryConsumer(handler, Math.max(1, options.concurrency));
    const fanoutQueue = new MemoryQueue();
    const queues = [this.queueNamed(topic), this.queueNamed(`${topic}.${server}`), fanoutQueue];
    let fanouts = this.fanouts.get(topic);
    if (!fanouts) this.fanouts.set(topic, (fanouts = new Set()));
    fanouts.add(fanoutQueue);
    for (const q of queues) q.consumers.push(consumer);
    const kick = () => { for (const q of queues) q.dispatch(); };
    consumer.onFree = kick;
    const wrapped: Consumer = {
      cancel: async () => {
        for (const q of queues) q.consumers.splice(q.consumers.indexOf(consumer), 1);
        fanouts!.delete(fanoutQueue);
        this.consumers.delete(wrapped);
        const left = await consumer.cancel();
        // Not started yet = not acked: back to the shared queue for another consumer.
        for (const m of left) queues[0].push(m);
      },
    };
    this.consumers.add(wrapped);
    // Messages that arrived before anyone listened are handed out now.
    kick();
    return wrapped;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.cancel()));
  }
}

function describe(dest: Destination): string {
  return dest.fanout ? `${dest.topic} (fanout)` : dest.server ? `${dest.topic}.${dest.server}` : dest.topic;
}
