/**
 * The symlink filter through our proxy over swiftly storage nodes: dynamic
 * and static links, `?symlink=get`, following up to symloop_max, 409 on a
 * changed target, links in listings, POST to a link, COPY of a link, and
 * the checks Swift makes on a link's PUT.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SwiftCluster } from '../helpers/swift-cluster.js';

describe('symlinks through the proxy', () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  let token: string;
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');

  const call = async (method: string, path: string, opts: { body?: string; headers?: Record<string, string>; redirect?: 'manual' | 'follow' } = {}) => {
    // A Buffer body: fetch adds no Content-Type of its own.
    const res = await fetch(`${base}/v1/AUTH_test${path}`, { method, body: opts.body === undefined ? undefined : Buffer.from(opts.body), headers: { 'x-auth-token': token, ...(opts.headers ?? {}) }, redirect: opts.redirect ?? 'manual' });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy();
    base = `http://127.0.0.1:${proxy.port}`;
    const res = await fetch(`${base}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
    token = res.headers.get('x-auth-token')!;
    for (const c of ['c', 'links']) assert.equal((await call('PUT', `/${c}`)).status, 201);
    assert.equal((await call('PUT', '/c/target', { body: 'the target body', headers: { 'content-type': 'text/x-target' } })).status, 201);
  });
  after(() => cluster?.stop());

  it('follows a dynamic link on GET and HEAD, and reads the link itself with ?symlink=get', async () => {
    const put = await call('PUT', '/links/dyn', { body: '', headers: { 'x-symlink-target': 'c/target' } });
    assert.equal(put.status, 201);
    const get = await call('GET', '/links/dyn');
    assert.equal(get.status, 200);
    assert.equal(get.text, 'the target body');
    assert.equal(get.headers.get('content-location'), '/v1/AUTH_test/c/target');
    const ranged = await call('GET', '/links/dyn', { headers: { range: 'bytes=4-9' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.text, 'target');
    const self = await call('HEAD', '/links/dyn?symlink=get');
    assert.equal(self.status, 200);
    assert.equal(self.headers.get('x-symlink-target'), 'c/target');
    assert.equal(self.headers.get('content-type'), 'application/symlink');
    assert.equal(self.headers.get('etag'), md5(''));
    assert.equal(self.headers.get('x-object-sysmeta-symlink-target'), null);
  });

  it('answers 404 for a link to nowhere, naming where it points', async () => {
    assert.equal((await call('PUT', '/links/nowhere', { body: '', headers: { 'x-symlink-target': 'c/missing' } })).status, 201);
    const head = await call('HEAD', '/links/nowhere');
    assert.equal(head.status, 404);
    assert.equal(head.headers.get('content-location'), '/v1/AUTH_test/c/missing');
  });

  it('checks a static link against its target when made and when followed', async () => {
    const wrong = await call('PUT', '/links/static', { body: '', headers: { 'x-symlink-target': 'c/target', 'x-symlink-target-etag': md5('other') } });
    assert.equal(wrong.status, 409);
    assert.match(wrong.text, /does not match X-Symlink-Target-Etag/);
    const missing = await call('PUT', '/links/static', { body: '', headers: { 'x-symlink-target': 'c/missing', 'x-symlink-target-etag': md5('x') } });
    assert.equal(missing.status, 409);
    assert.equal(missing.text, 'X-Symlink-Target does not exist');
    const ok = await call('PUT', '/links/static', { body: '', headers: { 'x-symlink-target': 'c/static-target', 'x-symlink-target-etag': md5('v1') } });
    assert.equal(ok.status, 409);
    assert.equal((await call('PUT', '/c/static-target', { body: 'v1' })).status, 201);
    assert.equal((await call('PUT', '/links/static', { body: '', headers: { 'x-symlink-target': 'c/static-target', 'x-symlink-target-etag': `"${md5('v1')}"` } })).status, 201);
    const self = await call('HEAD', '/links/static?symlink=get');
    assert.equal(self.headers.get('x-symlink-target-etag'), md5('v1'));
    assert.equal(self.headers.get('x-symlink-target-bytes'), '2');
    // The link takes its content type from the target.
    assert.equal(self.headers.get('content-type'), 'application/octet-stream');
    assert.equal((await call('GET', '/links/static')).text, 'v1');
    assert.equal((await call('PUT', '/c/static-target', { body: 'v2' })).status, 201);
    const broken = await call('GET', '/links/static');
    assert.equal(broken.status, 409);
    assert.equal(broken.headers.get('content-location'), '/v1/AUTH_test/c/static-target');
  });

  it('shows links in JSON listings: symlink_path, and a static link\'s etag and bytes', async () => {
    assert.equal((await call('PUT', '/c/listed', { body: 'abc' })).status, 201);
    assert.equal((await call('PUT', '/links/l-dyn', { body: '', headers: { 'x-symlink-target': 'c/listed' } })).status, 201);
    assert.equal((await call('PUT', '/links/l-static', { body: '', headers: { 'x-symlink-target': 'c/listed', 'x-symlink-target-etag': md5('abc') } })).status, 201);
    // A container row can trail its object's PUT (an async update under load): wait for both rows.
    let listing: Record<string, unknown>[] = [];
    for (let i = 0; i < 50 && listing.length < 2; i++) {
      if (i) await new Promise((r) => setTimeout(r, 200));
      listing = JSON.parse((await call('GET', '/links?format=json&prefix=l-')).text) as Record<string, unknown>[];
    }
    assert.deepEqual(listing.map((i) => [i.name, i.hash, i.symlink_path, i.symlink_etag, i.symlink_bytes]), [
      ['l-dyn', md5(''), '/v1/AUTH_test/c/listed', undefined, undefined],
      ['l-static', md5(''), '/v1/AUTH_test/c/listed', md5('abc'), 3],
    ]);
  });

  it('follows at most symloop_max links (2 by default), and /info says so', async () => {
    assert.equal((await call('PUT', '/links/hop1', { body: '', headers: { 'x-symlink-target': 'c/target' } })).status, 201);
    assert.equal((await call('PUT', '/links/hop2', { body: '', headers: { 'x-symlink-target': 'links/hop1' } })).status, 201);
    assert.equal((await call('PUT', '/links/hop3', { body: '', headers: { 'x-symlink-target': 'links/hop2' } })).status, 201);
    assert.equal((await call('GET', '/links/hop2')).text, 'the target body');
    const tooDeep = await call('GET', '/links/hop3');
    assert.equal(tooDeep.status, 409);
    assert.equal(tooDeep.text, 'Too many levels of symbolic links, maximum allowed is 2');
    const info = await (await fetch(`${base}/info`)).json() as Record<string, Record<string, unknown>>;
    assert.deepEqual(info.symlink, { symloop_max: 2, static_links: true });
  });

  it('refuses a POST to a link with a 307 to its target', async () => {
    const post = await call('POST', '/links/dyn', { headers: { 'x-object-meta-a': 'b' } });
    assert.equal(post.status, 307);
    assert.equal(post.headers.get('location'), '/v1/AUTH_test/c/target');
    assert.equal((await call('POST', '/links/dyn', { headers: { 'x-symlink-target': 'c/x' } })).status, 400);
  });

  it('copies the link itself with ?symlink=get, else the target\'s data', async () => {
    assert.equal((await call('COPY', '/links/dyn?symlink=get', { headers: { destination: 'links/dyn-copy' } })).status, 201);
    assert.equal((await call('HEAD', '/links/dyn-copy?symlink=get')).headers.get('x-symlink-target'), 'c/target');
    assert.equal((await call('COPY', '/links/dyn', { headers: { destination: 'links/data-copy' } })).status, 201);
    const data = await call('GET', '/links/data-copy');
    assert.equal(data.text, 'the target body');
    assert.equal(data.headers.get('content-location'), null);
  });

  it('reads a raw UTF-8 X-Symlink-Target as UTF-8, as a quoted one', async () => {
    const raw = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
    assert.equal((await call('PUT', `/${encodeURIComponent('cé')}`)).status, 201);
    assert.equal((await call('PUT', `/${encodeURIComponent('cé')}/${encodeURIComponent('tâ')}`, { body: 'unicode target' })).status, 201);
    assert.equal((await call('PUT', '/links/raw-utf8', { body: '', headers: { 'x-symlink-target': raw('cé/tâ') } })).status, 201);
    assert.equal((await call('PUT', '/links/quoted-utf8', { body: '', headers: { 'x-symlink-target': encodeURIComponent('cé') + '/' + encodeURIComponent('tâ') } })).status, 201);
    for (const link of ['raw-utf8', 'quoted-utf8']) {
      const get = await call('GET', `/links/${link}`);
      assert.equal(get.text, 'unicode target');
      assert.equal(get.headers.get('content-location'), '/v1/AUTH_test/c%C3%A9/t%C3%A2');
    }
  });

  it('refuses bad links as Swift does', async () => {
    const form = await call('PUT', '/links/bad', { body: '', headers: { 'x-symlink-target': 'no-object' } });
    assert.equal(form.status, 412);
    assert.equal(form.text, 'X-Symlink-Target header must be of the form <container name>/<object name>');
    const itself = await call('PUT', '/links/bad', { body: '', headers: { 'x-symlink-target': 'links/bad' } });
    assert.equal(itself.status, 400);
    assert.equal(itself.text, 'Symlink cannot target itself');
    const body = await call('PUT', '/links/bad', { body: 'data', headers: { 'x-symlink-target': 'c/target' } });
    assert.equal(body.status, 400);
    assert.equal(body.text, 'Symlink requests require a zero byte body');
    const etag = await call('PUT', '/links/bad', { body: '', headers: { 'x-symlink-target': 'c/target', 'x-symlink-target-etag': 'a;b' } });
    assert.equal(etag.status, 400);
    assert.equal(etag.text, 'Bad X-Symlink-Target-Etag format');
    const account = await call('PUT', '/links/bad', { body: '', headers: { 'x-symlink-target': 'c/target', 'x-symlink-target-account': '' } });
    assert.equal(account.status, 412);
  });
});
