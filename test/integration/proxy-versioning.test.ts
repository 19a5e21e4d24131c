/**
 * versioned_writes through our proxy over swiftly storage nodes: legacy
 * stack mode (X-Versions-Location: a DELETE restores the previous
 * version), history mode (X-History-Location: a DELETE leaves a marker),
 * and object versioning (X-Versions-Enabled, ?versions, ?version-id=,
 * delete markers, restore by PUT, the hidden versions container).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SwiftCluster } from '../helpers/swift-cluster.js';

describe('versioned writes through the proxy', () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  let token: string;
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');

  const call = async (method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${base}/v1/AUTH_test${path}`, {
      method, body: opts.body === undefined ? undefined : Buffer.from(opts.body), headers: { 'x-auth-token': token, ...(opts.headers ?? {}) }, redirect: 'manual',
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const listing = async (path: string) => JSON.parse((await call('GET', path)).text || '[]') as Record<string, unknown>[];

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy();
    base = `http://127.0.0.1:${proxy.port}`;
    const res = await fetch(`${base}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
    token = res.headers.get('x-auth-token')!;
  });
  after(() => cluster?.stop());

  it('stack mode keeps each overwritten version and a DELETE restores them newest first', async () => {
    assert.equal((await call('PUT', '/stack-versions')).status, 201);
    assert.equal((await call('PUT', '/stack', { headers: { 'x-versions-location': 'stack-versions' } })).status, 201);
    assert.equal((await call('HEAD', '/stack')).headers.get('x-versions-location'), 'stack-versions');
    for (const body of ['one', 'two', 'three']) assert.equal((await call('PUT', '/stack/obj', { body })).status, 201);
    const versions = await listing('/stack-versions?format=json');
    assert.equal(versions.length, 2);
    for (const v of versions) assert.match(String(v.name), /^003obj\/\d{10}\.\d{5}$/);
    assert.deepEqual(versions.map((v) => v.hash), [md5('one'), md5('two')]);
    assert.equal((await call('DELETE', '/stack/obj')).status, 204);
    assert.equal((await call('GET', '/stack/obj')).text, 'two');
    assert.equal((await call('DELETE', '/stack/obj')).status, 204);
    assert.equal((await call('GET', '/stack/obj')).text, 'one');
    assert.equal((await listing('/stack-versions?format=json')).length, 0);
    assert.equal((await call('DELETE', '/stack/obj')).status, 204);
    assert.equal((await call('GET', '/stack/obj')).status, 404);
  });

  it('takes a raw UTF-8 X-Versions-Location', async () => {
    const raw = Buffer.from('vé', 'utf8').toString('latin1');
    assert.equal((await call('PUT', `/${encodeURIComponent('vé')}`)).status, 201);
    assert.equal((await call('PUT', '/utf8loc', { headers: { 'x-versions-location': raw } })).status, 201);
    for (const body of ['one', 'two']) assert.equal((await call('PUT', '/utf8loc/o', { body })).status, 201);
    assert.equal((await listing(`/${encodeURIComponent('vé')}?format=json`)).length, 1);
  });

  it('history mode leaves a delete marker and keeps every version', async () => {
    assert.equal((await call('PUT', '/hist-versions')).status, 201);
    assert.equal((await call('PUT', '/hist', { headers: { 'x-history-location': 'hist-versions' } })).status, 201);
    assert.equal((await call('HEAD', '/hist')).headers.get('x-history-location'), 'hist-versions');
    for (const body of ['one', 'two']) assert.equal((await call('PUT', '/hist/obj', { body })).status, 201);
    assert.equal((await call('DELETE', '/hist/obj')).status, 204);
    assert.equal((await call('GET', '/hist/obj')).status, 404);
    const versions = await listing('/hist-versions?format=json');
    assert.deepEqual(versions.map((v) => v.content_type), ['application/octet-stream', 'application/octet-stream', 'application/x-deleted;swift_versions_deleted=1']);
  });

  it('checks the location headers as Swift does, and removes them', async () => {
    const both = await call('PUT', '/loc', { headers: { 'x-versions-location': 'a', 'x-history-location': 'b' } });
    assert.equal(both.status, 400);
    assert.equal(both.text, 'Only one of x-versions-location or x-history-location may be specified');
    const slash = await call('PUT', '/loc', { headers: { 'x-versions-location': 'a/b' } });
    assert.equal(slash.status, 412);
    assert.equal((await call('PUT', '/loc', { headers: { 'x-versions-location': 'v' } })).status, 201);
    assert.equal((await call('POST', '/loc', { headers: { 'x-remove-versions-location': 'x' } })).status, 204);
    assert.equal((await call('HEAD', '/loc')).headers.get('x-versions-location'), null);
  });

  it('object versioning: every PUT a version, ?versions lists them, ?version-id reads one', async () => {
    const enable = await call('PUT', '/ov', { headers: { 'x-versions-enabled': 'true' } });
    assert.equal(enable.status, 201);
    assert.equal((await call('HEAD', '/ov')).headers.get('x-versions-enabled'), 'True');
    const ids: string[] = [];
    for (const body of ['v-one', 'v-two', 'v-three']) {
      const put = await call('PUT', '/ov/obj', { body });
      assert.equal(put.status, 201);
      assert.equal(put.headers.get('etag'), md5(body));
      ids.push(put.headers.get('x-object-version-id')!);
    }
    assert.ok(ids.every((id) => /^\d{10}\.\d{5}$/.test(id)));
    const get = await call('GET', '/ov/obj');
    assert.equal(get.text, 'v-three');
    assert.equal(get.headers.get('x-object-version-id'), ids[2]);
    assert.equal((await call('GET', `/ov/obj?version-id=${ids[0]}`)).text, 'v-one');
    // The plain listing shows the current version's size and etag.
    assert.deepEqual((await listing('/ov?format=json')).map((i) => [i.name, i.bytes, i.hash]), [['obj', 7, md5('v-three')]]);
    const versions = await listing('/ov?format=json&versions');
    assert.deepEqual(versions.map((v) => [v.name, v.version_id, v.is_latest, v.bytes]), [
      ['obj', ids[2], true, 7], ['obj', ids[1], false, 5], ['obj', ids[0], false, 5],
    ]);
    // Version listings are JSON only: a format or Accept asking otherwise is 406.
    assert.equal((await call('GET', '/ov?versions&format=xml')).status, 406);
    assert.equal((await call('GET', '/ov?versions', { headers: { accept: 'text/plain' } })).status, 406);
    // The hidden container is not in the account listing; its bytes count for the container.
    const account = await listing('?format=json');
    assert.deepEqual(account.map((c) => c.name).filter((n) => String(n).includes('ov')), ['ov']);
    assert.equal((await call('HEAD', '/ov')).headers.get('x-container-bytes-used'), '17');
  });

  it('object versioning: a DELETE is a marker, a version can be restored or deleted', async () => {
    assert.equal((await call('PUT', '/ov2', { headers: { 'x-versions-enabled': 'true' } })).status, 201);
    const first = (await call('PUT', '/ov2/o', { body: 'first' })).headers.get('x-object-version-id')!;
    assert.equal((await call('PUT', '/ov2/o', { body: 'second' })).status, 201);
    const del = await call('DELETE', '/ov2/o');
    assert.equal(del.status, 204);
    const marker = del.headers.get('x-object-version-id')!;
    assert.equal((await call('GET', '/ov2/o')).status, 404);
    const markerGet = await call('HEAD', `/ov2/o?version-id=${marker}`);
    assert.equal(markerGet.status, 404);
    assert.equal(markerGet.headers.get('content-type'), 'application/x-deleted;swift_versions_deleted=1');
    const versions = await listing('/ov2?format=json&versions');
    assert.deepEqual(versions.map((v) => [v.version_id, v.is_latest]).slice(0, 1), [[marker, true]]);
    assert.equal(versions.length, 3);
    const restore = await call('PUT', `/ov2/o?version-id=${first}`, { body: '' });
    assert.equal(restore.status, 201);
    assert.equal(restore.headers.get('x-object-version-id'), first);
    assert.equal((await call('GET', '/ov2/o')).text, 'first');
    const gone = await call('DELETE', `/ov2/o?version-id=${first}`);
    assert.equal(gone.status, 204);
    assert.equal(gone.headers.get('x-object-current-version-id'), 'null');
    assert.equal((await call('GET', '/ov2/o')).status, 404);
    assert.equal((await call('PUT', '/ov2/o?version-id=1234567890.12345', { body: '' })).status, 404);
    assert.equal((await call('DELETE', '/ov2')).status, 409);
    assert.equal((await call('POST', `/ov2/o?version-id=${first}`)).status, 400);
    assert.equal((await call('GET', '/ov2/o?version-id=bogus')).status, 400);
  });

  it('object versioning: an SLO manifest version is deleted with its segments by ?multipart-manifest=delete&version-id=', async () => {
    assert.equal((await call('PUT', '/ov-segs')).status, 201);
    assert.equal((await call('PUT', '/ov-segs/s1', { body: 'segment one' })).status, 201);
    assert.equal((await call('PUT', '/ov-slo', { headers: { 'x-versions-enabled': 'true' } })).status, 201);
    const manifest = await call('PUT', '/ov-slo/m?multipart-manifest=put', { body: JSON.stringify([{ path: '/ov-segs/s1' }]) });
    assert.equal(manifest.status, 201);
    const v1 = manifest.headers.get('x-object-version-id')!;
    assert.equal((await call('GET', '/ov-slo/m')).text, 'segment one');
    const v2 = (await call('PUT', '/ov-slo/m', { body: 'plain' })).headers.get('x-object-version-id')!;
    const del = await call('DELETE', `/ov-slo/m?multipart-manifest=delete&version-id=${v1}`, { headers: { accept: 'application/json' } });
    assert.equal(del.status, 200);
    assert.equal(JSON.parse(del.text)['Number Deleted'], 2);
    // The version went, with no delete marker in its place; the current one stays.
    assert.deepEqual((await listing('/ov-slo?format=json&versions')).map((v) => v.version_id), [v2]);
    assert.equal((await call('GET', '/ov-segs/s1')).status, 404);
    assert.equal((await call('GET', '/ov-slo/m')).text, 'plain');
  });

  it('object versioning: ?version-id needs a versioned container, legacy and new modes exclude each other', async () => {
    assert.equal((await call('PUT', '/plain')).status, 201);
    assert.equal((await call('PUT', '/plain/o', { body: 'x' })).status, 201);
    const bad = await call('GET', '/plain/o?version-id=1234567890.12345');
    assert.equal(bad.status, 400);
    assert.equal((await call('GET', '/plain/o?version-id=null')).text, 'x');
    assert.equal((await call('PUT', '/legacy', { headers: { 'x-versions-location': 'lv' } })).status, 201);
    const both = await call('POST', '/legacy', { headers: { 'x-versions-enabled': 'true' } });
    assert.equal(both.status, 400);
    const info = await (await fetch(`${base}/info`)).json() as Record<string, unknown>;
    assert.deepEqual(info.object_versioning, {});
    assert.deepEqual(info.versioned_writes, { allowed_flags: ['x-versions-location', 'x-history-location'] });
  });
});
