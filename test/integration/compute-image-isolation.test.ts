/**
 * Project isolation of images (Glance's visibility rules) through the image
 * API and the compute API, with two tempauth accounts (`test`, `other`) of
 * an in-process swiftly cluster, the image service and compute (fake
 * driver) reading images with their own admin credentials: a project boots,
 * rebuilds, snapshots, lists and sees only public images, its own, those
 * shared with it (members) and community ones (listed only when asked).
 * Also: a token names its user (`account:user`, the server's user_id) and,
 * with no project in the path or X-Project-Id, its own project.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { silentLogger } from '../../common/index.js';
import { startComputeServices, type ComputeServices } from '../../compute/index.js';
import { GlanceImageService, startImageService, type ImageServiceHandle } from '../../compute/image/index.js';
import { startSwiftlyCluster, login, type SwiftlyCluster } from './helpers/swiftly-cluster.js';

type User = { token: string; project: string };

describe('image isolation between projects', () => {
  let cluster: SwiftlyCluster;
  let images: ImageServiceHandle;
  let compute: ComputeServices;
  let tmp: string;
  let test: User;
  let other: User;
  let admin: User;
  const ids: Record<string, string> = {};

  /** The image API as `who`; `project: null` sends no X-Project-Id. */
  const glance = async (who: User, method: string, path: string, json?: unknown, project: string | null = who.project) => {
    const headers: Record<string, string> = { 'x-auth-token': who.token };
    if (project !== null) headers['x-project-id'] = project;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${images.url}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
    const text = await res.text();
    let body: any;
    try { body = JSON.parse(text); } catch { body = text; }
    return { status: res.status, body };
  };
  /** The compute API as `who`, under /v2.1/<project> (or /v2.1 when `project` is null). */
  const nova = async (who: User, method: string, path: string, json?: unknown, project: string | null = who.project) => {
    const headers: Record<string, string> = { 'x-auth-token': who.token };
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${compute.apiUrl}/v2.1${project === null ? '' : `/${project}`}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const upload = async (who: User, name: string, visibility: string) => {
    const client = new GlanceImageService({ url: images.url, credentials: who });
    const img = await client.create({ name, visibility });
    const data = Buffer.from(`image ${name}`);
    await client.upload(img.id, Readable.from([data]), { size: data.length });
    return img.id;
  };
  const listed = async (who: User, query = '') => ((await glance(who, 'GET', `/v2/images${query}`)).body.images as { id: string }[]).map((i) => i.id);
  const settled = async (who: User, id: string) => {
    for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
      const s = (await nova(who, 'GET', `/servers/${id}`)).body.server;
      if (s.status !== 'BUILD' && !s['OS-EXT-STS:task_state']) return s;
    }
    throw new Error(`server ${id} did not settle`);
  };
  const boot = (who: User, name: string, imageRef: string) => nova(who, 'POST', '/servers', { server: { name, imageRef, flavorRef: '1' } });

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'swiftly-img-iso-'));
    cluster = await startSwiftlyCluster();
    const auth = { strategy: 'tempauth' as const, proxyUrl: cluster.proxyUrl, adminProjects: ['admin'], resellerPrefix: 'AUTH' };
    images = await startImageService({
      config: {
        bindHost: '127.0.0.1', bindPort: 0, dbPath: join(tmp, 'images.sqlite'), computeDbPath: join(tmp, 'compute.sqlite'), auth,
        store: { authUrl: cluster.authUrl, user: 'admin:admin', key: 'admin', container: 'glance', largeObjectSize: 8 << 20, largeObjectChunkSize: 4 << 20 },
      },
      logger: silentLogger,
    });
    compute = await startComputeServices({
      config: {
        dbPath: join(tmp, 'compute.sqlite'), apiListen: '127.0.0.1', apiPort: 0, periodicIntervalMs: 60_000, auth,
        fake: { vcpus: 8, memoryMb: 8192, localGb: 100, cpuArch: 'x86_64', timeScale: 0.05 },
        glance: { apiServer: images.url, authUrl: cluster.authUrl, user: 'admin:admin', key: 'admin' },
      },
      logger: silentLogger,
    });
    test = await login(cluster.authUrl, 'test:tester', 'testing');
    other = await login(cluster.authUrl, 'other:tester', 'testing');
    admin = await login(cluster.authUrl, 'admin:admin', 'admin');
    ids.private = await upload(test, 'test-private', 'private');
    ids.shared = await upload(test, 'test-shared', 'shared');
    ids.community = await upload(test, 'test-community', 'community');
    ids.public = await upload(admin, 'admin-public', 'public');
    ids.otherOwn = await upload(other, 'other-private', 'private');
  });

  after(async () => {
    await compute?.stop();
    await images?.stop();
    await cluster?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('tempauth tells a token\'s holder whose token it is; the APIs take the user id and, when none is named, the project from it', async () => {
    const who = await fetch(`${cluster.proxyUrl}/auth/v1.0`, { headers: { 'x-auth-token': other.token } });
    assert.equal(who.status, 200);
    assert.equal(who.headers.get('x-auth-user'), 'other:tester');
    assert.match(who.headers.get('x-storage-url')!, /\/v1\/AUTH_other$/);
    assert.equal((await fetch(`${cluster.proxyUrl}/auth/v1.0`, { headers: { 'x-auth-token': 'AUTH_tk' + '0'.repeat(32) } })).status, 401);

    // No project in the path nor X-Project-Id: the token's own.
    const created = await nova(other, 'POST', '/servers', { server: { name: 'implicit', imageRef: ids.public, flavorRef: '1' } }, null);
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const server = await settled(other, created.body.server.id);
    assert.equal(server.tenant_id, 'other');
    assert.equal(server.user_id, 'other:tester', 'user_id is the tempauth user');
    assert.equal(server.status, 'ACTIVE');
    const list = await nova(other, 'GET', '/servers', undefined, null);
    assert.equal(list.status, 200);
    assert.ok(list.body.servers.some((s: { id: string }) => s.id === server.id));
    const mine = await glance(other, 'GET', '/v2/images', undefined, null);
    assert.equal(mine.status, 200);
    assert.ok(mine.body.images.some((i: { id: string }) => i.id === ids.otherOwn));
    // A named project still has to be the token's.
    assert.equal((await nova(other, 'GET', '/servers', undefined, 'test')).status, 401);
    assert.equal((await glance(other, 'GET', '/v2/images', undefined, 'test')).status, 401);
  });

  it('another project\'s private and shared images are invisible, unlistable and unbootable; public and community ones are usable', async () => {
    for (const id of [ids.private, ids.shared]) {
      assert.equal((await glance(other, 'GET', `/v2/images/${id}`)).status, 404, 'image API show');
      assert.equal((await nova(other, 'GET', `/images/${id}`)).status, 404, 'compute image proxy show');
      const r = await boot(other, 'steal', id);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.badRequest.message, /Can not find requested image/);
    }
    const seen = await listed(other);
    assert.ok(seen.includes(ids.public) && seen.includes(ids.otherOwn));
    for (const id of [ids.private, ids.shared, ids.community]) assert.ok(!seen.includes(id), `${id} not in other's image list`);
    const viaNova = ((await nova(other, 'GET', '/images/detail')).body.images as { id: string }[]).map((i) => i.id);
    assert.deepEqual(viaNova.sort(), [ids.public, ids.otherOwn].sort(), 'compute\'s /images lists what the image API lists');
    assert.deepEqual(await listed(other, '?visibility=community'), [ids.community], 'community images are listed when asked');
    assert.equal((await glance(other, 'GET', `/v2/images/${ids.community}`)).status, 200);
    const fromCommunity = await boot(other, 'community', ids.community);
    assert.equal(fromCommunity.status, 202);
    assert.equal((await settled(other, fromCommunity.body.server.id)).status, 'ACTIVE');
    // The owner sees all of its own.
    const own = await listed(test);
    for (const id of [ids.private, ids.shared, ids.community, ids.public]) assert.ok(own.includes(id));
    assert.ok(!own.includes(ids.otherOwn));
    // Admins see everything.
    assert.ok((await listed(admin)).includes(ids.otherOwn));
  });

  it('rebuild to another project\'s image is refused; a snapshot is its project\'s own, private', async () => {
    const r = await boot(other, 'rebuild-me', ids.public);
    const id = r.body.server.id as string;
    assert.equal((await settled(other, id)).status, 'ACTIVE');
    const rebuild = await nova(other, 'POST', `/servers/${id}/action`, { rebuild: { imageRef: ids.private } });
    assert.equal(rebuild.status, 400, JSON.stringify(rebuild.body));
    const snap = await nova(other, 'POST', `/servers/${id}/action`, { createImage: { name: 'other-snap' } });
    assert.equal(snap.status, 202, JSON.stringify(snap.body));
    const snapId = snap.body.image_id as string;
    const shown = await glance(other, 'GET', `/v2/images/${snapId}`);
    assert.equal(shown.body.owner, 'other');
    assert.equal(shown.body.visibility, 'private');
    assert.equal((await settled(other, id)).status, 'ACTIVE');
    assert.equal((await glance(test, 'GET', `/v2/images/${snapId}`)).status, 404);
    assert.equal((await boot(test, 'their-snapshot', snapId)).status, 400);
    assert.equal((await nova(test, 'DELETE', `/images/${snapId}`)).status, 404);
  });

  it('members: the owner shares an image with a project, which may then use it, lists it once accepted, and loses it when removed', async () => {
    const members = `/v2/images/${ids.shared}/members`;
    assert.equal((await glance(test, 'POST', `/v2/images/${ids.private}/members`, { member: 'other' })).status, 403, 'only shared images have members');
    assert.equal((await glance(other, 'POST', members, { member: 'other' })).status, 404, 'a stranger cannot add itself');
    const added = await glance(test, 'POST', members, { member: 'other' });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual({ ...added.body, created_at: 0, updated_at: 0 }, { image_id: ids.shared, member_id: 'other', status: 'pending', schema: '/v2/schemas/member', created_at: 0, updated_at: 0 });
    assert.equal((await glance(test, 'POST', members, { member: 'other' })).status, 409);
    assert.equal((await glance(test, 'POST', members, { member: 'third' })).status, 200);

    // Pending: usable, not in the default list.
    assert.equal((await glance(other, 'GET', `/v2/images/${ids.shared}`)).status, 200);
    assert.ok(!(await listed(other)).includes(ids.shared));
    assert.deepEqual(await listed(other, '?visibility=shared&member_status=pending'), [ids.shared]);
    const pendingBoot = await boot(other, 'shared-pending', ids.shared);
    assert.equal(pendingBoot.status, 202, JSON.stringify(pendingBoot.body));
    assert.equal((await settled(other, pendingBoot.body.server.id)).status, 'ACTIVE');
    const memberList = await glance(other, 'GET', members);
    assert.deepEqual(memberList.body.members.map((m: { member_id: string }) => m.member_id), ['other'], 'a member sees only its own membership');
    assert.deepEqual((await glance(test, 'GET', members)).body.members.map((m: { member_id: string }) => m.member_id).sort(), ['other', 'third']);

    // Only the member sets its status.
    assert.equal((await glance(test, 'PUT', `${members}/other`, { status: 'accepted' })).status, 403);
    assert.equal((await glance(other, 'PUT', `${members}/other`, { status: 'bogus' })).status, 400);
    const accepted = await glance(other, 'PUT', `${members}/other`, { status: 'accepted' });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.status, 'accepted');
    assert.equal((await glance(other, 'GET', `${members}/other`)).body.status, 'accepted');
    assert.ok((await listed(other)).includes(ids.shared));
    assert.ok(((await nova(other, 'GET', '/images')).body.images as { id: string }[]).some((i) => i.id === ids.shared));

    // Only the owner removes a member; then the image is gone for it.
    assert.equal((await glance(other, 'DELETE', `${members}/other`)).status, 403);
    assert.equal((await glance(test, 'DELETE', `${members}/other`)).status, 204);
    assert.equal((await glance(other, 'GET', `/v2/images/${ids.shared}`)).status, 404);
    assert.ok(!(await listed(other)).includes(ids.shared));
    assert.equal((await boot(other, 'shared-gone', ids.shared)).status, 400);
  });
});
