/**
 * Dynamic large objects through our proxy over swiftly's storage nodes:
 * X-Object-Manifest prefix manifests concatenated in listing order, the
 * whole's length and etag, ranges, conditionals, the manifest itself,
 * UTF-8 names, COPY, and the check of the header on PUT.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SwiftCluster } from '../helpers/swift-cluster.js';

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

describe('dynamic large objects (dlo) through the proxy', () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  let token: string;
  const A = '/v1/AUTH_test';
  const parts = ['aaaaaaaaaa', 'bbbbbbbbbb', 'ccccc'];
  const whole = parts.join('');
  const wholeEtag = md5(parts.map((p) => md5(p)).join(''));
  const utf8 = encodeURIComponent('контейнер');

  const call = async (method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${base}${path}`, { method, body: opts.body, headers: { 'x-auth-token': token, ...(opts.headers ?? {}) } });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy();
    base = `http://127.0.0.1:${proxy.port}`;
    const auth = await fetch(`${base}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
    await auth.arrayBuffer();
    token = auth.headers.get('x-auth-token')!;
    for (const c of ['c', utf8]) assert.equal((await call('PUT', `${A}/${c}`)).status, 201);
    for (const [i, p] of parts.entries()) {
      assert.equal((await call('PUT', `${A}/c/seg/${i}`, { body: p })).status, 201);
      assert.equal((await call('PUT', `${A}/${utf8}/${encodeURIComponent('сег')}/${i}`, { body: p })).status, 201);
    }
    assert.equal((await call('PUT', `${A}/c/man`, { body: 'manifest-body', headers: { 'x-object-manifest': 'c/seg/' } })).status, 201);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('GETs and HEADs the segments under the prefix as one object', async () => {
    const get = await call('GET', `${A}/c/man`);
    assert.equal(get.status, 200);
    assert.equal(get.text, whole);
    assert.equal(get.headers.get('content-length'), '25');
    assert.equal(get.headers.get('etag'), `"${wholeEtag}"`);
    assert.equal(get.headers.get('x-object-manifest'), 'c/seg/');
    const head = await call('HEAD', `${A}/c/man`);
    assert.equal(head.headers.get('content-length'), '25');
    assert.equal(head.headers.get('etag'), `"${wholeEtag}"`);
  });

  it('answers a range across segments, 416 past the end, and the whole for several ranges', async () => {
    const one = await call('GET', `${A}/c/man`, { headers: { range: 'bytes=8-21' } });
    assert.equal(one.status, 206);
    assert.equal(one.headers.get('content-range'), 'bytes 8-21/25');
    assert.equal(one.text, whole.slice(8, 22));
    assert.equal((await call('GET', `${A}/c/man`, { headers: { range: 'bytes=-3' } })).text, 'ccc');
    assert.equal((await call('GET', `${A}/c/man`, { headers: { range: 'bytes=25-' } })).status, 416);
    const several = await call('GET', `${A}/c/man`, { headers: { range: 'bytes=0-1,5-6' } });
    assert.equal(several.status, 200);
    assert.equal(several.text, whole);
  });

  it('answers conditionals against the whole etag', async () => {
    assert.equal((await call('GET', `${A}/c/man`, { headers: { 'if-match': `"${wholeEtag}"` } })).status, 200);
    assert.equal((await call('GET', `${A}/c/man`, { headers: { 'if-match': md5('manifest-body') } })).status, 412);
    assert.equal((await call('HEAD', `${A}/c/man`, { headers: { 'if-none-match': wholeEtag } })).status, 304);
  });

  it('returns the manifest object itself with multipart-manifest=get', async () => {
    const res = await call('GET', `${A}/c/man?multipart-manifest=get`);
    assert.equal(res.text, 'manifest-body');
    assert.equal(res.headers.get('etag'), md5('manifest-body'));
  });

  it('follows a manifest naming a UTF-8 container and prefix, raw or %-encoded', async () => {
    const raw = Buffer.from(`${decodeURIComponent(utf8)}/сег/`).toString('latin1');
    for (const value of [`${utf8}/${encodeURIComponent('сег')}/`, raw]) {
      assert.equal((await call('PUT', `${A}/c/man-utf8`, { body: '', headers: { 'x-object-manifest': value } })).status, 201);
      assert.equal((await call('GET', `${A}/c/man-utf8`)).text, whole);
    }
  });

  it('refuses a malformed X-Object-Manifest on PUT', async () => {
    for (const bad of ['nocontainer', 'c/', '/prefix', 'c/p?x=1', 'c//p']) {
      const res = await call('PUT', `${A}/c/bad`, { body: '', headers: { 'x-object-manifest': bad } });
      assert.equal(res.status, 400, bad);
      assert.equal(res.text, 'X-Object-Manifest must be in the format container/prefix');
    }
  });

  it('copies the data, or with multipart-manifest=get the manifest', async () => {
    assert.equal((await call('COPY', `${A}/c/man`, { headers: { destination: '/c/man-data' } })).status, 201);
    const data = await call('GET', `${A}/c/man-data`);
    assert.equal(data.text, whole);
    assert.equal(data.headers.get('x-object-manifest'), null);
    assert.equal(data.headers.get('etag'), md5(whole));
    assert.equal((await call('COPY', `${A}/c/man?multipart-manifest=get`, { headers: { destination: '/c/man-copy' } })).status, 201);
    const copy = await call('GET', `${A}/c/man-copy`);
    assert.equal(copy.headers.get('x-object-manifest'), 'c/seg/');
    assert.equal(copy.text, whole);
  });

  it('is an empty object when nothing is under the prefix', async () => {
    assert.equal((await call('PUT', `${A}/c/empty`, { body: '', headers: { 'x-object-manifest': 'c/nothing-here' } })).status, 201);
    const res = await call('GET', `${A}/c/empty`);
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    assert.equal(res.headers.get('etag'), `"${md5('')}"`);
  });
});
