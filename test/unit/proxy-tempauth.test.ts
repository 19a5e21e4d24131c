/** tempauth: tokens and their expiry, ACLs, referrers, .rlistings, account isolation. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../common/index.js';
import { FILTERS } from '../../proxy/index.js';
import type { App, SwiftRequest, SwiftResponse, PipelineContext } from '../../proxy/index.js';
import { cleanAcl, parseAcl, referrerAllowed } from '../../proxy/filters/acl.js';

const CONF = {
  user_test_tester: 'testing .admin',
  user_test_reader: 'readpass',
  user_other_boss: 'bosspass .admin',
  user_admin_root: 'rootpass .reseller_admin',
  user_admin_auditor: 'auditpass .reseller_reader',
  token_life: '100',
};

/** A fake proxy app that authorizes as the controllers do, with a given container ACL. */
function harness(acl: { read?: string; write?: string } = {}) {
  let now = 1_700_000_000_000;
  const ctx: PipelineContext = { logger: silentLogger, now: () => now, info: {}, registerInfo: () => undefined };
  const app: App = async (req) => {
    const reading = req.method === 'GET' || req.method === 'HEAD';
    req.acl = reading ? acl.read : acl.write;
    const denied = await req.env.authorize?.(req);
    if (denied) return denied;
    return { status: 200, headers: { 'x-owner': String(Boolean(req.env.swiftOwner)) } };
  };
  // A filter's factory imports its module on first use (proxy/registry.ts), so it answers with a promise.
  const made = Promise.resolve(FILTERS.get('tempauth')!(CONF, ctx)).then((filter) => (filter as (next: App) => App)(app));
  const call = async (method: string, path: string, headers: Record<string, string> = {}): Promise<SwiftResponse> => {
    const req: SwiftRequest = { method, path, query: '', headers: { host: 'proxy:8080', ...headers }, remoteAddr: '127.0.0.1', env: { transId: 'tx' } };
    return (await made)(req);
  };
  const token = async (user: string, key: string) => {
    const r = await call('GET', '/auth/v1.0', { 'x-auth-user': user, 'x-auth-key': key });
    assert.equal(r.status, 200);
    return r.headers['x-auth-token'];
  };
  return { call, token, advance: (ms: number) => (now += ms) };
}

describe('tempauth', () => {
  it('issues tokens with storage URL and reuses a live one', async () => {
    const h = harness();
    const r = await h.call('GET', '/auth/v1.0', { 'x-storage-user': 'test:tester', 'x-storage-pass': 'testing' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-storage-url'], 'http://proxy:8080/v1/AUTH_test');
    assert.equal(r.headers['x-auth-token-expires'], '100');
    assert.equal(r.headers['x-auth-token'], r.headers['x-storage-token']);
    assert.equal(await h.token('test:tester', 'testing'), r.headers['x-auth-token']);
    assert.equal((await h.call('GET', '/auth/v1.0', { 'x-auth-user': 'test:tester', 'x-auth-key': 'wrong' })).status, 401);
    assert.equal((await h.call('GET', '/auth/v1.0', { 'x-auth-user': 'nobody:x', 'x-auth-key': 'x' })).status, 401);
  });

  it('expires tokens after token_life', async () => {
    const h = harness();
    const t = await h.token('test:tester', 'testing');
    assert.equal((await h.call('GET', '/v1/AUTH_test', { 'x-auth-token': t })).status, 200);
    h.advance(101_000);
    const r = await h.call('GET', '/v1/AUTH_test', { 'x-auth-token': t });
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Swift realm="AUTH_test"');
    assert.notEqual(await h.token('test:tester', 'testing'), t, 'a new token after expiry');
  });

  it('makes .admin the owner of its account only', async () => {
    const h = harness();
    const t = await h.token('test:tester', 'testing');
    const own = await h.call('PUT', '/v1/AUTH_test/c', { 'x-auth-token': t });
    assert.equal(own.status, 200);
    assert.equal(own.headers['x-owner'], 'true');
    assert.equal((await h.call('GET', '/v1/AUTH_other/c/o', { 'x-auth-token': t })).status, 403);
    assert.equal((await h.call('PUT', '/v1/AUTH_test', { 'x-auth-token': t })).status, 403, 'no account PUT');
    const boss = await h.token('other:boss', 'bosspass');
    assert.equal((await h.call('GET', '/v1/AUTH_test/c', { 'x-auth-token': boss })).status, 403);
    const root = await h.token('admin:root', 'rootpass');
    assert.equal((await h.call('DELETE', '/v1/AUTH_test/c/o', { 'x-auth-token': root })).status, 200, 'reseller admin');
  });

  it('lets a .reseller_reader read any account, write none', async () => {
    const h = harness();
    const t = await h.token('admin:auditor', 'auditpass');
    const read = await h.call('GET', '/v1/AUTH_test/c/o', { 'x-auth-token': t });
    assert.equal(read.status, 200);
    assert.equal(read.headers['x-owner'], 'false', 'a reader is no owner');
    assert.equal((await h.call('HEAD', '/v1/AUTH_other', { 'x-auth-token': t })).status, 200);
    assert.equal((await h.call('PUT', '/v1/AUTH_test/c/o', { 'x-auth-token': t })).status, 403);
  });

  it('denies what is neither its token nor its account unless another auth filter decides', async () => {
    const h = harness();
    assert.equal((await h.call('GET', '/v1/KEY_test/c/o')).status, 401);
    assert.equal((await h.call('GET', '/v1/KEY_test/c/o', { 'x-auth-token': 'KEY_tkother' })).status, 401);
  });

  it('lets non-admins in only through ACLs', async () => {
    const closed = harness();
    const reader = await closed.token('test:reader', 'readpass');
    assert.equal((await closed.call('GET', '/v1/AUTH_test/c/o', { 'x-auth-token': reader })).status, 403);
    assert.equal((await closed.call('GET', '/v1/AUTH_test/c/o')).status, 401);
    const open = harness({ read: 'test:reader', write: 'other' });
    const r2 = await open.token('test:reader', 'readpass');
    assert.equal((await open.call('GET', '/v1/AUTH_test/c/o', { 'x-auth-token': r2 })).status, 200);
    assert.equal((await open.call('PUT', '/v1/AUTH_test/c/o', { 'x-auth-token': r2 })).status, 403);
    const boss = await open.token('other:boss', 'bosspass');
    assert.equal((await open.call('PUT', '/v1/AUTH_test/c/o', { 'x-auth-token': boss })).status, 200, 'group "other" may write');
  });

  it('applies referrer rules and .rlistings', async () => {
    const h = harness({ read: '.r:*' });
    assert.equal((await h.call('GET', '/v1/AUTH_test/c/o')).status, 200);
    assert.equal((await h.call('GET', '/v1/AUTH_test/c')).status, 401, 'no listing without .rlistings');
    const l = harness({ read: '.r:*,.rlistings' });
    assert.equal((await l.call('GET', '/v1/AUTH_test/c')).status, 200);
    const ref = harness({ read: '.r:.example.com,.r:-evil.example.com' });
    assert.equal((await ref.call('GET', '/v1/AUTH_test/c/o', { referer: 'http://www.example.com/p' })).status, 200);
    assert.equal((await ref.call('GET', '/v1/AUTH_test/c/o', { referer: 'http://evil.example.com/p' })).status, 401);
    assert.equal((await ref.call('GET', '/v1/AUTH_test/c/o')).status, 401);
  });

  it('cleans and parses ACL headers as Swift', () => {
    assert.equal(cleanAcl('x-container-read', ' .r:*, .rlistings , bob '), '.r:*,.rlistings,bob');
    assert.equal(cleanAcl('x-container-read', '.ref:*.example.com,-.r:bad.com'), '.r:.example.com,.r:-bad.com');
    assert.throws(() => cleanAcl('x-container-write', '.r:*'), /Referrers not allowed/);
    assert.throws(() => cleanAcl('x-container-read', '.r:'), /No host/);
    assert.deepEqual(parseAcl('.r:*,.r:-x.com,g'), { referrers: ['*', '-x.com'], groups: ['g'] });
    assert.equal(referrerAllowed('http://a.x.com/', ['.x.com', '-a.x.com']), false);
    assert.equal(referrerAllowed(undefined, ['*']), true);
  });
});
