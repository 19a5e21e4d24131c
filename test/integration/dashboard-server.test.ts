/**
 * The dashboard server over a real cluster, as plain HTTP sees it: login
 * with tempauth credentials into a server-side session (HttpOnly,
 * SameSite=Strict cookie, no token in it), pages and API refused without
 * one, CSRF and cross-origin refusals, the Swift API relay, static files,
 * logout, and no credentials in the logs.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startDashboardFixture, loginClient, type DashboardClient, type DashboardFixture } from '../helpers/dashboard.js';

describe('dashboard server', () => {
  let fx: DashboardFixture;
  let url: string;
  let client: DashboardClient;

  before(async () => {
    // One node per kind: what is tested is the dashboard, not replication.
    fx = await startDashboardFixture({}, undefined, 1);
    url = fx.dashboard.url;
  });
  after(async () => fx?.stop());

  it('sends a visitor without a session to the login page, and refuses the API', async () => {
    const home = await fetch(`${url}/objects`, { redirect: 'manual' });
    assert.equal(home.status, 303);
    assert.equal(home.headers.get('location'), '/login');
    const api = await fetch(`${url}/api/swift/?format=json`);
    assert.equal(api.status, 401);
    const login = await fetch(`${url}/login`);
    assert.equal(login.status, 200);
    assert.match(await login.text(), /<form method="post" action="\/login"/);
    assert.match(login.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });

  it('refuses wrong credentials and a cross-origin login', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const wrong = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: form, body: 'user=test%3Atester&key=nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
    const evil = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { ...form, origin: 'http://evil.example' }, body: 'user=test%3Atester&key=testing' });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('set-cookie'), null);
  });

  it('logs in to a server-side session held by an HttpOnly SameSite=Strict cookie', async () => {
    const res = await fetch(`${url}/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url }, body: 'user=test%3Atester&key=testing',
    });
    assert.equal(res.status, 303);
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^swiftly_dashboard=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const token = await fx.cluster.token();
    assert.ok(!cookie.includes(token.slice(0, 12)), 'the proxy token never goes to the browser');
    client = await loginClient(url, 'test:tester', 'testing');
    const page = await client.fetch('/objects');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<a href="\/objects" aria-current="page">Objects<\/a>/);
    assert.match(html, /<script type="module" src="\/static\/pages\/objects.js"><\/script>/);
    assert.ok(!html.includes(token), 'no token in the page');
  });

  it('relays the Swift API as the session user, refusing changes without the CSRF token or from another origin', async () => {
    const noCsrf = await client.fetch('/api/swift/web', { method: 'PUT', headers: { 'x-csrf-token': 'wrong' } });
    assert.equal(noCsrf.status, 403);
    const crossSite = await client.fetch('/api/swift/web', { method: 'PUT', headers: { origin: 'http://evil.example' } });
    assert.equal(crossSite.status, 403);
    const fetchSite = await client.fetch('/api/swift/web', { method: 'PUT', headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(fetchSite.status, 403);
    const listing0 = await client.fetch('/api/swift/?format=json');
    assert.deepEqual(await listing0.json(), [], 'no container was made by the refused requests');
    assert.equal((await client.fetch('/api/swift/web', { method: 'PUT', headers: { origin: url } })).status, 201);
    const put = await client.fetch('/api/swift/web/dir/hello%20world.txt', { method: 'PUT', headers: { 'content-type': 'text/plain', 'x-object-meta-colour': 'blue' }, body: 'hello' });
    assert.equal(put.status, 201);
    const listing = (await (await client.fetch('/api/swift/web?format=json&delimiter=/')).json()) as { subdir?: string }[];
    assert.deepEqual(listing, [{ subdir: 'dir/' }]);
    const got = await client.fetch('/api/swift/web/dir/hello%20world.txt?download');
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'hello');
    assert.equal(got.headers.get('x-object-meta-colour'), 'blue');
    assert.equal(got.headers.get('content-disposition'), "attachment; filename*=UTF-8''hello%20world.txt");
    const head = await client.fetch('/api/swift/web/dir/hello%20world.txt', { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), '5');
    // The session's account only: no dot segments out of it.
    for (const path of ['/api/swift/%2E%2E/AUTH_other', '/api/swift/web/%2e%2e/%2e%2e/AUTH_other/c']) {
      const res = await client.fetch(path);
      assert.ok(res.status === 400 || res.status === 404, `${path}: ${res.status}`);
    }
    // Only the headers a console needs pass (no X-Auth-Token of the browser's choosing).
    const direct = await fetch(`${fx.proxyUrl}/v1/AUTH_test/web/dir/hello%20world.txt`, { headers: { 'x-auth-token': await fx.cluster.token() } });
    assert.equal(direct.status, 200);
    await direct.arrayBuffer();
  });

  it('streams an upload through, and a browser that goes away mid-upload leaves no object', async () => {
    const port = fx.dashboard.port;
    const headers = { cookie: client.cookie, 'x-csrf-token': client.csrf, 'content-length': String(8 * 1024 * 1024), 'content-type': 'application/octet-stream' };
    const req = httpRequest({ host: '127.0.0.1', port, method: 'PUT', path: '/api/swift/web/abandoned.bin', headers });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(1024 * 1024, 1));
    await new Promise((r) => setTimeout(r, 500));
    req.destroy();
    await new Promise((r) => setTimeout(r, 1000));
    const head = await fetch(`${fx.proxyUrl}/v1/AUTH_test/web/abandoned.bin`, { method: 'HEAD', headers: { 'x-auth-token': await fx.cluster.token() } });
    assert.equal(head.status, 404);
    // The same upload sent whole lands whole.
    const done = await client.fetch('/api/swift/web/whole.bin', { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(8 * 1024 * 1024, 2) });
    assert.equal(done.status, 201);
    const got = await fetch(`${fx.proxyUrl}/v1/AUTH_test/web/whole.bin`, { method: 'HEAD', headers: { 'x-auth-token': await fx.cluster.token() } });
    assert.equal(got.headers.get('content-length'), String(8 * 1024 * 1024));
  });

  it('serves the browser modules and the style sheet, nothing else', async () => {
    const js = await fetch(`${url}/static/pages/objects.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(await js.text(), /import/);
    assert.equal((await fetch(`${url}/static/style.css`)).status, 200);
    for (const path of ['/static/%2e%2e/server.js', '/static/..%2fserver.js', '/static/pages/..%2F..%2Fserver.js']) {
      const res = await fetch(`${url}${path}`, { redirect: 'manual' });
      assert.notEqual(res.status, 200, path);
    }
  });

  it('logs out, and the session is gone', async () => {
    const out = await client.fetch('/logout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${encodeURIComponent(client.csrf)}` });
    assert.equal(out.status, 303);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal((await client.fetch('/api/swift/?format=json')).status, 401);
  });

  it('wrote no credentials to its log', async () => {
    assert.ok(fx.logLines.some((l) => l.includes('logged in')), 'the log has the login');
    const token = await fx.cluster.token();
    for (const line of fx.logLines) {
      assert.ok(!line.includes('testing'), `a key in the log: ${line}`);
      assert.ok(!line.includes(token), `a token in the log: ${line}`);
      assert.ok(!line.includes(client.csrf), `a CSRF token in the log: ${line}`);
    }
  });
});
