/** The Nova v2.1 API and the instance state machine, through the fake driver on the in-process bus. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCloud, novaClient, type TestCloud } from '../helpers/compute-cloud.js';

let cloud: TestCloud;
let nova: ReturnType<typeof novaClient>;
let admin: ReturnType<typeof novaClient>;
let imageId: string;

before(async () => {
  cloud = await startTestCloud();
  nova = novaClient(cloud.url);
  admin = novaClient(cloud.url, 'admin:admin');
  const images = await nova.call('GET', '/images/detail');
  imageId = images.body.images[0].id;
});
after(() => cloud.close());

async function boot(name: string, flavorRef = '1') {
  const r = await nova.call('POST', '/servers', { server: { name, imageRef: imageId, flavorRef } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body.server.id as string;
}

async function act(id: string, body: unknown) {
  return nova.call('POST', `/servers/${id}/action`, body);
}

test('versions, request ids and auth', async () => {
  const v = await fetch(`${cloud.url}/v2.1/`);
  assert.equal(((await v.json()) as { version: { id: string } }).version.id, 'v2.1');
  const noToken = await fetch(`${cloud.url}/v2.1/demo/servers`);
  assert.equal(noToken.status, 401);
  assert.match(noToken.headers.get('x-compute-request-id') ?? '', /^req-[0-9a-f-]{36}$/);
  assert.equal(((await noToken.json()) as { unauthorized: { code: number } }).unauthorized.code, 401);
  const wrongProject = await fetch(`${cloud.url}/v2.1/other/servers`, { headers: { 'x-auth-token': 'demo:demo' } });
  assert.equal(wrongProject.status, 401);
  // The project may come from X-Project-Id instead of the path.
  const viaHeader = await fetch(`${cloud.url}/v2.1/servers`, { headers: { 'x-auth-token': 'demo:demo', 'x-project-id': 'demo' } });
  assert.equal(viaHeader.status, 200);
  const missing = await nova.call('GET', '/servers/00000000-0000-0000-0000-000000000000');
  assert.deepEqual(missing.body, { itemNotFound: { code: 404, message: 'Instance 00000000-0000-0000-0000-000000000000 could not be found.' } });
});

test('flavors: list, detail, show; create and delete by an admin only', async () => {
  const list = await nova.call('GET', '/flavors');
  assert.deepEqual(list.body.flavors.map((f: { name: string }) => f.name), ['m1.tiny', 'm1.small', 'm1.medium', 'm1.large', 'm1.xlarge']);
  const detail = await nova.call('GET', '/flavors/detail?minRam=4096');
  assert.deepEqual(detail.body.flavors.map((f: { id: string }) => f.id), ['3', '4', '5']);
  const one = await nova.call('GET', '/flavors/1');
  assert.equal(one.body.flavor.ram, 512);
  assert.equal(one.body.flavor.swap, '');
  assert.equal(one.body.flavor['os-flavor-access:is_public'], true);
  const body = { flavor: { name: 'test.big', ram: 1024, vcpus: 2, disk: 10, id: 'tb1' } };
  const denied = await nova.call('POST', '/flavors', body);
  assert.equal(denied.status, 403);
  assert.match(denied.body.forbidden.message, /os-flavor-manage:create/);
  const made = await admin.call('POST', '/flavors', body);
  assert.equal(made.status, 200);
  assert.equal(made.body.flavor.id, 'tb1');
  assert.equal((await admin.call('POST', '/flavors', body)).status, 409);
  assert.equal((await admin.call('POST', '/flavors', { flavor: { name: 'x', ram: 'lots', vcpus: 1, disk: 0 } })).status, 400);
  assert.equal((await admin.call('DELETE', '/flavors/tb1')).status, 202);
  assert.equal((await nova.call('GET', '/flavors/tb1')).status, 404);
});

test('server create, show, list with filters, console, delete', async () => {
  const bad = await nova.call('POST', '/servers', { server: { name: 'x', imageRef: 'nope', flavorRef: '1' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.badRequest.message, 'Can not find requested image');
  assert.equal((await nova.call('POST', '/servers', { server: { imageRef: imageId, flavorRef: '1' } })).status, 400);
  const create = await nova.call('POST', '/servers', { server: { name: 'web-1', imageRef: imageId, flavorRef: '1', metadata: { role: 'web' } } });
  assert.equal(create.status, 202);
  const id = create.body.server.id;
  assert.ok(create.headers.get('location')?.endsWith(`/servers/${id}`));
  assert.equal(typeof create.body.server.adminPass, 'string');
  const building = (await nova.call('GET', `/servers/${id}`)).body.server;
  assert.equal(building.status, 'BUILD');
  const s = await nova.waitStatus(id, 'ACTIVE');
  assert.equal(s['OS-EXT-STS:vm_state'], 'active');
  assert.equal(s['OS-EXT-STS:power_state'], 1);
  assert.deepEqual(s.metadata, { role: 'web' });
  assert.equal(s.tenant_id, 'demo');
  assert.equal((s.hostId as string).length, 56);
  assert.equal(s['OS-EXT-SRV-ATTR:host'], undefined, 'host is shown to admins only');
  const asAdmin = (await admin.call('GET', `/servers/${id}`)).status;
  assert.equal(asAdmin, 200);
  const other = await boot('db-1');
  await nova.waitStatus(other, 'ACTIVE');
  const byName = await nova.call('GET', '/servers?name=^web');
  assert.deepEqual(byName.body.servers.map((x: { id: string }) => x.id), [id]);
  const active = await nova.call('GET', '/servers/detail?status=ACTIVE');
  assert.ok(active.body.servers.length >= 2);
  assert.equal((await nova.call('GET', '/servers?status=SHUTOFF')).body.servers.filter((x: { id: string }) => x.id === id).length, 0);
  const page = await nova.call('GET', '/servers?limit=1');
  assert.equal(page.body.servers.length, 1);
  assert.match(page.body.servers_links[0].href, /marker=/);
  // Another project sees nothing of demo's.
  assert.equal((await novaClient(cloud.url, 'eve:eve').call('GET', `/servers/${id}`)).status, 404);
  const out = await act(id, { 'os-getConsoleOutput': { length: 1 } });
  assert.equal(out.status, 200);
  assert.equal(out.body.output, 'login: web-1 is up\n');
  assert.equal((await nova.call('DELETE', `/servers/${id}`)).status, 204);
  await nova.waitFor(id, (x) => x.status === 'GONE');
  // The request id the API answered with travels on the bus and is recorded with the instance's actions.
  const actions = await nova.call('GET', `/servers/${id}/os-instance-actions`);
  assert.equal(actions.status, 404, 'deleted');
  const otherActions = (await nova.call('GET', `/servers/${other}/os-instance-actions`)).body.instanceActions;
  assert.equal(otherActions[0].action, 'create');
  assert.equal(otherActions[0].result, 'Success');
  const created = create.headers.get('x-compute-request-id');
  assert.equal((await cloud.api.db.listActions(id))[0].request_id, created);
  await nova.call('DELETE', `/servers/${other}`);
});

test('the state machine: actions move through task states, a wrong state is a 409', async () => {
  const id = await boot('sm-1');
  // An action while building is refused.
  const early = await act(id, { pause: null });
  assert.equal(early.status, 409);
  assert.match(early.body.conflictingRequest.message, /^Cannot 'pause' instance .* while it is in vm_state building$/);
  await nova.waitStatus(id, 'ACTIVE');

  assert.equal((await act(id, { pause: null })).status, 202);
  const second = await act(id, { pause: null });
  assert.equal(second.status, 409, 'a second pause while pausing or paused');
  await nova.waitStatus(id, 'PAUSED');
  assert.equal((await act(id, { suspend: null })).status, 409);
  assert.equal((await act(id, { unpause: null })).status, 202);
  await nova.waitStatus(id, 'ACTIVE');

  assert.equal((await act(id, { suspend: null })).status, 202);
  await nova.waitStatus(id, 'SUSPENDED');
  assert.equal((await act(id, { resume: null })).status, 202);
  await nova.waitStatus(id, 'ACTIVE');

  assert.equal((await act(id, { reboot: { type: 'SOFT' } })).status, 202);
  const rebooting = (await nova.call('GET', `/servers/${id}`)).body.server;
  assert.ok(['REBOOT', 'ACTIVE'].includes(rebooting.status));
  await nova.waitStatus(id, 'ACTIVE');
  assert.equal((await act(id, { reboot: { type: 'SIDEWAYS' } })).status, 400);

  assert.equal((await act(id, { 'os-stop': null })).status, 202);
  await nova.waitStatus(id, 'SHUTOFF');
  assert.equal((await act(id, { 'os-stop': null })).status, 409);
  assert.equal((await act(id, { reboot: { type: 'SOFT' } })).status, 409, 'soft reboot needs a running guest');
  assert.equal((await act(id, { reboot: { type: 'HARD' } })).status, 202);
  await nova.waitStatus(id, 'ACTIVE');
  assert.equal((await act(id, { 'os-stop': null })).status, 202);
  await nova.waitStatus(id, 'SHUTOFF');
  assert.equal((await act(id, { 'os-start': null })).status, 202);
  await nova.waitStatus(id, 'ACTIVE');

  const rebuild = await act(id, { rebuild: { imageRef: imageId, name: 'sm-1b' } });
  assert.equal(rebuild.status, 202);
  assert.equal(rebuild.body.server.status, 'REBUILD');
  const rebuilt = await nova.waitStatus(id, 'ACTIVE');
  assert.equal(rebuilt.name, 'sm-1b');

  assert.equal((await act(id, { nonsense: null })).status, 400);
  await nova.call('DELETE', `/servers/${id}`);
  await nova.waitFor(id, (x) => x.status === 'GONE');
});

test('resize with revert and confirm; createImage', async () => {
  const id = await boot('rs-1');
  await nova.waitStatus(id, 'ACTIVE');
  assert.equal((await act(id, { resize: { flavorRef: '1' } })).status, 400, 'same flavor');
  assert.equal((await act(id, { confirmResize: null })).status, 409);
  assert.equal((await act(id, { resize: { flavorRef: '2' } })).status, 202);
  let s = await nova.waitStatus(id, 'VERIFY_RESIZE');
  assert.equal((s.flavor as { id: string }).id, '2');
  assert.equal((await act(id, { revertResize: null })).status, 202);
  s = await nova.waitStatus(id, 'ACTIVE');
  assert.equal((s.flavor as { id: string }).id, '1');
  assert.equal((await act(id, { resize: { flavorRef: '2' } })).status, 202);
  await nova.waitStatus(id, 'VERIFY_RESIZE');
  assert.equal((await act(id, { confirmResize: null })).status, 204);
  s = await nova.waitStatus(id, 'ACTIVE');
  assert.equal((s.flavor as { id: string }).id, '2');
  const console = await act(id, { 'os-getConsoleOutput': {} });
  assert.match(console.body.output, /Memory: 2048MB/);

  const snap = await act(id, { createImage: { name: 'rs-1-snap', metadata: { purpose: 'test' } } });
  assert.equal(snap.status, 202);
  const imageUrl = snap.headers.get('location')!;
  const snapId = imageUrl.split('/').pop()!;
  for (let i = 0; i < 200; i++) {
    const img = await nova.call('GET', `/images/${snapId}`);
    if (img.body.image.status === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const img = (await nova.call('GET', `/images/${snapId}`)).body.image;
  assert.equal(img.status, 'ACTIVE');
  assert.equal(img.metadata.instance_uuid, id);
  assert.equal(img.metadata.purpose, 'test');
  await nova.waitStatus(id, 'ACTIVE');
  // A server boots from the snapshot.
  // Its min_disk is the source flavor's root disk, as in Nova: a smaller flavor is refused.
  const tooSmall = await nova.call('POST', '/servers', { server: { name: 'from-snap', imageRef: snapId, flavorRef: '1' } });
  assert.equal(tooSmall.body.badRequest.message, "Flavor's disk is too small for requested image.");
  const fromSnap = await nova.call('POST', '/servers', { server: { name: 'from-snap', imageRef: snapId, flavorRef: '2' } });
  await nova.waitStatus(fromSnap.body.server.id, 'ACTIVE');
  for (const x of [id, fromSnap.body.server.id]) await nova.call('DELETE', `/servers/${x}`);
});

test('a request nobody can host ends in ERROR with "No valid host was found"', async () => {
  await admin.call('POST', '/flavors', { flavor: { name: 'huge', ram: 10_000_000, vcpus: 1, disk: 1, id: 'huge' } });
  const id = await boot('too-big', 'huge');
  const s = await nova.waitStatus(id, 'ERROR');
  assert.equal((s.fault as { code: number }).code, 500);
  assert.match((s.fault as { message: string }).message, /^No valid host was found\. .*RamFilter/);
  assert.equal((await nova.call('DELETE', `/servers/${id}`)).status, 204);
  assert.equal((await nova.call('GET', `/servers/${id}`)).status, 404);
});

test('the periodic sync follows the hypervisor: a guest that shut down is SHUTOFF, a vanished one ERROR', async () => {
  const driver = cloud.parts[1].driver as import('../../compute/index.js').FakeDriver;
  const a = await boot('sync-a');
  const b = await boot('sync-b');
  await nova.waitStatus(a, 'ACTIVE');
  await nova.waitStatus(b, 'ACTIVE');
  driver.simulateGuestShutdown(a);
  const off = await nova.waitStatus(a, 'SHUTOFF', 5000);
  assert.equal(off['OS-EXT-STS:power_state'], 4);
  const gone = (await cloud.api.db.getInstance(b))!;
  await driver.destroy(gone);
  const err = await nova.waitStatus(b, 'ERROR', 5000);
  assert.match((err.fault as { message: string }).message, /missing from the hypervisor/);
  for (const id of [a, b]) await nova.call('DELETE', `/servers/${id}`);
});
