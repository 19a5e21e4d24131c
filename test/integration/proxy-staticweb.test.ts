/**
 * staticweb through our proxy over swiftly storage nodes: a container with
 * web metadata served to anonymous readers (`.r:*`) and to token holders
 * asking with `X-Web-Mode: true`: index pages, HTML listings (CSS, label),
 * error pages, directory markers and the redirects Swift gives.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SwiftCluster } from '../helpers/swift-cluster.js';

const PIPELINE = 'catch_errors gatekeeper healthcheck proxy_logging cache listing_formats tempauth staticweb copy slo dlo proxy-server';

describe('staticweb through the proxy', () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  let host: string;
  let token: string;

  const call = async (method: string, path: string, opts: { body?: string; headers?: Record<string, string>; anon?: boolean } = {}) => {
    const headers: Record<string, string> = { ...(opts.anon ? {} : { 'x-auth-token': token }), ...(opts.headers ?? {}) };
    const res = await fetch(`${base}${path}`, { method, body: opts.body, headers, redirect: 'manual' });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const put = async (path: string, body: string, headers: Record<string, string> = {}) =>
    assert.equal((await call('PUT', path, { body, headers })).status, 201);

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy('', PIPELINE);
    host = `127.0.0.1:${proxy.port}`;
    base = `http://${host}`;
    token = (await fetch(`${base}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } })).headers.get('x-auth-token')!;
    await put('/v1/AUTH_test/site', '', { 'x-container-read': '.r:*,.rlistings' });
    await put('/v1/AUTH_test/site/index.html', '<p>home</p>', { 'content-type': 'text/html' });
    await put('/v1/AUTH_test/site/docs/index.html', '<p>docs</p>', { 'content-type': 'text/html' });
    await put('/v1/AUTH_test/site/files/a b.txt', 'hello', { 'content-type': 'text/plain' });
    await put('/v1/AUTH_test/site/files/sub/x', 'x');
    await put('/v1/AUTH_test/site/marker', '', { 'content-type': 'application/directory' });
    await put('/v1/AUTH_test/site/marker/inner.txt', 'in');
    await put('/v1/AUTH_test/site/404error.html', 'custom not found', { 'content-type': 'text/html' });
  });
  after(() => cluster?.stop());

  it('leaves a container without web metadata alone, and answers X-Web-Mode with 404', async () => {
    assert.equal((await call('GET', '/v1/AUTH_test/site', { anon: true })).status, 200);
    assert.equal((await call('GET', '/v1/AUTH_test/site', { headers: { 'x-web-mode': 'true' } })).status, 404);
  });

  it('redirects a container path to its slash (absolute Location) and serves the index there', async () => {
    await call('POST', '/v1/AUTH_test/site', { headers: { 'x-container-meta-web-index': 'index.html' } });
    const redirect = await call('GET', '/v1/AUTH_test/site', { anon: true });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), `http://${host}/v1/AUTH_test/site/`);
    const index = await call('GET', '/v1/AUTH_test/site/', { anon: true });
    assert.equal(index.status, 200);
    assert.equal(index.text, '<p>home</p>');
    // A sub-directory: its index, after a redirect to the slash.
    const sub = await call('GET', '/v1/AUTH_test/site/docs', { anon: true });
    assert.equal(sub.status, 301);
    assert.equal(sub.headers.get('location'), `http://${host}/v1/AUTH_test/site/docs/`);
    assert.equal((await call('GET', '/v1/AUTH_test/site/docs/', { anon: true })).text, '<p>docs</p>');
    // A token holder gets the plain API unless asking for web mode.
    assert.match((await call('GET', '/v1/AUTH_test/site')).text, /^404error\.html\n/);
    assert.equal((await call('GET', '/v1/AUTH_test/site/', { headers: { 'x-web-mode': 'true' } })).text, '<p>home</p>');
  });

  it('reads UTF-8 names in the web metadata (an index page, a CSS path)', async () => {
    const raw = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
    await put('/v1/AUTH_test/utf', '', { 'x-container-read': '.r:*,.rlistings', 'x-container-meta-web-index': raw('ïndex.html'), 'x-container-meta-web-listings-css': raw('stÿle.css') });
    await put(`/v1/AUTH_test/utf/${encodeURIComponent('ïndex.html')}`, 'utf index');
    await put('/v1/AUTH_test/utf/d/x', 'x');
    assert.equal((await call('GET', '/v1/AUTH_test/utf/', { anon: true })).text, 'utf index');
    await call('POST', '/v1/AUTH_test/utf', { headers: { 'x-container-meta-web-listings': 'on' } });
    assert.match((await call('GET', '/v1/AUTH_test/utf/d/', { anon: true })).text, /href="\.\.\/st%C3%BFle\.css"/);
  });

  it('lists a directory as HTML with the listing CSS and label, or says listings are disabled', async () => {
    const disabled = await call('GET', '/v1/AUTH_test/site/files/', { anon: true });
    assert.equal(disabled.status, 404);
    assert.match(disabled.text, /Web Listing Disabled/);
    assert.match(disabled.text, /X-Container-Meta-Web-Index: index\.html/);
    await call('POST', '/v1/AUTH_test/site', { headers: { 'x-container-meta-web-listings': 'true', 'x-container-meta-web-listings-css': 'style.css', 'x-container-meta-web-listings-label': 'My Site' } });
    const listing = await call('GET', '/v1/AUTH_test/site/files/', { anon: true });
    assert.equal(listing.status, 200);
    assert.equal(listing.headers.get('content-type'), 'text/html; charset=UTF-8');
    assert.match(listing.text, /<title>Listing of My Site\/files\/<\/title>/);
    assert.match(listing.text, /<link rel="stylesheet" type="text\/css" href="\.\.\/style\.css" \/>/);
    assert.match(listing.text, /<a href="\.\.\/">\.\.\/<\/a>/);
    assert.match(listing.text, /<tr class="item subdir">\n {4}<td class="colname"><a href="sub\/">sub\/<\/a><\/td>/);
    assert.match(listing.text, /<tr class="item type-text type-plain">\n {4}<td class="colname"><a href="a%20b\.txt">a b\.txt<\/a><\/td>\n {4}<td class="colsize">5<\/td>/);
  });

  it('treats a directory marker as a directory and serves the Web-Error page for a miss', async () => {
    const marker = await call('GET', '/v1/AUTH_test/site/marker', { anon: true });
    assert.equal(marker.status, 301);
    assert.match((await call('GET', '/v1/AUTH_test/site/marker/', { anon: true })).text, /inner\.txt/);
    assert.equal((await call('GET', '/v1/AUTH_test/site/nothing', { anon: true })).text.includes('custom not found'), false);
    await call('POST', '/v1/AUTH_test/site', { headers: { 'x-container-meta-web-error': 'error.html' } });
    const miss = await call('GET', '/v1/AUTH_test/site/nothing/', { anon: true });
    assert.equal(miss.status, 404);
    assert.equal(miss.text, 'custom not found');
    const info = await (await fetch(`${base}/info`)).json() as Record<string, unknown>;
    assert.deepEqual(info.staticweb, {});
  });
});
