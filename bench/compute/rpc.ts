/**
 * RPC call latency and cast throughput on both transports.
 * Run: `npm run build && node dist/bench/compute/rpc.js [amqp-url]`
 */
import { randomUUID } from 'node:crypto';
import { AmqpTransport, MemoryTransport, RpcClient, RpcServer, type Transport } from '../../compute/rpc/index.js';
import { silentLogger } from '../../common/index.js';

const url = process.argv[2] ?? 'amqp://guest:guest@127.0.0.1:5672';
const CALLS = 1000;
const CASTS = 10000;

async function measure(kind: string, open: () => Transport): Promise<void> {
  const topic = `bench-${randomUUID().slice(0, 8)}`;
  let handled = 0;
  let allHandled: () => void = () => {};
  const serverT = open();
  const server = new RpcServer(serverT, {
    topic, server: 'h1', logger: silentLogger, concurrency: 64,
    endpoint: { version: '1.0', methods: { echo: (_c, a) => a.x, tick: () => { if (++handled === CASTS) allHandled(); } } },
  });
  await server.start();
  const clientT = open();
  const client = new RpcClient(clientT, { topic, version: '1.0', timeoutMs: 10_000 });
  for (let i = 0; i < 50; i++) await client.call({}, 'echo', { x: i });
  const lat: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = process.hrtime.bigint();
    await client.call({}, 'echo', { x: i });
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  lat.sort((a, b) => a - b);
  const done = new Promise<void>((r) => (allHandled = r));
  const t0 = Date.now();
  // Casts in windows of 256 outstanding publishes (publisher confirms on AMQP).
  for (let i = 0; i < CASTS; i += 256) {
    await Promise.all(Array.from({ length: Math.min(256, CASTS - i) }, () => client.cast({}, 'tick')));
  }
  await done;
  const secs = (Date.now() - t0) / 1000;
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))].toFixed(3);
  console.log(`${kind.padEnd(7)} call latency ms: p50 ${pct(0.5)}  p90 ${pct(0.9)}  p99 ${pct(0.99)}  (${CALLS} sequential calls)`);
  console.log(`${kind.padEnd(7)} cast throughput: ${Math.round(CASTS / secs)} msg/s (${CASTS} casts published and handled in ${secs.toFixed(2)} s)`);
  await server.stop();
  await clientT.close();
  if (serverT !== clientT) await serverT.close();
}

const memory = new MemoryTransport();
await measure('memory', () => memory);
const exchange = `bench-${randomUUID().slice(0, 8)}`;
await measure('amqp', () => {
  const t = new AmqpTransport({ url, exchange, logger: silentLogger, queueExpiresMs: 30_000 });
  t.start();
  return t;
});
