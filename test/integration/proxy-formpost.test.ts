/**
 * formpost through our proxy over swiftly storage nodes: signed
 * multipart/form-data uploads become object PUTs, with Swift's status page
 * or 303 redirect, its 400s and 401s, the file count and size limits, the
 * per-file and per-form content types, and x_delete_after.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SwiftCluster } from '../helpers/swift-cluster.js';

describe('formpost through the proxy', () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  let token: string;
  const nowS = () => Math.floor(Date.now() / 1000);

  const call = async (method: string, path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'x-auth-token': token, ...headers } });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  interface FormSpec {
    path: string;
    key?: string;
    digest?: string;
    redirect?: string;
    maxFileSize?: number;
    maxFileCount?: number;
    expires?: number;
    fields?: Record<string, string>;
    files: { name: string; body: string | Buffer; type?: string }[];
    signature?: string;
  }

  /** Posts a form as Swift's docs describe it: the signed fields first, then the files. */
  const post = async (f: FormSpec) => {
    const maxFileSize = f.maxFileSize ?? 1024;
    const maxFileCount = f.maxFileCount ?? 10;
    const expires = f.expires ?? nowS() + 600;
    const redirect = f.redirect ?? '';
    const hmac = createHmac(f.digest ?? 'sha256', f.key ?? 'formkey').update(`${f.path}\n${redirect}\n${maxFileSize}\n${maxFileCount}\n${expires}`);
    const form = new FormData();
    if (redirect) form.append('redirect', redirect);
    form.append('max_file_size', String(maxFileSize));
    form.append('max_file_count', String(maxFileCount));
    form.append('expires', String(expires));
    form.append('signature', f.signature ?? hmac.digest('hex'));
    for (const [k, v] of Object.entries(f.fields ?? {})) form.append(k, v);
    f.files.forEach((file, i) => form.append(`file${i + 1}`, new Blob([file.body], { type: file.type ?? 'application/octet-stream' }), file.name));
    const res = await fetch(`${base}${encodeURI(f.path)}`, { method: 'POST', body: form, redirect: 'manual' });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy();
    base = `http://127.0.0.1:${proxy.port}`;
    token = await cluster.token();
    assert.equal((await call('POST', '/v1/AUTH_test', { 'x-account-meta-temp-url-key': 'formkey' })).status, 204);
    assert.equal((await call('PUT', '/v1/AUTH_test/up')).status, 201);
    assert.equal((await call('PUT', '/v1/AUTH_test/boxed', { 'x-container-meta-temp-url-key': 'boxkey' })).status, 201);
  });
  after(() => cluster?.stop());

  it('uploads each file under the form\'s prefix and answers with the status line', async () => {
    const res = await post({ path: '/v1/AUTH_test/up/pre-', files: [{ name: 'a.txt', body: 'first file', type: 'text/plain' }, { name: 'b.bin', body: 'second' }] });
    assert.equal(res.status, 201);
    assert.equal(res.text, '201 Created');
    assert.equal(res.headers.get('content-type'), 'text/plain');
    const a = await call('GET', '/v1/AUTH_test/up/pre-a.txt');
    assert.equal(a.text, 'first file');
    assert.equal(a.headers.get('content-type'), 'text/plain');
    const b = await call('GET', '/v1/AUTH_test/up/pre-b.bin');
    assert.equal(b.text, 'second');
    assert.equal(b.headers.get('content-type'), 'application/octet-stream');
  });

  it('a container path gets a slash before the file name; the form\'s content-type and x_delete_after apply to every file', async () => {
    const res = await post({ path: '/v1/AUTH_test/up', fields: { 'content-type': 'text/x-form', x_delete_after: '3600' }, files: [{ name: 'c.txt', body: 'c', type: 'text/plain' }] });
    assert.equal(res.status, 201);
    const c = await call('HEAD', '/v1/AUTH_test/up/c.txt');
    assert.equal(c.status, 200);
    assert.equal(c.headers.get('content-type'), 'text/x-form');
    const deleteAt = Number(c.headers.get('x-delete-at'));
    assert.ok(Math.abs(deleteAt - (nowS() + 3600)) < 60, `x-delete-at ${deleteAt}`);
  });

  it('redirects with status and message when the form names a redirect', async () => {
    const ok = await post({ path: '/v1/AUTH_test/up/r-', redirect: 'https://example.com/done?x=1', files: [{ name: 'r.txt', body: 'r' }] });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get('location'), 'https://example.com/done?x=1&status=201&message=');
    assert.equal(ok.text, '<html><body><p><a href="https://example.com/done?x=1&status=201&message=">Click to continue...</a></p></body></html>');
    const tooMany = await post({ path: '/v1/AUTH_test/up/r-', redirect: 'https://example.com/done', maxFileCount: 1, files: [{ name: 'r1', body: '1' }, { name: 'r2', body: '2' }] });
    assert.equal(tooMany.status, 303);
    assert.equal(tooMany.headers.get('location'), 'https://example.com/done?status=400&message=max%20file%20count%20exceeded');
  });

  it('refuses a form past its file count, with no files, or with a bad boundary, as Swift does', async () => {
    const tooMany = await post({ path: '/v1/AUTH_test/up/n-', maxFileCount: 1, files: [{ name: 'one', body: '1' }, { name: 'two', body: '2' }] });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.text, '400 Bad Request\r\nFormPost: Max File Count Exceeded');
    assert.equal((await call('HEAD', '/v1/AUTH_test/up/n-one')).status, 200);
    assert.equal((await call('HEAD', '/v1/AUTH_test/up/n-two')).status, 404);
    const none = await post({ path: '/v1/AUTH_test/up/n-', files: [] });
    assert.equal(none.status, 400);
    assert.equal(none.text, '400 Bad Request\r\nFormPost: No Files To Process');
    const bad = await fetch(`${base}/v1/AUTH_test/up/`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=XYZ' }, body: 'not a form at all' });
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), 'FormPost: invalid starting boundary');
  });

  it('stops a file past max_file_size and stores nothing of it', async () => {
    const res = await post({ path: '/v1/AUTH_test/up/big-', maxFileSize: 1000, files: [{ name: 'f', body: Buffer.alloc(200_000, 7) }] });
    assert.equal(res.status, 400);
    assert.equal(res.text, 'FormPost: max_file_size exceeded');
    assert.equal((await call('HEAD', '/v1/AUTH_test/up/big-f')).status, 404);
  });

  it('answers 401 for a bad signature, an expired form, a bad digest or another container\'s key', async () => {
    const badSig = await post({ path: '/v1/AUTH_test/up/x-', key: 'wrong', files: [{ name: 'x', body: 'x' }] });
    assert.equal(badSig.status, 401);
    assert.equal(badSig.text, 'FormPost: Invalid Signature');
    const expired = await post({ path: '/v1/AUTH_test/up/x-', expires: nowS() - 10, files: [{ name: 'x', body: 'x' }] });
    assert.equal(expired.status, 401);
    assert.equal(expired.text, 'FormPost: Form Expired');
    const garbled = await post({ path: '/v1/AUTH_test/up/x-', signature: 'md5:abcd', files: [{ name: 'x', body: 'x' }] });
    assert.equal(garbled.status, 401);
    const otherKey = await post({ path: '/v1/AUTH_test/up/x-', key: 'boxkey', files: [{ name: 'x', body: 'x' }] });
    assert.equal(otherKey.status, 401);
    assert.equal((await call('HEAD', '/v1/AUTH_test/up/x-x')).status, 404);
    const badInt = await post({ path: '/v1/AUTH_test/up/x-', fields: { x_delete_at: 'soon' }, files: [{ name: 'x', body: 'x' }] });
    assert.equal(badInt.status, 400);
    assert.equal(badInt.text, 'FormPost: x_delete_at not an integer: Unix timestamp required.');
  });

  it('takes a container key and a base64 sha512 signature', async () => {
    const expires = nowS() + 600;
    const path = '/v1/AUTH_test/boxed/';
    const sig = createHmac('sha512', 'boxkey').update(`${path}\n\n1024\n10\n${expires}`).digest('base64');
    const res = await post({ path, expires, signature: `sha512:${sig}`, files: [{ name: 'k.txt', body: 'keyed' }] });
    assert.equal(res.status, 201);
    assert.equal((await call('GET', '/v1/AUTH_test/boxed/k.txt')).text, 'keyed');
  });

  it('leaves other POSTs alone', async () => {
    assert.equal((await call('POST', '/v1/AUTH_test/up/pre-a.txt', { 'x-object-meta-color': 'blue' })).status, 202);
    const anon = await fetch(`${base}/v1/AUTH_test/up/pre-a.txt`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
    assert.equal(anon.status, 401);
  });
});
