/**
 * The RPC contract, run against both transports: in-process and AMQP
 * (RabbitMQ on 127.0.0.1:5672).
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RpcClient, RpcServer, MessagingTimeoutError, UnsupportedVersionError, RemoteError,
  type RequestContext, type RpcEndpoint,
} from '../../compute/rpc/index.js';
import { silentLogger } from '../../common/index.js';
import { makeBus, uniqueTopic, capturingLogger, sleep } from '../helpers/compute-bus.js';

for (const kind of ['memory', 'amqp'] as const) {
  describe(`RPC contract over ${kind}`, () => {
    const bus = makeBus(kind);
    const servers: RpcServer[] = [];
    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await bus.close();
    });

    async function serve(topic: string, server: string, endpoint: RpcEndpoint, opts: { concurrency?: number; logger?: typeof silentLogger } = {}) {
      const s = new RpcServer(bus.open(opts.logger), { topic, server, endpoint, logger: opts.logger ?? silentLogger, concurrency: opts.concurrency });
      await s.start();
      servers.push(s);
      return s;
    }

    test('call returns the result, carries the request id and context', async () => {
      const topic = uniqueTopic('contract');
      let seen: RequestContext | undefined;
      await serve(topic, 'h1', { version: '1.2', methods: { add: (ctx, a) => { seen = ctx; return (a.x as number) + (a.y as number); } } });
      const client = new RpcClient(bus.open(), { topic, version: '1.0', timeoutMs: 3000 });
      const rid = 'req-11111111-2222-3333-4444-555555555555';
      assert.equal(await client.call({ requestId: rid, projectId: 'p1' }, 'add', { x: 2, y: 3 }), 5);
      assert.equal(seen?.requestId, rid);
      assert.equal(seen?.projectId, 'p1');
      // Without a request id one is made, in Nova's shape.
      await client.call({}, 'add', { x: 1, y: 1 });
      assert.match(seen!.requestId, /^req-[0-9a-f-]{36}$/);
    });

    test('a remote error reaches the caller with its name, message and status', async () => {
      const topic = uniqueTopic('contract');
      await serve(topic, 'h1', {
        version: '1.0',
        methods: { boom: () => { const e = new Error('instance is locked') as Error & { status: number }; e.name = 'InstanceInvalidState'; e.status = 409; throw e; } },
      });
      const client = new RpcClient(bus.open(), { topic, version: '1.0', timeoutMs: 3000 });
      await assert.rejects(client.call({}, 'boom'), (err: unknown) => {
        assert.ok(err instanceof RemoteError);
        assert.equal(err.remoteName, 'InstanceInvalidState');
        assert.equal(err.message, 'instance is locked');
        assert.equal(err.status, 409);
        return true;
      });
      await assert.rejects(client.call({}, 'nope'), /has no method nope/);
    });

    test('an incompatible version is refused with an error the caller sees', async () => {
      const topic = uniqueTopic('contract');
      await serve(topic, 'h1', { version: '1.3', methods: { ping: () => 'pong' } });
      const client = new RpcClient(bus.open(), { topic, version: '1.0', timeoutMs: 3000 });
      assert.equal(await client.call({}, 'ping', {}, { version: '1.3' }), 'pong');
      await assert.rejects(client.call({}, 'ping', {}, { version: '2.0' }), (err: unknown) => err instanceof UnsupportedVersionError && /does not support RPC version 2\.0/.test(err.message));
      await assert.rejects(client.call({}, 'ping', {}, { version: '1.4' }), UnsupportedVersionError);
    });

    test('call times out with a clear error when nobody answers', async () => {
      const topic = uniqueTopic('contract');
      await serve(topic, 'h1', { version: '1.0', methods: { slow: () => sleep(1500) } });
      const client = new RpcClient(bus.open(), { topic, version: '1.0' });
      const t0 = Date.now();
      await assert.rejects(client.call({}, 'slow', {}, { timeoutMs: 300 }), (err: unknown) => err instanceof MessagingTimeoutError && /Timed out waiting for a reply/.test(err.message) && err.status === 503);
      assert.ok(Date.now() - t0 < 1200);
    });

    test('server routing, round robin on the shared topic, fanout to all', async () => {
      const topic = uniqueTopic('contract');
      const got: Record<string, string[]> = { h1: [], h2: [] };
      for (const h of ['h1', 'h2'] as const) {
        await serve(topic, h, { version: '1.0', methods: { who: () => h, note: (_c, a) => { got[h].push(a.n as string); } } });
      }
      const client = new RpcClient(bus.open(), { topic, version: '1.0', timeoutMs: 3000 });
      for (let i = 0; i < 4; i++) assert.equal(await client.call({}, 'who', {}, { server: 'h2' }), 'h2');
      const shared = new Set<string>();
      for (let i = 0; i < 8; i++) shared.add(await client.call<string>({}, 'who'));
      assert.deepEqual([...shared].sort(), ['h1', 'h2']);
      await client.cast({}, 'note', { n: 'everyone' }, { fanout: true });
      await client.cast({}, 'note', { n: 'only-h1' }, { server: 'h1' });
      for (let i = 0; i < 50 && got.h1.length + got.h2.length < 3; i++) await sleep(20);
      assert.deepEqual(got.h1.sort(), ['everyone', 'only-h1']);
      assert.deepEqual(got.h2, ['everyone']);
    });

    test('handlers run under the concurrency bound, and stop() waits for them', async () => {
      const topic = uniqueTopic('contract');
      let running = 0;
      let peak = 0;
      let done = 0;
      const server = await serve(topic, 'h1', {
        version: '1.0',
        methods: { work: async () => { running++; peak = Math.max(peak, running); await sleep(40); running--; done++; } },
      }, { concurrency: 2 });
      const client = new RpcClient(bus.open(), { topic, version: '1.0', timeoutMs: 3000 });
      for (let i = 0; i < 6; i++) await client.cast({}, 'work');
      for (let i = 0; i < 100 && done < 1; i++) await sleep(10);
      await server.stop();
      // Whatever started has finished; nothing was cut short mid-handler.
      assert.equal(running, 0);
      assert.equal(peak, 2);
      // Messages not yet started stay on the queue for the next consumer.
      const rest = await serve(topic, 'h2', { version: '1.0', methods: { work: async () => { done++; } } });
      for (let i = 0; i < 100 && done < 6; i++) await sleep(10);
      assert.equal(done, 6);
      await rest.stop();
    });

    test('a malformed message is rejected and logged; the worker keeps serving', async () => {
      const topic = uniqueTopic('contract');
      const cap = capturingLogger();
      await serve(topic, 'h1', { version: '1.0', methods: { ping: () => 'pong' } }, { logger: cap.logger });
      const raw = bus.open();
      await raw.publish({ topic }, Buffer.from('{"not": json'), { timeoutMs: 2000 });
      await raw.publish({ topic }, Buffer.from(JSON.stringify({ v: 1, method: 'ping', version: '1.0', args: {} })), { timeoutMs: 2000 });
      const reply = JSON.parse((await raw.request({ topic }, Buffer.from('\u0000\u0001garbage'), { timeoutMs: 2000 })).toString());
      assert.equal(reply.ok, false);
      assert.equal(reply.error.name, 'MalformedMessage');
      const client = new RpcClient(raw, { topic, version: '1.0', timeoutMs: 3000 });
      assert.equal(await client.call({}, 'ping'), 'pong');
      const rejected = cap.lines().filter((l) => l.msg === 'malformed RPC message rejected');
      assert.deepEqual(rejected.map((l) => l.reason).sort(), ['body is not JSON', 'body is not JSON', 'no request id']);
    });
  });
}
