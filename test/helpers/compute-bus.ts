/** Transports for compute tests: the in-process bus, or AMQP on the local RabbitMQ with a private exchange. */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { AmqpTransport, MemoryTransport, type Transport } from '../../compute/rpc/index.js';
import { silentLogger, type Logger } from '../../common/index.js';

/** RabbitMQ used by tests (CI starts it); override with SWIFTLY_TEST_AMQP_URL. */
export const TEST_AMQP_URL = process.env.SWIFTLY_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface Bus {
  kind: 'memory' | 'amqp';
  /** A transport as one process would hold it: the in-process bus is shared, AMQP opens a connection each. */
  open(logger?: Logger, url?: string): Transport;
  close(): Promise<void>;
}

export function makeBus(kind: 'memory' | 'amqp'): Bus {
  const opened: Transport[] = [];
  const memory = new MemoryTransport();
  const exchange = `swiftly-test-${randomUUID().slice(0, 8)}`;
  return {
    kind,
    open(logger = silentLogger, url = TEST_AMQP_URL) {
      if (kind === 'memory') return memory;
      const t = new AmqpTransport({ url, exchange, logger, queueExpiresMs: 20_000, reconnectMinMs: 50, reconnectMaxMs: 400 });
      t.start();
      opened.push(t);
      return t;
    },
    async close() {
      await Promise.all(opened.map((t) => t.close()));
      await memory.close();
    },
  };
}

/** A unique topic name, so runs never see each other's queues. */
export function uniqueTopic(base: string): string {
  return `${base}-${randomUUID().slice(0, 8)}`;
}

/** A logger whose lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const out: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) out.push(JSON.parse(line));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines: () => out };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** TEST_AMQP_URL's parts. */
export const RABBIT = new URL(TEST_AMQP_URL.replace(/^amqp:/, 'http:'));

/** A TCP relay to RabbitMQ that the test can cut and restore (the machine's broker is never stopped). */
export class Relay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(RABBIT.port || 5672), RABBIT.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}


/** An AMQP URL through `relay`. */
export function relayUrl(relay: Relay): string {
  return `amqp://${RABBIT.username}:${RABBIT.password}@127.0.0.1:${relay.port}`;
}
