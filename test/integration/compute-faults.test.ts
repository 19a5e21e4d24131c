/**
 * Faults: a compute worker killed mid-spawn, the message bus going away
 * under the API, and a malformed message on the bus — over RabbitMQ.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { AmqpTransport, startComputeServices, ComputeDb } from '../../compute/index.js';
import { silentLogger } from '../../common/index.js';
import { FAST, novaClient } from '../helpers/compute-cloud.js';
import { TEST_AMQP_URL, capturingLogger, sleep, Relay, RABBIT } from '../helpers/compute-bus.js';

const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'swiftly-compute-faults-'));
after(() => rmSync(dir, { recursive: true, force: true }));


async function until(what: string, pred: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a compute worker killed mid-spawn: the server ends in ERROR and its claim is released', async () => {
  const exchange = `swiftly-test-${randomUUID().slice(0, 8)}`;
  const dbPath = join(dir, 'kill.sqlite');
  const conf = join(dir, 'compute-victim.conf');
  writeFileSync(conf, [
    '[DEFAULT]', 'host = victim', `transport_url = ${TEST_AMQP_URL.replace(/^amqp:/, 'rabbit:')}/`, `control_exchange = ${exchange}`,
    'report_interval = 0.2', 'periodic_interval = 0.3', 'service_down_time = 1.5', 'log_level = error',
    '[database]', `connection = sqlite:///${dbPath}`,
    '[fake]', 'time_scale = 25', 'memory_mb = 4096', '',
  ].join('\n'));
  const ctl = await startComputeServices({
    config: { ...FAST, dbPath, host: 'ctl', transportUrl: TEST_AMQP_URL, controlExchange: exchange, serviceDownTimeMs: 1500, periodicIntervalMs: 300 },
    run: ['api', 'scheduler'], logger: silentLogger,
  });
  const children: ChildProcess[] = [];
  const startWorker = () => {
    const child = spawn(process.execPath, [SWIFTLY, 'compute', 'compute', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(child);
    return child;
  };
  try {
    const db = ctl.db;
    let worker = startWorker();
    await until('the worker heartbeats', async () => ((await db.getService('swiftly-compute', 'victim'))?.report_count ?? 0) > 1);
    const nova = novaClient(ctl.apiUrl!);
    const imageId = (await nova.call('GET', '/images')).body.images[0].id;
    const id = (await nova.call('POST', '/servers', { server: { name: 'doomed', imageRef: imageId, flavorRef: '1' } })).body.server.id;
    await nova.waitFor(id, (s) => s['OS-EXT-STS:task_state'] === 'spawning');
    assert.equal((await db.usageOnHost('victim')).memory_mb_used, 512, 'claimed while spawning');
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    const s = await nova.waitStatus(id, 'ERROR', 8000);
    assert.match((s.fault as { message: string }).message, /Compute host victim went down while the instance was building/);
    assert.equal((await db.getInstance(id))!.host, null);
    assert.equal((await db.usageOnHost('victim')).memory_mb_used, 0);
    assert.equal((await db.getComputeNode('victim'))!.memory_mb_used, 0, 'the claim is released in the node record too');
    // The worker comes back: the build message it never acked is redelivered, and ignored.
    worker = startWorker();
    const before = (await db.getService('swiftly-compute', 'victim'))!.report_count;
    await until('the worker is back', async () => (await db.getService('swiftly-compute', 'victim'))!.report_count > before + 2);
    await sleep(300);
    const again = (await nova.call('GET', `/servers/${id}`)).body.server;
    assert.equal(again.status, 'ERROR');
    assert.equal((await db.usageOnHost('victim')).memory_mb_used, 0);
    assert.equal((await nova.call('DELETE', `/servers/${id}`)).status, 204);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await ctl.stop();
  }
});

test('the bus goes away: the API answers 503 within its timeout, then recovers; a malformed message is rejected and logged', async () => {
  const relay = new Relay();
  await relay.start();
  const exchange = `swiftly-test-${randomUUID().slice(0, 8)}`;
  const cap = capturingLogger();
  const transport = new AmqpTransport({
    url: `amqp://${RABBIT.username}:${RABBIT.password}@127.0.0.1:${relay.port}`, exchange, logger: cap.logger,
    reconnectMinMs: 50, reconnectMaxMs: 300, connectTimeoutMs: 1000, queueExpiresMs: 20_000,
  });
  transport.start();
  const cloud = await startComputeServices({
    config: { ...FAST, dbPath: join(dir, 'bus.sqlite'), host: 'cn1', rpcResponseTimeoutMs: 1500, fake: { vcpus: 8, memoryMb: 8192, localGb: 100, cpuArch: 'x86_64', timeScale: 0.05 } },
    logger: cap.logger, transport,
  });
  try {
    const nova = novaClient(cloud.apiUrl!);
    const imageId = (await nova.call('GET', '/images')).body.images[0].id;
    const boot = (name: string) => nova.call('POST', '/servers', { server: { name, imageRef: imageId, flavorRef: '1' } });
    const first = (await boot('before')).body.server.id;
    await nova.waitStatus(first, 'ACTIVE');

    await relay.stop();
    await until('the transport notices', () => !transport.connected, 3000);
    const t0 = Date.now();
    const down = await boot('during');
    const took = Date.now() - t0;
    assert.equal(down.status, 503);
    assert.equal(down.body.serviceUnavailable.code, 503);
    assert.match(down.body.serviceUnavailable.message, /message bus unreachable/);
    assert.ok(took >= 1400 && took < 2500, `503 after the 1.5 s timeout, took ${took} ms`);
    assert.deepEqual((await nova.call('GET', '/servers')).body.servers.map((s: { id: string }) => s.id), [first], 'the failed create left nothing behind');
    const pause = await nova.call('POST', `/servers/${first}/action`, { pause: null });
    assert.equal(pause.status, 503);
    assert.equal((await nova.call('GET', `/servers/${first}`)).body.server['OS-EXT-STS:task_state'], null, 'task state rolled back');

    await relay.start();
    await until('the transport reconnects', () => transport.connected, 5000);
    const second = await boot('after');
    assert.equal(second.status, 202);
    await nova.waitStatus(second.body.server.id, 'ACTIVE');
    assert.equal((await nova.call('POST', `/servers/${first}/action`, { pause: null })).status, 202);
    await nova.waitStatus(first, 'PAUSED');

    // Garbage straight onto the compute worker's queue: rejected, logged, and the worker carries on.
    const conn = await amqp.connect(TEST_AMQP_URL);
    const ch = await conn.createChannel();
    ch.publish(exchange, 'compute.cn1', Buffer.from('this is not an RPC message'));
    ch.publish(exchange, 'compute', Buffer.from(JSON.stringify({ v: 1, method: 'terminate_instance', version: '1.0', args: [] })));
    await ch.close();
    await conn.close();
    await until('the rejection is logged', () => cap.lines().filter((l) => l.msg === 'malformed RPC message rejected').length === 2, 3000);
    const reasons = cap.lines().filter((l) => l.msg === 'malformed RPC message rejected').map((l) => l.reason).sort();
    assert.deepEqual(reasons, ['body is not JSON', 'no request id']);
    const third = await boot('still-works');
    await nova.waitStatus(third.body.server.id, 'ACTIVE');
  } finally {
    await cloud.stop();
    await transport.close();
    await relay.stop().catch(() => {});
  }
});
