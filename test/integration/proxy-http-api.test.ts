/**
 * The Swift API through our proxy, the same suite over Debian's real Swift
 * storage servers and over swiftly's, spoken directly over HTTP: what the `swift` CLI doesn't cover — ranges,
 * conditionals, listings in every format, ACL denials and account
 * isolation, constraints, COPY, /info, transaction ids.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { SwiftCluster, type Backend } from '../helpers/swift-cluster.js';

for (const backend of ['swift', 'swiftly'] as Backend[]) describe(`Swift API over HTTP through the proxy over ${backend} storage nodes`, () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  const tokens: Record<string, string> = {};

  const call = async (method: string, path: string, opts: { token?: string; body?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers['x-auth-token'] = opts.token;
    const res = await fetch(`${base}${path}`, { method, body: opts.body, headers });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  const auth = async (user: string, key: string) => {
    const res = await fetch(`${base}/auth/v1.0`, { headers: { 'x-auth-user': user, 'x-auth-key': key } });
    await res.arrayBuffer();
    assert.equal(res.status, 200);
    return res;
  };

  before(async () => {
    cluster = await SwiftCluster.start({ backend, inProcess: true });
    // Inbound X-Timestamps honoured (Swift's gatekeeper shunts them by default), for the older-write check below.
    const proxy = await cluster.startProxy('', undefined, { gatekeeper: { shunt_inbound_x_timestamp: false } });
    base = `http://127.0.0.1:${proxy.port}`;
    tokens.admin = (await auth('test:tester', 'testing')).headers.get('x-auth-token')!;
    tokens.user = (await auth('test:tester2', 'testing2')).headers.get('x-auth-token')!;
    tokens.other = (await auth('test2:tester2', 'testing2')).headers.get('x-auth-token')!;
    const t = tokens.admin;
    assert.equal((await call('PUT', '/v1/AUTH_test/c', { token: t })).status, 201);
    for (const name of ['a.txt', 'd/x.txt', 'd/y.txt', 'e'] as const) {
      assert.equal((await call('PUT', `/v1/AUTH_test/c/${name}`, { token: t, body: `body of ${name}` })).status, 201);
    }
  });

  after(async () => {
    await cluster?.stop();
  });

  it('issues tokens with a storage URL, and refuses bad keys', async () => {
    const res = await auth('test:tester', 'testing');
    assert.equal(res.headers.get('x-storage-url'), `${base}/v1/AUTH_test`);
    assert.match(res.headers.get('x-auth-token')!, /^AUTH_tk[0-9a-f]{32}$/);
    assert.ok(Number(res.headers.get('x-auth-token-expires')) > 3500);
    const bad = await fetch(`${base}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'nope' } });
    assert.equal(bad.status, 401);
    assert.equal((await call('GET', '/v1/AUTH_test', { token: 'AUTH_tkbogus' })).status, 401);
  });

  it('puts a transaction id on every response', async () => {
    for (const r of [await call('GET', '/v1/AUTH_test/c/a.txt', { token: tokens.admin }), await call('GET', '/v1/AUTH_test'), await call('GET', '/healthcheck')]) {
      assert.match(r.headers.get('x-trans-id')!, /^tx[0-9a-f]{21}-[0-9a-f]{10}$/);
    }
  });

  it('serves ranges and conditionals', async () => {
    const t = tokens.admin;
    const r = await call('GET', '/v1/AUTH_test/c/a.txt', { token: t, headers: { range: 'bytes=5-6' } });
    assert.equal(r.status, 206);
    assert.equal(r.text, 'of');
    assert.equal(r.headers.get('content-range'), 'bytes 5-6/13');
    const full = await call('GET', '/v1/AUTH_test/c/a.txt', { token: t });
    const etag = full.headers.get('etag')!.replace(/"/g, '');
    assert.equal((await call('GET', '/v1/AUTH_test/c/a.txt', { token: t, headers: { 'if-none-match': etag } })).status, 304);
    assert.equal((await call('GET', '/v1/AUTH_test/c/a.txt', { token: t, headers: { 'if-match': 'nope' } })).status, 412);
    assert.equal((await call('GET', '/v1/AUTH_test/c/a.txt', { token: t, headers: { range: 'bytes=100-200' } })).status, 416);
    assert.equal((await call('PUT', '/v1/AUTH_test/c/a.txt', { token: t, body: 'x', headers: { 'if-none-match': '*' } })).status, 412);
    // An older X-Timestamp than the stored one loses: 202, and nothing changes.
    assert.equal((await call('PUT', '/v1/AUTH_test/c/a.txt', { token: t, body: 'x', headers: { 'x-timestamp': '1000000000.00000' } })).status, 202);
    assert.equal((await call('GET', '/v1/AUTH_test/c/a.txt', { token: t })).text, 'body of a.txt');
    assert.equal((await call('GET', '/v1/AUTH_test/c/a.txt', { token: t, headers: { 'x-newest': 'true' } })).text, 'body of a.txt');
    assert.equal((await call('HEAD', '/v1/AUTH_test/c', { token: t, headers: { 'x-newest': 'true' } })).status, 204);
    const missing = await call('GET', '/v1/AUTH_test/c/missing', { token: t });
    assert.equal(missing.status, 404);
    assert.match(missing.text, /<h1>Not Found<\/h1>/);
  });

  it('lists containers in plain, json and xml, with prefix and delimiter', async () => {
    const t = tokens.admin;
    const plain = await call('GET', '/v1/AUTH_test/c?delimiter=/', { token: t });
    assert.equal(plain.text, 'a.txt\nd/\ne\n');
    assert.match(plain.headers.get('content-type')!, /^text\/plain/);
    const json = await call('GET', '/v1/AUTH_test/c?format=json&prefix=d/', { token: t });
    const items = JSON.parse(json.text) as { name: string; bytes: number; hash: string }[];
    assert.deepEqual(items.map((i) => i.name), ['d/x.txt', 'd/y.txt']);
    assert.equal(items[0].bytes, 'body of d/x.txt'.length);
    const xml = await call('GET', '/v1/AUTH_test/c?delimiter=/', { token: t, headers: { accept: 'application/xml' } });
    assert.match(xml.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<container name="c">/);
    assert.match(xml.text, /<subdir name="d\/"><name>d\/<\/name><\/subdir>/);
    const account = await call('GET', '/v1/AUTH_test?format=json', { token: t });
    assert.deepEqual((JSON.parse(account.text) as { name: string }[]).map((c) => c.name), ['c']);
    assert.equal((await call('GET', '/v1/AUTH_test/c?prefix=zzz', { token: t })).status, 204);
  });

  it('denies by ACL and keeps accounts apart', async () => {
    const { admin, user, other } = tokens;
    assert.equal((await call('GET', '/v1/AUTH_test/c/a.txt', { token: user })).status, 403);
    assert.equal((await call('GET', '/v1/AUTH_test/c/a.txt')).status, 401);
    assert.equal((await call('GET', '/v1/AUTH_test/c/a.txt', { token: other })).status, 403);
    assert.equal((await call('PUT', '/v1/AUTH_test/c/z', { token: other, body: 'z' })).status, 403);
    assert.equal((await call('GET', '/v1/AUTH_test', { token: other })).status, 403);
    // Read for everyone, listings too; write for one user of another account.
    assert.equal((await call('POST', '/v1/AUTH_test/c', { token: admin, headers: { 'x-container-read': '.r:*,.rlistings', 'x-container-write': 'test2:tester2' } })).status, 204);
    assert.equal((await call('GET', '/v1/AUTH_test/c/a.txt')).status, 200);
    assert.equal((await call('GET', '/v1/AUTH_test/c')).status, 200);
    assert.equal((await call('PUT', '/v1/AUTH_test/c/z', { token: other, body: 'z' })).status, 201);
    assert.equal((await call('PUT', '/v1/AUTH_test/c/z', { body: 'z' })).status, 401);
    // Non-owners don't see the ACLs.
    const seen = await call('HEAD', '/v1/AUTH_test/c', { token: user });
    assert.equal(seen.headers.get('x-container-read'), null);
    // Referrer rules: allowed host, denied subdomain.
    assert.equal((await call('POST', '/v1/AUTH_test/c', { token: admin, headers: { 'x-container-read': '.r:.example.com,.r:-bad.example.com' } })).status, 204);
    assert.equal((await call('GET', '/v1/AUTH_test/c/a.txt', { headers: { referer: 'http://www.example.com/' } })).status, 200);
    assert.equal((await call('GET', '/v1/AUTH_test/c/a.txt', { headers: { referer: 'http://bad.example.com/' } })).status, 401);
    assert.equal((await call('GET', '/v1/AUTH_test/c', { headers: { referer: 'http://www.example.com/' } })).status, 401);
    assert.equal((await call('POST', '/v1/AUTH_test/c', { token: admin, headers: { 'x-container-write': '.r:*' } })).status, 400);
  });

  it('copies with COPY and X-Copy-From', async () => {
    const t = tokens.admin;
    const c1 = await call('COPY', '/v1/AUTH_test/c/a.txt', { token: t, headers: { destination: '/c/copy1' } });
    assert.equal(c1.status, 201);
    assert.equal(c1.headers.get('x-copied-from'), 'c/a.txt');
    assert.equal((await call('GET', '/v1/AUTH_test/c/copy1', { token: t })).text, 'body of a.txt');
    const c2 = await call('PUT', '/v1/AUTH_test/c/copy2', { token: t, headers: { 'x-copy-from': 'c/e', 'x-object-meta-k': 'v' } });
    assert.equal(c2.status, 201);
    const got = await call('GET', '/v1/AUTH_test/c/copy2', { token: t });
    assert.equal(got.text, 'body of e');
    assert.equal(got.headers.get('x-object-meta-k'), 'v');
    assert.equal((await call('COPY', '/v1/AUTH_test/c/missing', { token: t, headers: { destination: 'c/x' } })).status, 404);
  });

  it('enforces constraints and hides backend headers', async () => {
    const t = tokens.admin;
    assert.equal((await call('GET', '/v1/AUTH_test/c/%FF', { token: t })).status, 412);
    const longName = await call('PUT', `/v1/AUTH_test/c/${'x'.repeat(1025)}`, { token: t, body: '' });
    assert.equal(longName.status, 400);
    const meta = await call('POST', '/v1/AUTH_test/c/a.txt', { token: t, headers: { ['x-object-meta-' + 'k'.repeat(129)]: 'v' } });
    assert.equal(meta.status, 400);
    assert.match(meta.text, /^Metadata name too long/);
    // A Content-Length past max_file_size is refused before any of the body is sent.
    const big = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const r = http.request(`${base}/v1/AUTH_test/c/big`, { method: 'PUT', headers: { 'x-auth-token': t, 'content-length': '5368709123' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode!, text });
          r.destroy();
        });
        res.on('error', reject);
      });
      r.on('error', reject);
      r.flushHeaders();
    });
    assert.equal(big.status, 413);
    assert.equal(big.text, 'Your request is too large.');
    assert.equal((await call('HEAD', '/v1/AUTH_test/c/big', { token: t })).status, 404);
    const head = await call('HEAD', '/v1/AUTH_test/c/a.txt', { token: t });
    for (const k of head.headers.keys()) assert.ok(!k.startsWith('x-backend-'), k);
    // Without allow_account_management an account has no PUT: Swift 2.30 answers 405 before authorizing.
    assert.equal((await call('PUT', '/v1/AUTH_test', { token: t })).status, 405);
    const info = JSON.parse((await call('GET', '/info')).text) as { swift: { max_file_size: number; policies: { name: string }[] }; tempauth: object };
    assert.equal(info.swift.max_file_size, 5368709122);
    assert.equal(info.swift.policies[0].name, 'gold');
    assert.ok(info.tempauth);
  });
});
