/**
 * The volume service through the API (fake hypervisor, real volume files
 * made by qemu-img): Cinder v3's volumes (create, list, show, extend,
 * delete; project isolation), Nova's os-volume_attachments (attach to a
 * running and a stopped server, 409 for a volume in use or a server in the
 * wrong state, detach), volumes_attached in the server view, a deleted
 * server's volume left `available`, and boot from volume
 * (block_device_mapping_v2: the volume as the server's root disk).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FakeDriver } from '../../compute/index.js';
import { computeConfig } from '../../compute/index.js';
import { startTestCloud, novaClient, type TestCloud } from '../helpers/compute-cloud.js';

let qemuImg = true;
try {
  execFileSync('qemu-img', ['--version'], { stdio: 'ignore' });
} catch {
  qemuImg = false;
}
const skip = !qemuImg && !process.env.CI ? 'qemu-img is not installed' : false;

let cloud: TestCloud;
let nova: ReturnType<typeof novaClient>;
let other: ReturnType<typeof novaClient>;
let driver: FakeDriver;
let volumesDir: string;
let imageId: string;

/** Cinder's API beside compute's: `/v3/{project}/…`. */
function cinder(token: string) {
  const project = token.split(':')[1];
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${cloud.url}/v3/${project}${path}`, {
      method, headers: { 'x-auth-token': token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}
let cv: ReturnType<typeof cinder>;
let cvOther: ReturnType<typeof cinder>;

async function volumeStatus(id: string, want: string, ms = 10_000): Promise<Record<string, any>> {
  const end = Date.now() + ms;
  let last: Record<string, any> | undefined;
  while (Date.now() < end) {
    const r = await cv('GET', `/volumes/${id}`);
    last = r.status === 404 ? { status: 'GONE' } : r.body.volume;
    if (last!.status === want) return last!;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`volume ${id} did not become ${want}; last: ${JSON.stringify(last)}`);
}

async function newVolume(name: string, size = 1): Promise<string> {
  const r = await cv('POST', '/volumes', { volume: { name, size } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.volume.status, 'creating');
  await volumeStatus(r.body.volume.id, 'available');
  return r.body.volume.id as string;
}

async function boot(name: string): Promise<string> {
  const r = await nova.call('POST', '/servers', { server: { name, imageRef: imageId, flavorRef: '1' } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await nova.waitStatus(r.body.server.id, 'ACTIVE');
  return r.body.server.id as string;
}

before(async () => {
  if (skip) return;
  cloud = await startTestCloud();
  volumesDir = join(cloud.dir, 'volumes');
  await cloud.addCompute('vol1', { volume: { ...computeConfig().volume, volumesDir } }, { run: ['volume'] });
  driver = cloud.parts[1].driver as FakeDriver;
  nova = novaClient(cloud.url);
  other = novaClient(cloud.url, 'eve:other');
  cv = cinder('demo:demo');
  cvOther = cinder('eve:other');
  imageId = (await nova.call('GET', '/images')).body.images[0].id;
});
after(() => cloud?.close());

test('volumes: create → available with its file, list/show its project\'s only, extend, delete removes row and file', { skip }, async () => {
  const id = await newVolume('data', 1);
  const shown = (await cv('GET', `/volumes/${id}`)).body.volume;
  assert.equal(shown.size, 1);
  assert.equal(shown.name, 'data');
  assert.deepEqual(shown.attachments, []);
  assert.equal(shown.bootable, 'false');
  const file = join(volumesDir, `volume-${id}`);
  const size = () => JSON.parse(execFileSync('qemu-img', ['info', '-f', 'raw', '--output=json', file]).toString())['virtual-size'];
  assert.equal(size(), 1024 ** 3);
  assert.ok((await cv('GET', '/volumes')).body.volumes.some((v: { id: string }) => v.id === id));
  assert.ok((await cv('GET', '/volumes/detail')).body.volumes.some((v: { id: string; status: string }) => v.id === id && v.status === 'available'));
  assert.equal((await cvOther('GET', `/volumes/${id}`)).status, 404, 'another project\'s volume is not found');
  assert.equal((await cvOther('GET', '/volumes')).body.volumes.length, 0);
  assert.equal((await cvOther('DELETE', `/volumes/${id}`)).status, 404);

  assert.equal((await cv('POST', `/volumes/${id}/action`, { 'os-extend': { new_size: 1 } })).status, 400, 'extend must grow');
  assert.equal((await cv('POST', `/volumes/${id}/action`, { 'os-extend': { new_size: 2 } })).status, 202);
  assert.equal((await volumeStatus(id, 'available')).size, 2);
  assert.equal(size(), 2 * 1024 ** 3);

  assert.equal((await cv('POST', '/volumes', { volume: { name: 'nosize' } })).status, 400);
  assert.equal((await cv('DELETE', `/volumes/${id}`)).status, 202);
  await volumeStatus(id, 'GONE');
  assert.equal(existsSync(file), false);
});

test('boot from volume (block_device_mapping_v2): the volume is the server\'s vda, in-use, shown, not detachable; delete_on_termination honoured; Nova\'s 400s', { skip }, async () => {
  const bdm = (uuid: string, extra: Record<string, unknown> = {}) => [{ boot_index: 0, uuid, source_type: 'volume', destination_type: 'volume', ...extra }];
  const create = (server: Record<string, unknown>) => nova.call('POST', '/servers', { server: { name: 'bfv', flavorRef: '1', ...server } });
  const fault = (r: { body: any }) => r.body?.badRequest?.message ?? JSON.stringify(r.body);
  const root = await newVolume('root');
  let r = await create({ imageRef: '', block_device_mapping_v2: bdm(root) });
  assert.equal(r.status, 400);
  assert.equal(fault(r), `Block Device ${root} is not bootable.`);
  assert.equal((await cv('POST', `/volumes/${root}/action`, { 'os-set_bootable': { bootable: true } })).status, 200);
  assert.equal((await cv('GET', `/volumes/${root}`)).body.volume.bootable, 'true');
  assert.equal((await cv('POST', `/volumes/${root}/action`, { 'os-set_bootable': {} })).status, 400);

  // Nova's refusals, before anything is made.
  const refused: [Record<string, unknown>, RegExp][] = [
    [{}, /^Missing imageRef attribute$/],
    [{ block_device_mapping_v2: bdm('0f0e0d0c-0000-4000-8000-00000000dead') }, /Block Device Mapping is Invalid: failed to get volume 0f0e0d0c-0000-4000-8000-00000000dead/],
    [{ block_device_mapping_v2: [{ boot_index: 0, source_type: 'volume', destination_type: 'volume' }] }, /Missing device UUID/],
    [{ block_device_mapping_v2: bdm(imageId, { source_type: 'image' }) }, /Images with destination_type 'volume' need to have a non-zero size specified/],
    [{ block_device_mapping_v2: bdm(root, { source_type: 'floppy' }) }, /'floppy' is not one of \['volume', 'image', 'snapshot', 'blank'\]/],
    [{ block_device_mapping_v2: bdm(root, { boot_index: 1 }) }, /Boot sequence/],
    [{ block_device_mapping_v2: bdm(root, { colour: 'red' }) }, /Additional properties are not allowed/],
    [{ block_device_mapping: [{ volume_id: root }] }, /block_device_mapping \(v1\) is not supported/],
  ];
  for (const [body, message] of refused) {
    r = await create(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(fault(r), message);
  }
  assert.equal((await cv('GET', `/volumes/${root}`)).body.volume.status, 'available', 'nothing was reserved');

  r = await create({ imageRef: '', block_device_mapping_v2: bdm(root) });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const s1 = r.body.server.id as string;
  const shown = await nova.waitStatus(s1, 'ACTIVE');
  assert.equal(shown.image, '', 'a volume-backed server has no image');
  assert.deepEqual(shown['os-extended-volumes:volumes_attached'], [{ id: root }]);
  assert.deepEqual(driver.volumesOf(s1).map((v) => [v.device, v.path]), [['vda', join(volumesDir, `volume-${root}`)]], 'the guest\'s vda is the volume\'s file');
  const vol = (await volumeStatus(root, 'in-use'));
  assert.deepEqual(vol.attachments.map((a: { server_id: string; device: string }) => [a.server_id, a.device]), [[s1, '/dev/vda']]);

  const detach = await nova.call('DELETE', `/servers/${s1}/os-volume_attachments/${root}`);
  assert.equal(detach.status, 400);
  assert.equal(fault(detach), "Can't detach root device volume");
  r = await create({ block_device_mapping_v2: bdm(root) });
  assert.equal(r.status, 400, 'a volume in use boots no second server');
  assert.match(fault(r), /status must be 'available'. Currently in 'in-use'/);
  assert.equal((await nova.call('POST', `/servers/${s1}/action`, { rebuild: { imageRef: imageId } })).status, 400);
  const data = await newVolume('data');
  assert.equal((await nova.call('POST', `/servers/${s1}/os-volume_attachments`, { volumeAttachment: { volumeId: data } })).body.volumeAttachment.device, '/dev/vdb');

  assert.equal((await nova.call('DELETE', `/servers/${s1}`)).status, 204);
  await nova.waitFor(s1, (s) => s.status === 'GONE');
  assert.equal((await volumeStatus(root, 'available')).attachments.length, 0, 'delete_on_termination false: the root volume stays');
  await volumeStatus(data, 'available');

  // delete_on_termination: the volume goes with the server.
  r = await create({ block_device_mapping_v2: bdm(root, { delete_on_termination: true }) });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await nova.waitStatus(r.body.server.id, 'ACTIVE');
  assert.equal((await nova.call('DELETE', `/servers/${r.body.server.id}`)).status, 204);
  await volumeStatus(root, 'GONE');
  assert.equal(existsSync(join(volumesDir, `volume-${root}`)), false);

  // From an image: the volume is made first. This cloud's images have no data, so it fails: the server ends in ERROR,
  // and deleting it deletes the volume made for it (delete_on_termination).
  r = await create({ block_device_mapping_v2: bdm(imageId, { source_type: 'image', volume_size: 1, delete_on_termination: true }) });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const s3 = r.body.server.id as string;
  const failed = await nova.waitFor(s3, (s) => s.status === 'ERROR', 15_000);
  assert.match(JSON.stringify(failed.fault), /is error: the server can't boot from it/);
  const made = (failed['os-extended-volumes:volumes_attached'] as { id: string }[])[0].id;
  assert.equal((await cv('GET', `/volumes/${made}`)).body.volume.image_id ?? (await cv('GET', `/volumes/${made}`)).body.volume.volume_image_metadata?.image_id, imageId);
  assert.equal((await nova.call('DELETE', `/servers/${s3}`)).status, 204);
  await volumeStatus(made, 'GONE');
  assert.equal((await cv('DELETE', `/volumes/${data}`)).status, 202);
});

test('attach/detach: a running server gets the disk, the volume is in-use and shown on the server; 409 for a volume in use or a server in the wrong state; detach gives it back', { skip }, async () => {
  const vol = await newVolume('disk');
  const s1 = await boot('one');
  const s2 = await boot('two');
  const r = await nova.call('POST', `/servers/${s1}/os-volume_attachments`, { volumeAttachment: { volumeId: vol } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.volumeAttachment, { id: vol, volumeId: vol, serverId: s1, device: '/dev/vdb' });
  assert.deepEqual(driver.volumesOf(s1).map((v) => [v.device, v.path, v.format]), [['vdb', join(volumesDir, `volume-${vol}`), 'raw']]);
  const shown = (await cv('GET', `/volumes/${vol}`)).body.volume;
  assert.equal(shown.status, 'in-use');
  assert.equal(shown.attachments[0].server_id, s1);
  assert.equal(shown.attachments[0].device, '/dev/vdb');
  assert.deepEqual((await nova.call('GET', `/servers/${s1}`)).body.server['os-extended-volumes:volumes_attached'], [{ id: vol }]);
  assert.deepEqual((await nova.call('GET', `/servers/${s1}/os-volume_attachments`)).body.volumeAttachments.map((a: { volumeId: string }) => a.volumeId), [vol]);

  const again = await nova.call('POST', `/servers/${s2}/os-volume_attachments`, { volumeAttachment: { volumeId: vol } });
  assert.equal(again.status, 409, 'a volume in use is refused');
  assert.equal((await cv('DELETE', `/volumes/${vol}`)).status, 400, 'an attached volume is not deleted (Cinder: InvalidVolume)');
  assert.equal((await other.call('POST', `/servers/${s1}/os-volume_attachments`, { volumeAttachment: { volumeId: vol } })).status, 404);

  // A suspended server takes no attach.
  const vol2 = await newVolume('second');
  assert.equal((await nova.call('POST', `/servers/${s2}/action`, { suspend: null })).status, 202);
  await nova.waitStatus(s2, 'SUSPENDED');
  const wrong = await nova.call('POST', `/servers/${s2}/os-volume_attachments`, { volumeAttachment: { volumeId: vol2 } });
  assert.equal(wrong.status, 409, JSON.stringify(wrong.body));
  assert.equal((await cv('GET', `/volumes/${vol2}`)).body.volume.status, 'available');

  assert.equal((await nova.call('DELETE', `/servers/${s1}/os-volume_attachments/${vol}`)).status, 202);
  assert.equal((await cv('GET', `/volumes/${vol}`)).body.volume.status, 'available');
  assert.deepEqual(driver.volumesOf(s1), []);
  assert.deepEqual((await nova.call('GET', `/servers/${s1}`)).body.server['os-extended-volumes:volumes_attached'], []);
  assert.equal((await nova.call('DELETE', `/servers/${s1}/os-volume_attachments/${vol}`)).status, 404);

  // A stopped server takes one (defined only), and deleting the server leaves it available.
  assert.equal((await nova.call('POST', `/servers/${s1}/action`, { 'os-stop': null })).status, 202);
  await nova.waitStatus(s1, 'SHUTOFF');
  assert.equal((await nova.call('POST', `/servers/${s1}/os-volume_attachments`, { volumeAttachment: { volumeId: vol2 } })).status, 200);
  assert.equal((await cv('GET', `/volumes/${vol2}`)).body.volume.status, 'in-use');
  assert.equal((await nova.call('DELETE', `/servers/${s1}`)).status, 204);
  await nova.waitFor(s1, (s) => s.status === 'GONE');
  assert.equal((await cv('GET', `/volumes/${vol2}`)).body.volume.status, 'available', 'the volume outlives the server');
  assert.deepEqual((await cv('GET', `/volumes/${vol2}`)).body.volume.attachments, []);
  for (const v of [vol, vol2]) assert.equal((await cv('DELETE', `/volumes/${v}`)).status, 202);
  await nova.call('DELETE', `/servers/${s2}`);
});
