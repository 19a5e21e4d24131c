/** Resize to another host: the guest moves, both hosts account for it until confirm; revert brings it back. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCloud, novaClient } from '../helpers/compute-cloud.js';
import type { FakeDriver } from '../../compute/index.js';

const cloud = await startTestCloud({ computeHosts: ['cn1', 'cn2'], config: { allowResizeToSameHost: false } });
after(() => cloud.close());

test('resize moves the guest to another host; revert brings it back; confirm frees the source', async () => {
  const nova = novaClient(cloud.url);
  const admin = novaClient(cloud.url, 'admin:admin', 'admin');
  const drivers = new Map(cloud.parts.slice(1).map((p) => [p.config.host, p.driver as FakeDriver]));
  const db = cloud.api.db;
  const imageId = (await nova.call('GET', '/images')).body.images[0].id;
  const id = (await nova.call('POST', '/servers', { server: { name: 'mover', imageRef: imageId, flavorRef: '1' } })).body.server.id;
  await nova.waitStatus(id, 'ACTIVE');
  const hostOf = async () => (await admin.call('GET', `/servers/${id}?all_tenants=1`)).body.server['OS-EXT-SRV-ATTR:host'] as string;
  const source = await hostOf();
  const dest = source === 'cn1' ? 'cn2' : 'cn1';

  assert.equal((await nova.call('POST', `/servers/${id}/action`, { resize: { flavorRef: '2' } })).status, 202);
  await nova.waitStatus(id, 'VERIFY_RESIZE');
  assert.equal(await hostOf(), dest);
  assert.ok(await drivers.get(dest)!.getInfo(id));
  assert.equal(await drivers.get(source)!.getInfo(id), undefined);
  assert.equal((await db.usageOnHost(dest)).memory_mb_used, 2048);
  assert.equal((await db.usageOnHost(source)).memory_mb_used, 512, 'the source keeps the old flavor until confirm or revert');

  assert.equal((await nova.call('POST', `/servers/${id}/action`, { revertResize: null })).status, 202);
  const back = await nova.waitStatus(id, 'ACTIVE');
  assert.equal((back.flavor as { id: string }).id, '1');
  assert.equal(await hostOf(), source);
  assert.equal((await drivers.get(source)!.getInfo(id))?.memory_mb, 512);
  assert.equal(await drivers.get(dest)!.getInfo(id), undefined);
  assert.equal((await db.usageOnHost(dest)).memory_mb_used, 0);

  await nova.call('POST', `/servers/${id}/action`, { resize: { flavorRef: '2' } });
  await nova.waitStatus(id, 'VERIFY_RESIZE');
  assert.equal((await nova.call('POST', `/servers/${id}/action`, { confirmResize: null })).status, 204);
  await nova.waitStatus(id, 'ACTIVE');
  assert.equal(await hostOf(), dest);
  assert.equal((await db.usageOnHost(source)).memory_mb_used, 0);
  assert.equal((await db.usageOnHost(dest)).memory_mb_used, 2048);
  await nova.call('DELETE', `/servers/${id}`);
  await nova.waitFor(id, (s) => s.status === 'GONE');
  assert.equal(await drivers.get(dest)!.getInfo(id), undefined);
});
