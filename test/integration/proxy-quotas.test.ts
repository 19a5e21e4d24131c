/**
 * container_quotas and account_quotas through our proxy over swiftly
 * storage nodes: the checks on setting a quota, 413 past it (after
 * authorization), versions counting toward a versioned container's bytes,
 * and only a reseller admin setting an account's quota.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SwiftCluster } from '../helpers/swift-cluster.js';

describe('quotas through the proxy', () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  const tokens: Record<string, string> = {};

  const call = async (method: string, path: string, opts: { body?: string; headers?: Record<string, string>; as?: string } = {}) => {
    const res = await fetch(`${base}${path}`, {
      method, body: opts.body === undefined ? undefined : Buffer.from(opts.body), headers: { 'x-auth-token': tokens[opts.as ?? 'owner'], ...(opts.headers ?? {}) },
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const login = async (user: string, key: string) =>
    (await fetch(`${base}/auth/v1.0`, { headers: { 'x-auth-user': user, 'x-auth-key': key } })).headers.get('x-auth-token')!;

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy();
    base = `http://127.0.0.1:${proxy.port}`;
    tokens.owner = await login('test:tester', 'testing');
    tokens.stranger = await login('test2:tester2', 'testing2');
    tokens.reseller = await login('admin:admin', 'admin');
  });
  after(() => cluster?.stop());

  it('refuses a quota that is not a number', async () => {
    const bytes = await call('PUT', '/v1/AUTH_test/bad', { headers: { 'x-container-meta-quota-bytes': '10k' } });
    assert.equal(bytes.status, 400);
    assert.equal(bytes.text, 'Invalid bytes quota.');
    const count = await call('PUT', '/v1/AUTH_test/bad', { headers: { 'x-container-meta-quota-count': '-1' } });
    assert.equal(count.status, 400);
    assert.equal(count.text, 'Invalid count quota.');
  });

  it('answers 413 for an object PUT past a container\'s byte or count quota, 403 to a stranger', async () => {
    assert.equal((await call('PUT', '/v1/AUTH_test/q', { headers: { 'x-container-meta-quota-bytes': '10' } })).status, 201);
    assert.equal((await call('PUT', '/v1/AUTH_test/q/a', { body: '123456' })).status, 201);
    // A HEAD refreshes the container's cached counts, as in Swift.
    assert.equal((await call('HEAD', '/v1/AUTH_test/q')).headers.get('x-container-bytes-used'), '6');
    const over = await call('PUT', '/v1/AUTH_test/q/b', { body: '12345' });
    assert.equal(over.status, 413);
    assert.equal(over.text, 'Upload exceeds quota.');
    assert.equal((await call('PUT', '/v1/AUTH_test/q/b', { body: '12345', as: 'stranger' })).status, 403);
    assert.equal((await call('PUT', '/v1/AUTH_test/q/b', { body: '1234' })).status, 201);
    assert.equal((await call('PUT', '/v1/AUTH_test/qc', { headers: { 'x-container-meta-quota-count': '1' } })).status, 201);
    assert.equal((await call('PUT', '/v1/AUTH_test/qc/a', { body: 'x' })).status, 201);
    await call('HEAD', '/v1/AUTH_test/qc');
    assert.equal((await call('PUT', '/v1/AUTH_test/qc/b', { body: 'x' })).status, 413);
    const info = await (await fetch(`${base}/info`)).json() as Record<string, unknown>;
    assert.deepEqual([info.container_quotas, info.account_quotas], [{}, {}]);
  });

  it('counts a versioned container\'s old versions toward its byte quota', async () => {
    assert.equal((await call('PUT', '/v1/AUTH_test/qv', { headers: { 'x-versions-enabled': 'true' } })).status, 201);
    for (const body of ['aaaaa', 'bbbbb']) assert.equal((await call('PUT', '/v1/AUTH_test/qv/o', { body })).status, 201);
    assert.equal((await call('POST', '/v1/AUTH_test/qv', { headers: { 'x-container-meta-quota-bytes': '10' } })).status, 204);
    assert.equal((await call('HEAD', '/v1/AUTH_test/qv')).headers.get('x-container-bytes-used'), '10');
    assert.equal((await call('PUT', '/v1/AUTH_test/qv/o', { body: 'ccccc' })).status, 413);
  });

  it('lets only a reseller admin set an account\'s quota, and enforces it', async () => {
    assert.equal((await call('POST', '/v1/AUTH_test', { headers: { 'x-account-meta-quota-bytes': '100' } })).status, 403);
    assert.equal((await call('POST', '/v1/AUTH_test', { headers: { 'x-account-meta-quota-bytes': 'lots' }, as: 'reseller' })).status, 400);
    assert.equal((await call('POST', '/v1/AUTH_test', { headers: { 'x-account-meta-quota-bytes': '1000' }, as: 'reseller' })).status, 204);
    assert.equal((await call('PUT', '/v1/AUTH_test/acct', {})).status, 201);
    const over = await call('PUT', '/v1/AUTH_test/acct/big', { body: 'x'.repeat(2000) });
    assert.equal(over.status, 413);
    assert.equal(over.text, 'Upload exceeds quota.');
    assert.equal((await call('PUT', '/v1/AUTH_test/acct/big', { body: 'x'.repeat(2000), as: 'stranger' })).status, 403);
    assert.equal((await call('PUT', '/v1/AUTH_test/acct/small', { body: 'x' })).status, 201);
    assert.equal((await call('POST', '/v1/AUTH_test', { headers: { 'x-remove-account-meta-quota-bytes': 'x' }, as: 'reseller' })).status, 204);
    assert.equal((await call('PUT', '/v1/AUTH_test/acct/big', { body: 'x'.repeat(2000) })).status, 201);
  });
});
