/**
 * AMQP connection loss: a message whose handler was running when the
 * connection dropped is redelivered after the reconnection and acked once;
 * a call waiting for its reply fails at once; nothing acked is lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AmqpTransport, RpcClient, RpcServer, TransportUnavailableError } from '../../compute/rpc/index.js';
import { Relay, relayUrl, capturingLogger, sleep, uniqueTopic } from '../helpers/compute-bus.js';

test('a delivery cut short by a lost connection is redelivered and acked once', async () => {
  const relay = new Relay();
  await relay.start();
  const exchange = `swiftly-test-${randomUUID().slice(0, 8)}`;
  const cap = capturingLogger();
  const open = () => {
    const t = new AmqpTransport({ url: relayUrl(relay), exchange, logger: cap.logger, reconnectMinMs: 50, reconnectMaxMs: 200, connectTimeoutMs: 1000, queueExpiresMs: 20_000 });
    t.start();
    return t;
  };
  const serverT = open();
  const clientT = open();
  const topic = uniqueTopic('reconnect');
  const seen: { n: number; redelivered: boolean }[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const done: number[] = [];
  // Record the transport-level redelivered flag by wrapping the consumer.
  const consumer = await serverT.consume(topic, 'h1', async (d) => {
    const msg = JSON.parse(d.body.toString());
    seen.push({ n: msg.args.n, redelivered: d.redelivered });
    if (msg.args.n === 1 && !d.redelivered) await gate;
    done.push(msg.args.n);
    return { outcome: 'ack' };
  }, { concurrency: 4 });
  try {
    const client = new RpcClient(clientT, { topic, version: '1.0', timeoutMs: 5000 });
    await client.cast({}, 'work', { n: 1 });
    await client.cast({}, 'work', { n: 2 });
    for (let i = 0; i < 200 && seen.length < 2; i++) await sleep(10);
    assert.deepEqual(seen.map((s) => s.n).sort(), [1, 2]);
    // A call in flight when the connection drops fails at once, not at its timeout.
    const slowServer = new RpcServer(serverT, { topic: `${topic}-call`, server: 'h1', logger: cap.logger, endpoint: { version: '1.0', methods: { wait: () => sleep(3000) } } });
    await slowServer.start();
    const pending = new RpcClient(clientT, { topic: `${topic}-call`, version: '1.0', timeoutMs: 10_000 }).call({}, 'wait');
    await sleep(100);
    const t0 = Date.now();
    await relay.stop();
    await assert.rejects(pending, (err: unknown) => err instanceof TransportUnavailableError && /connection lost/.test((err as Error).message));
    assert.ok(Date.now() - t0 < 1000);
    // The handler of message 1 finishes while the connection is down: its ack cannot (and must not) be sent.
    release();
    await sleep(100);
    await relay.start();
    for (let i = 0; i < 300 && !(seen.length >= 3 && done.filter((n) => n === 1).length >= 2); i++) await sleep(10);
    const ones = seen.filter((s) => s.n === 1);
    assert.equal(ones.length, 2, 'message 1 was redelivered');
    assert.equal(ones[1].redelivered, true);
    assert.equal(seen.filter((s) => s.n === 2).length, 1, 'message 2 was acked before the loss and not seen again');
    // After the redelivered copy was acked nothing comes back again, and no channel complained of a double ack.
    await sleep(300);
    assert.equal(seen.filter((s) => s.n === 1).length, 2);
    assert.equal(cap.lines().filter((l) => /channel error/.test(String(l.msg)) && /unknown delivery tag/i.test(String(l.err))).length, 0);
    await slowServer.stop();
  } finally {
    await consumer.cancel();
    await clientT.close();
    await serverT.close();
    await relay.stop().catch(() => {});
  }
});
