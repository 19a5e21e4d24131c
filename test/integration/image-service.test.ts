/**
 * The image service (Glance v2 over the Swift store) against a real
 * in-process swiftly cluster: records, streamed upload/download with
 * checksums, JSON-patch, killed uploads leaving nothing in the store,
 * in-use deletes refused, auth; and the compute API booting a server from
 * an image of the service (fake driver).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readFileSync, mkdtempSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { silentLogger } from '../../common/index.js';
import { startComputeServices, type ComputeServices } from '../../compute/index.js';
import { GlanceImageService, ImageChecksumError, startImageService, SwiftStore, type ImageServiceHandle } from '../../compute/image/index.js';
import { startSwiftlyCluster, login, type SwiftlyCluster } from './helpers/swiftly-cluster.js';

describe('image service over a swiftly cluster', () => {
  let cluster: SwiftlyCluster;
  let images: ImageServiceHandle;
  let compute: ComputeServices | undefined;
  let tmp: string;
  let user: { token: string; project: string };
  let client: GlanceImageService;
  let store: SwiftStore;
  const data = randomBytes(3 * 1024 * 1024 + 123);

  const api = async (method: string, path: string, opts: { token?: string | null; project?: string; json?: unknown; type?: string; body?: Buffer } = {}) => {
    const headers: Record<string, string> = {};
    if (opts.token !== null) headers['x-auth-token'] = opts.token ?? user.token;
    headers['x-project-id'] = opts.project ?? user.project;
    let body: string | Buffer | undefined = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = opts.type ?? 'application/json';
    } else if (opts.body) headers['content-type'] = opts.type ?? 'application/octet-stream';
    const res = await fetch(`${images.url}${path}`, { method, headers, body });
    const buf = Buffer.from(await res.arrayBuffer());
    const text = buf.toString();
    let json: any;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, buf, text, json };
  };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'swiftly-img-test-'));
    cluster = await startSwiftlyCluster();
    images = await startImageService({
      config: {
        bindHost: '127.0.0.1', bindPort: 0, dbPath: join(tmp, 'images.sqlite'), computeDbPath: join(tmp, 'compute.sqlite'),
        auth: { strategy: 'tempauth', proxyUrl: cluster.proxyUrl, adminProjects: ['admin'], resellerPrefix: 'AUTH' },
        store: { authUrl: cluster.authUrl, user: 'admin:admin', key: 'admin', container: 'glance', largeObjectSize: 8 * 1024 * 1024, largeObjectChunkSize: 3 * 1024 * 1024 },
      },
      logger: silentLogger,
    });
    compute = await startComputeServices({
      config: { dbPath: join(tmp, 'compute.sqlite'), apiListen: '127.0.0.1', apiPort: 0, periodicIntervalMs: 60_000,
        auth: { strategy: 'tempauth', proxyUrl: cluster.proxyUrl, adminProjects: ['admin'], resellerPrefix: 'AUTH' },
        glance: { apiServer: images.url, authUrl: cluster.authUrl, user: 'admin:admin', key: 'admin' } },
      logger: silentLogger,
    });
    user = await login(cluster.authUrl, 'test:tester', 'testing');
    client = new GlanceImageService({ url: images.url, credentials: user });
    store = new SwiftStore({ authUrl: cluster.authUrl, user: 'admin:admin', key: 'admin', container: 'glance' });
  });

  after(async () => {
    await compute?.stop();
    await images?.stop();
    await cluster?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses requests without a valid token (401)', async () => {
    assert.equal((await api('GET', '/v2/images', { token: null })).status, 401);
    assert.equal((await api('GET', '/v2/images', { token: 'AUTH_tkbogus' })).status, 401);
    assert.equal((await api('GET', '/v2/images', { project: 'other' })).status, 401);
  });

  it('creates, uploads (streamed into the store), shows, downloads, patches, lists and deletes an image', async () => {
    const created = await api('POST', '/v2/images', { json: { name: 'tiny', disk_format: 'raw', container_format: 'bare', visibility: 'private', min_disk: 1, architecture: 'x86_64' } });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id as string;
    assert.equal(created.json.status, 'queued');
    assert.equal(created.json.architecture, 'x86_64');
    assert.equal(created.json.owner, user.project);
    assert.equal(created.json.file, `/v2/images/${id}/file`);
    assert.equal(created.json.checksum, null);

    const put = await api('PUT', `/v2/images/${id}/file`, { body: data });
    assert.equal(put.status, 204, put.text);
    const shown = (await api('GET', `/v2/images/${id}`)).json;
    assert.equal(shown.status, 'active');
    assert.equal(shown.size, data.length);
    assert.equal(shown.checksum, createHash('md5').update(data).digest('hex'));
    assert.equal(shown.os_hash_algo, 'sha512');
    assert.equal(shown.os_hash_value, createHash('sha512').update(data).digest('hex'));
    assert.deepEqual(await store.list(), [id]);

    const got = await api('GET', `/v2/images/${id}/file`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-md5'), shown.checksum);
    assert.ok(got.buf.equals(data));
    // A second upload to an active image: Glance's 409.
    assert.equal((await api('PUT', `/v2/images/${id}/file`, { body: Buffer.from('x') })).status, 409);

    const patched = await api('PATCH', `/v2/images/${id}`, { type: 'application/openstack-images-v2.1-json-patch', json: [
      { op: 'replace', path: '/name', value: 'tiny2' }, { op: 'add', path: '/os_distro', value: 'cirros' }, { op: 'remove', path: '/architecture' },
    ] });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.name, 'tiny2');
    assert.equal(patched.json.os_distro, 'cirros');
    assert.equal(patched.json.architecture, undefined);
    const ro = await api('PATCH', `/v2/images/${id}`, { type: 'application/openstack-images-v2.1-json-patch', json: [{ op: 'replace', path: '/checksum', value: 'x' }] });
    assert.equal(ro.status, 403);
    assert.equal((await api('PATCH', `/v2/images/${id}`, { json: [{ op: 'replace', path: '/name', value: 'y' }] })).status, 415);

    const second = (await api('POST', '/v2/images', { json: { name: 'other', disk_format: 'qcow2', container_format: 'bare' } })).json;
    const all = (await api('GET', '/v2/images')).json;
    assert.deepEqual(all.images.map((i: { id: string }) => i.id).sort(), [id, second.id].sort());
    assert.deepEqual((await api('GET', '/v2/images?name=tiny2')).json.images.map((i: { id: string }) => i.id), [id]);
    assert.deepEqual((await api('GET', '/v2/images?status=queued')).json.images.map((i: { id: string }) => i.id), [second.id]);
    const page1 = (await api('GET', '/v2/images?limit=1')).json;
    assert.equal(page1.images.length, 1);
    const page2 = (await api('GET', page1.next)).json;
    assert.equal(page2.images.length, 1);
    assert.notEqual(page2.images[0].id, page1.images[0].id);
    // Another project sees neither private image.
    const other = await login(cluster.authUrl, 'other:tester', 'testing');
    assert.deepEqual((await api('GET', '/v2/images', other)).json.images, []);
    assert.equal((await api('GET', `/v2/images/${id}`, other)).status, 404);
    assert.equal((await api('DELETE', `/v2/images/${id}`, other)).status, 404);

    assert.equal((await api('DELETE', `/v2/images/${id}`)).status, 204);
    assert.equal((await api('DELETE', `/v2/images/${second.id}`)).status, 204);
    assert.equal((await api('GET', `/v2/images/${id}`)).status, 404);
    assert.deepEqual(await store.list(), []);
  });

  const cutUpload = async (id: string, headers: Record<string, string>) => {
    const url = new URL(`${images.url}/v2/images/${id}/file`);
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', headers: {
        'x-auth-token': user.token, 'x-project-id': user.project, 'content-type': 'application/octet-stream', ...headers,
      } });
      req.on('error', () => resolve());
      req.on('response', (res) => { res.resume(); resolve(); });
      req.write(data.subarray(0, 1024 * 1024));
      // A part of the data; once the service has begun saving it (on a loaded machine that can take
      // longer than any fixed wait: an upload it never began leaves the image queued), the connection drops.
      void (async () => {
        for (let i = 0; i < 400; i++) {
          if ((await api('GET', `/v2/images/${id}`)).json.status === 'saving') break;
          await new Promise((r) => setTimeout(r, 25));
        }
        req.destroy();
      })();
    });
    let image;
    for (let i = 0; i < 200; i++) {
      image = (await api('GET', `/v2/images/${id}`)).json;
      if (image.status !== 'saving') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return image;
  };

  for (const [how, headers] of [['with Content-Length', { 'content-length': String(data.length) }], ['chunked', { 'transfer-encoding': 'chunked' }]] as const) {
    it(`kills an image whose upload (${how}) is cut short, leaving nothing in the store`, async () => {
      const id = (await api('POST', '/v2/images', { json: { name: 'cut', disk_format: 'raw', container_format: 'bare' } })).json.id as string;
      const image = await cutUpload(id, headers);
      assert.equal(image.status, 'killed');
      assert.deepEqual(await store.list(), []);
      assert.equal((await api('GET', `/v2/images/${id}/file`)).status, 204);
      assert.equal((await api('PUT', `/v2/images/${id}/file`, { body: data })).status, 409);
      assert.equal((await api('DELETE', `/v2/images/${id}`)).status, 204);
    });
  }

  it('stores an image above swift_store_large_object_size, or of unknown size, as SLO segments and a manifest, checksums verified; deleting it takes the segments', async () => {
    const segments = new SwiftStore({ authUrl: cluster!.authUrl, user: 'admin:admin', key: 'admin', container: 'glance_segments' });
    const big = Buffer.alloc(8 * 1024 * 1024 + 1);
    for (let i = 0; i + 4 <= big.length; i += 4096) big.writeUInt32BE(i, i);
    const id = (await api('POST', '/v2/images', { json: { name: 'big', disk_format: 'raw', container_format: 'bare' } })).json.id as string;
    assert.equal((await api('PUT', `/v2/images/${id}/file`, { body: big })).status, 204);
    const shown = (await api('GET', `/v2/images/${id}`)).json;
    assert.equal(shown.status, 'active');
    assert.equal(shown.size, big.length);
    assert.equal(shown.checksum, createHash('md5').update(big).digest('hex'));
    assert.equal(shown.os_hash_value, createHash('sha512').update(big).digest('hex'));
    assert.deepEqual(await segments.list(), [`${id}-00001`, `${id}-00002`, `${id}-00003`]);
    const got = await api('GET', `/v2/images/${id}/file`);
    assert.equal(got.status, 200);
    assert.ok(got.buf.equals(big));
    // Chunked (no Content-Length): segmented too, as glance_store does.
    const id2 = (await api('POST', '/v2/images', { json: { name: 'big2', disk_format: 'raw', container_format: 'bare' } })).json.id as string;
    const up = await client.upload(id2, Readable.from((function* () { for (let i = 0; i < big.length; i += 1 << 20) yield big.subarray(i, i + (1 << 20)); })()));
    assert.equal(up.status, 'active');
    assert.equal(up.size, big.length);
    assert.equal(up.checksum, shown.checksum);
    assert.equal((await segments.list()).filter((n) => n.startsWith(id2)).length, 3);
    assert.deepEqual((await store.list()).sort(), [id, id2].sort());
    await client.delete(id);
    await client.delete(id2);
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(await segments.list(), []);
  });

  it('client: chunked upload, verified fetchTo, and a corrupted object is caught', async () => {
    const img = await client.create({ name: 'via-client', properties: { architecture: 'x86_64' } });
    let progress = 0;
    const up = await client.upload(img.id, Readable.from([data.subarray(0, 1000), data.subarray(1000)]), { onProgress: (n) => (progress = n) });
    assert.equal(progress, data.length);
    assert.equal(up.status, 'active');
    assert.equal(up.size, data.length);
    const path = join(tmp, 'fetched');
    await client.fetchTo(img.id, path);
    assert.ok(readFileSync(path).equals(data));
    // Corrupt the stored object behind the service's back: fetchTo refuses and leaves nothing.
    const bad = Buffer.from(data);
    bad[10] ^= 0xff;
    await store.put(img.id, Readable.from([bad]), bad.length);
    const path2 = join(tmp, 'fetched-bad');
    await assert.rejects(client.fetchTo(img.id, path2), ImageChecksumError);
    assert.equal(existsSync(path2), false);
    assert.deepEqual(readdirSync(tmp).filter((f) => f.startsWith('fetched-bad')), []);
    await client.delete(img.id);
  });

  it('compute boots a server from an image of the service; deleting the image in use is a 409', async () => {
    const img = await client.create({ name: 'bootable', properties: { architecture: 'x86_64' } });
    await client.upload(img.id, Readable.from([data]), { size: data.length });
    const nova = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${compute!.apiUrl}/v2.1/${user.project}${path}`, {
        method, headers: { 'x-auth-token': user.token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    };
    const created = await nova('POST', '/servers', { server: { name: 'vm1', imageRef: img.id, flavorRef: '1' } });
    assert.equal(created.status, 202, JSON.stringify(created.json));
    const sid = created.json.server.id as string;
    let server;
    for (let i = 0; i < 200; i++) {
      server = (await nova('GET', `/servers/${sid}`)).json.server;
      if (server.status !== 'BUILD') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(server.status, 'ACTIVE', JSON.stringify(server.fault ?? server));
    assert.equal(server.image.id, img.id);
    const refused = await api('DELETE', `/v2/images/${img.id}`);
    assert.equal(refused.status, 409);
    assert.match(refused.text, /in use/);
    // A snapshot (the fake driver has no data to upload) registers an image of the service, owned by the user's project.
    const snap = await nova('POST', `/servers/${sid}/action`, { createImage: { name: 'snap1' } });
    assert.equal(snap.status, 202, JSON.stringify(snap.json));
    let snapImage;
    for (let i = 0; i < 200; i++) {
      snapImage = (await api('GET', `/v2/images/${snap.json.image_id}`)).json;
      if (snapImage.status === 'active') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(snapImage.status, 'active');
    assert.equal(snapImage.owner, user.project);
    assert.equal(snapImage.image_type, 'snapshot');
    assert.equal(snapImage.instance_uuid, sid);
    for (let i = 0; i < 200 && (await nova('GET', `/servers/${sid}`)).json.server['OS-EXT-STS:task_state']; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await api('DELETE', `/v2/images/${snapImage.id}`)).status, 204);
    // A queued (no data) image cannot boot.
    const queued = await client.create({ name: 'empty' });
    assert.equal((await nova('POST', '/servers', { server: { name: 'vm2', imageRef: queued.id, flavorRef: '1' } })).status, 400);
    assert.equal((await nova('DELETE', `/servers/${sid}`)).status, 204);
    for (let i = 0; i < 200 && (await nova('GET', `/servers/${sid}`)).status !== 404; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await api('DELETE', `/v2/images/${img.id}`)).status, 204);
    await client.delete(queued.id);
    assert.deepEqual(await store.list(), []);
  });
});
