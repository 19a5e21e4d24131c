/**
 * tempurl through our proxy over swiftly storage nodes: URLs made by
 * python-swiftclient's `swift tempurl` download with curl; account and
 * container keys (and -Key-2), hex and base64 signatures, ISO 8601 expiry,
 * prefixes, IP ranges, Content-Disposition, the headers it strips, the
 * headers a PUT may not carry, and Swift's 401.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { promisify } from 'node:util';
import { SwiftCluster } from '../helpers/swift-cluster.js';

const run = promisify(execFile);

describe('tempurl through the proxy', () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  let token: string;

  const call = async (method: string, path: string, opts: { body?: string; headers?: Record<string, string>; auth?: boolean } = {}) => {
    const headers = { ...(opts.auth === false ? {} : { 'x-auth-token': token }), ...(opts.headers ?? {}) };
    const res = await fetch(`${base}${path}`, { method, body: opts.body === undefined ? undefined : Buffer.from(opts.body), headers, redirect: 'manual' });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const swift = async (...args: string[]) => {
    const { stdout } = await run('swift', ['-A', `${base}/auth/v1.0`, '-U', 'test:tester', '-K', 'testing', ...args], {
      env: { ...process.env, PYTHONWARNINGS: 'ignore' },
    });
    return stdout.trim();
  };
  /** A signature as Swift's docs compute it. */
  const sign = (digest: string, key: string, method: string, expires: number, path: string, ip?: string) =>
    createHmac(digest, key).update(`${ip ? `ip=${ip}\n` : ''}${method}\n${expires}\n${path}`);
  const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy();
    base = `http://127.0.0.1:${proxy.port}`;
    token = await cluster.token();
    assert.equal((await call('POST', '/v1/AUTH_test', { headers: { 'x-account-meta-temp-url-key': 'acctkey' } })).status, 204);
    for (const c of ['c', 'other']) assert.equal((await call('PUT', `/v1/AUTH_test/${c}`)).status, 201);
    assert.equal((await call('POST', '/v1/AUTH_test/c', { headers: { 'x-container-meta-temp-url-key-2': 'contkey' } })).status, 204);
    const put = await call('PUT', '/v1/AUTH_test/c/dir/report.txt', {
      body: 'the report',
      headers: { 'content-type': 'text/plain', 'x-object-meta-secret': 'hush', 'x-object-meta-public-tag': 'shown' },
    });
    assert.equal(put.status, 201);
    assert.equal((await call('PUT', '/v1/AUTH_test/other/x', { body: 'other' })).status, 201);
  });
  after(() => cluster?.stop());

  it('a URL made by `swift tempurl` downloads with curl, as an attachment named after the object', async () => {
    await swift('post', '-m', 'Temp-URL-Key:clikey');
    try {
      const url = await swift('tempurl', 'GET', '600', '/v1/AUTH_test/c/dir/report.txt', 'clikey');
      const { stdout } = await run('curl', ['-sS', '-D', '-', '--fail', `${base}${url}`]);
      const [head, body] = stdout.split('\r\n\r\n');
      assert.equal(body, 'the report');
      assert.match(head, /^content-disposition: attachment; filename="report.txt"; filename\*=UTF-8''report.txt\r?$/im);
      assert.match(head, /^expires: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r?$/im);
      // Only public object metadata reaches a temp URL's user.
      assert.match(head, /^x-object-meta-public-tag: shown\r?$/im);
      assert.doesNotMatch(head, /x-object-meta-secret/i);
      // ISO 8601 expiry, as `swift tempurl --iso8601` writes it.
      const iso = await swift('tempurl', '--iso8601', 'GET', '600', '/v1/AUTH_test/c/dir/report.txt', 'clikey');
      assert.match(iso, /temp_url_expires=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
      assert.equal((await run('curl', ['-sS', '--fail', `${base}${iso}`])).stdout, 'the report');
    } finally {
      await call('POST', '/v1/AUTH_test', { headers: { 'x-account-meta-temp-url-key': 'acctkey' } });
    }
  });

  it('a wrong, expired or reused signature gets Swift\'s 401', async () => {
    const expires = inAnHour();
    const path = '/v1/AUTH_test/c/dir/report.txt';
    const good = sign('sha256', 'acctkey', 'GET', expires, path).digest('hex');
    assert.equal((await call('GET', `${path}?temp_url_sig=${good}&temp_url_expires=${expires}`, { auth: false })).status, 200);
    const cases = [
      `${path}?temp_url_sig=${good}&temp_url_expires=${expires + 1}`,
      `/v1/AUTH_test/other/x?temp_url_sig=${good}&temp_url_expires=${expires}`,
      `${path}?temp_url_sig=${sign('sha256', 'acctkey', 'GET', 1000, path).digest('hex')}&temp_url_expires=1000`,
      `${path}?temp_url_sig=${good}`,
      `${path}?temp_url_sig=${good.slice(2)}&temp_url_expires=${expires}`,
    ];
    for (const url of cases) {
      const res = await call('GET', url, { auth: false });
      assert.equal(res.status, 401, url);
      assert.equal(res.text, '401 Unauthorized: Temp URL invalid\n');
      assert.equal(res.headers.get('www-authenticate'), 'Swift realm="AUTH_test"');
    }
    const put = await call('PUT', `${path}?temp_url_sig=${good}&temp_url_expires=${expires}`, { auth: false, body: 'x' });
    assert.equal(put.status, 401);
    const head = await call('HEAD', `${path}?temp_url_sig=${good.slice(1)}0&temp_url_expires=${expires}`, { auth: false });
    assert.equal(head.status, 401);
  });

  it('takes sha1 and sha512 signatures, hex or base64, and a container\'s -Key-2 for its container only', async () => {
    const expires = inAnHour();
    const path = '/v1/AUTH_test/c/dir/report.txt';
    const sha1 = sign('sha1', 'acctkey', 'GET', expires, path).digest('hex');
    assert.equal((await call('GET', `${path}?temp_url_sig=${sha1}&temp_url_expires=${expires}`, { auth: false })).text, 'the report');
    const b64 = sign('sha512', 'contkey', 'GET', expires, path).digest('base64url');
    const res = await call('GET', `${path}?temp_url_sig=sha512:${b64}&temp_url_expires=${expires}`, { auth: false });
    assert.equal(res.status, 200);
    const hex512 = sign('sha512', 'contkey', 'GET', expires, path).digest('hex');
    assert.equal((await call('GET', `${path}?temp_url_sig=${hex512}&temp_url_expires=${expires}`, { auth: false })).status, 200);
    // The container key does not reach another container.
    const elsewhere = sign('sha256', 'contkey', 'GET', expires, '/v1/AUTH_test/other/x').digest('hex');
    assert.equal((await call('GET', `/v1/AUTH_test/other/x?temp_url_sig=${elsewhere}&temp_url_expires=${expires}`, { auth: false })).status, 401);
  });

  it('a PUT URL uploads, but may not carry a manifest, and x-timestamp is dropped', async () => {
    const expires = inAnHour();
    const path = '/v1/AUTH_test/c/upload';
    const sig = sign('sha256', 'acctkey', 'PUT', expires, path).digest('hex');
    const url = `${path}?temp_url_sig=${sig}&temp_url_expires=${expires}`;
    const bad = await call('PUT', url, { auth: false, body: '', headers: { 'x-object-manifest': 'c/dir' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.text, "The header 'X-Object-Manifest' is not allowed in this tempurl");
    assert.equal((await call('PUT', url, { auth: false, body: 'uploaded', headers: { 'x-timestamp': '1000000000.00000' } })).status, 201);
    const got = await call('GET', path);
    assert.equal(got.text, 'uploaded');
    assert.notEqual(got.headers.get('x-timestamp'), '1000000000.00000');
    // A PUT signature lets HEAD through, not GET.
    assert.equal((await call('HEAD', url, { auth: false })).status, 200);
    assert.equal((await call('GET', url, { auth: false })).status, 401);
  });

  it('signs the decoded UTF-8 path of a UTF-8 name', async () => {
    const name = '\uF10F\uD20D\u0900\u03A9\u2603 x';
    const path = `/v1/AUTH_test/c/${name}`;
    const quoted = `/v1/AUTH_test/c/${encodeURIComponent(name)}`;
    assert.equal((await call('PUT', quoted, { body: 'utf8 body' })).status, 201);
    const expires = inAnHour();
    const sig = sign('sha256', 'acctkey', 'GET', expires, path).digest('hex');
    const res = await call('GET', `${quoted}?temp_url_sig=${sig}&temp_url_expires=${expires}`, { auth: false });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'utf8 body');
    // A UTF-8 key (its bytes on the wire, as swiftclient sends them) signs as those bytes.
    const key = 'clé \u2603';
    assert.equal((await call('POST', '/v1/AUTH_test', { headers: { 'x-account-meta-temp-url-key-2': Buffer.from(key).toString('latin1') } })).status, 204);
    try {
      const keySig = sign('sha256', key, 'GET', expires, path).digest('hex');
      assert.equal((await call('GET', `${quoted}?temp_url_sig=${keySig}&temp_url_expires=${expires}`, { auth: false })).status, 200);
    } finally {
      await call('POST', '/v1/AUTH_test', { headers: { 'x-remove-account-meta-temp-url-key-2': 'x' } });
    }
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="${encodeURIComponent(name).replace(/%20/g, ' ')}"; filename*=UTF-8''${encodeURIComponent(name)}`);
  });

  it('a prefix URL covers the objects under its prefix', async () => {
    const expires = inAnHour();
    const sig = sign('sha256', 'acctkey', 'GET', expires, 'prefix:/v1/AUTH_test/c/dir/').digest('hex');
    const q = `temp_url_sig=${sig}&temp_url_expires=${expires}&temp_url_prefix=dir/`;
    assert.equal((await call('GET', `/v1/AUTH_test/c/dir/report.txt?${q}`, { auth: false })).text, 'the report');
    assert.equal((await call('GET', `/v1/AUTH_test/c/upload?${q}`, { auth: false })).status, 401);
  });

  it('an IP range is signed and checked against the client', async () => {
    const expires = inAnHour();
    const path = '/v1/AUTH_test/c/dir/report.txt';
    for (const [range, status] of [['127.0.0.1', 200], ['127.0.0.0/8', 200], ['10.0.0.0/8', 401], ['127.0.0.1/8', 401]] as const) {
      const sig = sign('sha256', 'acctkey', 'GET', expires, path, range).digest('hex');
      const res = await call('GET', `${path}?temp_url_sig=${sig}&temp_url_expires=${expires}&temp_url_ip_range=${encodeURIComponent(range)}`, { auth: false });
      assert.equal(res.status, status, range);
    }
    // Without the range in the signature, naming one fails.
    const plain = sign('sha256', 'acctkey', 'GET', expires, path).digest('hex');
    assert.equal((await call('GET', `${path}?temp_url_sig=${plain}&temp_url_expires=${expires}&temp_url_ip_range=127.0.0.1`, { auth: false })).status, 401);
  });

  it('inline and filename set the Content-Disposition', async () => {
    const expires = inAnHour();
    const path = '/v1/AUTH_test/c/dir/report.txt';
    const q = `temp_url_sig=${sign('sha256', 'acctkey', 'GET', expires, path).digest('hex')}&temp_url_expires=${expires}`;
    const disposition = async (extra: string) => (await call('GET', `${path}?${q}${extra}`, { auth: false })).headers.get('content-disposition');
    assert.equal(await disposition('&inline'), 'inline');
    assert.equal(await disposition('&filename=My+Report+%C3%A9.txt'), `attachment; filename="My Report %C3%A9.txt"; filename*=UTF-8''My%20Report%20%C3%A9.txt`);
    assert.equal(await disposition('&inline&filename=r.txt'), `inline; filename="r.txt"; filename*=UTF-8''r.txt`);
  });

  it('a container\'s keys are shown to its owner only, not to a user its read ACL lets in', async () => {
    assert.equal((await call('POST', '/v1/AUTH_test/c', { headers: { 'x-container-read': 'test2:tester2' } })).status, 204);
    const reader = await cluster!.token('test2:tester2', 'testing2');
    const seen = await call('HEAD', '/v1/AUTH_test/c', { auth: false, headers: { 'x-auth-token': reader } });
    assert.equal(seen.status, 204);
    assert.equal(seen.headers.get('x-container-meta-temp-url-key-2'), null);
    const owner = await call('HEAD', '/v1/AUTH_test/c');
    assert.equal(owner.headers.get('x-container-meta-temp-url-key-2'), 'contkey');
  });

  it('/info advertises tempurl and formpost with their options', async () => {
    const info = JSON.parse((await call('GET', '/info', { auth: false })).text) as Record<string, Record<string, unknown>>;
    assert.deepEqual(info.tempurl, {
      methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
      incoming_remove_headers: ['x-timestamp'],
      incoming_allow_headers: [],
      outgoing_remove_headers: ['x-object-meta-*'],
      outgoing_allow_headers: ['x-object-meta-public-*'],
      allowed_digests: ['sha1', 'sha256', 'sha512'],
      deprecated_digests: ['sha1'],
    });
    assert.deepEqual(info.formpost, { allowed_digests: ['sha1', 'sha256', 'sha512'], deprecated_digests: ['sha1'] });
  });
});
