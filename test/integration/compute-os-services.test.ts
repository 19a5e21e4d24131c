/**
 * `GET /v2.1/os-services` (admin): every registered service with Nova's
 * fields, `state` from the heartbeat (down once the last one is older than
 * service_down_time), `?host=` and `?binary=` filters; a stopped worker goes
 * down and the scheduler places servers elsewhere.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { novaClient, startTestCloud, type TestCloud } from '../helpers/compute-cloud.js';

describe('os-services', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startTestCloud({ computeHosts: ['cn1', 'cn2'], config: { serviceDownTimeMs: 1500 } });
  });
  after(async () => {
    await cloud?.close();
  });

  it('lists services with their state to admins only, and a stopped worker goes down', async () => {
    const admin = novaClient(cloud.url, 'admin:admin');
    const demo = novaClient(cloud.url, 'demo:demo');
    const denied = await demo.call('GET', '/os-services');
    assert.equal(denied.status, 403);
    assert.equal(denied.body.forbidden.message, "Policy doesn't allow os_compute_api:os-services:list to be performed.");

    const all = (await admin.call('GET', '/os-services')).body.services as Record<string, unknown>[];
    const scheduler = all.find((s) => s.binary === 'swiftly-scheduler')!;
    assert.deepEqual(Object.keys(scheduler).sort(), ['binary', 'disabled_reason', 'host', 'id', 'state', 'status', 'updated_at', 'zone']);
    assert.equal(scheduler.zone, 'internal');
    const computes = (await admin.call('GET', '/os-services?binary=swiftly-compute')).body.services as Record<string, unknown>[];
    assert.deepEqual(computes.map((s) => [s.host, s.state, s.status, s.zone]), [['cn1', 'up', 'enabled', 'nova'], ['cn2', 'up', 'enabled', 'nova']]);
    const cn2 = (await admin.call('GET', '/os-services?host=cn2')).body.services as Record<string, unknown>[];
    assert.deepEqual(cn2.map((s) => s.binary), ['swiftly-compute']);

    await cloud.parts[2]!.stop(); // cn2's worker: no more heartbeats
    const stoppedAt = Date.now();
    let state = '';
    while (state !== 'down') {
      assert.ok(Date.now() - stoppedAt < 10_000, 'cn2 still up 10 s after it stopped');
      await new Promise((r) => setTimeout(r, 100));
      state = ((await admin.call('GET', '/os-services?host=cn2')).body.services[0] as { state: string }).state;
    }
    assert.ok(Date.now() - stoppedAt >= 1000, 'down sooner than service_down_time');

    const image = (await demo.call('GET', '/images')).body.images[0].id as string;
    for (let i = 0; i < 3; i++) {
      const id = (await demo.call('POST', '/servers', { server: { name: `s${i}`, imageRef: image, flavorRef: '1' } })).body.server.id as string;
      await demo.waitStatus(id, 'ACTIVE');
      assert.equal((await admin.call('GET', `/servers/${id}`)).body.server['OS-EXT-SRV-ATTR:host'], 'cn1');
    }
  });
});
