/**
 * tempauth's account ACLs and service tokens through a real proxy and
 * storage nodes: `X-Account-Access-Control` (admin / read-write /
 * read-only) set by the owner, checked (400 with Swift's body), shown only
 * to admins; what each level lets another user do; and a SERVICE_ account
 * (`reseller_prefix = AUTH, SERVICE`, `SERVICE_require_group = service`)
 * reachable only with a user token plus a service token. Also with the
 * `swift` CLI: the owner posts the ACL, a granted user lists through
 * `--os-storage-url`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startSwiftlyCluster, login, type SwiftlyCluster } from './helpers/swiftly-cluster.js';

const run = promisify(execFile);

describe('tempauth account ACLs and service tokens', () => {
  let cluster: SwiftlyCluster;
  const tokens: Record<string, string> = {};
  let ownerUrl: string;

  const req = async (method: string, url: string, token: string | undefined, headers: Record<string, string> = {}, body?: string) => {
    const res = await fetch(url, { method, headers: { ...(token ? { 'x-auth-token': token } : {}), ...headers }, body });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const setAcl = async (acl: string) => {
    const r = await req('POST', ownerUrl, tokens.owner, { 'x-account-access-control': acl });
    assert.equal(r.status, 204, r.text);
  };

  before(async () => {
    cluster = await startSwiftlyCluster({
      tempauth: {
        reseller_prefix: 'AUTH, SERVICE',
        SERVICE_require_group: 'service',
        user_test_reader: 'reading',
        user_test_writer: 'writing',
        user_test_boss: 'bossing',
        user_glance_glance: 'glancing service',
      },
    });
    const owner = await login(cluster.authUrl, 'test:tester', 'testing');
    ownerUrl = owner.storageUrl;
    tokens.owner = owner.token;
    for (const [name, key] of [['reader', 'reading'], ['writer', 'writing'], ['boss', 'bossing']]) {
      tokens[name] = (await login(cluster.authUrl, `test:${name}`, key)).token;
    }
    tokens.glance = (await login(cluster.authUrl, 'glance:glance', 'glancing')).token;
    assert.equal((await req('POST', ownerUrl, tokens.owner, { 'x-account-meta-temp-url-key': 'secret', 'x-account-meta-color': 'blue' })).status, 204);
    assert.equal((await req('PUT', `${ownerUrl}/c`, tokens.owner)).status, 201);
    assert.equal((await req('PUT', `${ownerUrl}/c/o`, tokens.owner, {}, 'data')).status, 201);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('refuses ACLs tempauth cannot read with Swift 400 bodies', async () => {
    const cases: [string, string][] = [
      ['{"admin":"test:boss"}', 'Value for key "admin" must be a list'],
      ['{"admin":[1]}', 'Elements of "admin" list must be strings'],
      ['{"owner":["test:boss"]}', 'Key "owner" not recognized'],
      ['["test:boss"]', `Syntax error in input ('["test:boss"]')`],
      ['nope', "Syntax error in input ('nope')"],
    ];
    for (const [acl, why] of cases) {
      const r = await req('POST', ownerUrl, tokens.owner, { 'x-account-access-control': acl });
      assert.equal(r.status, 400, acl);
      assert.equal(r.text, `X-Account-Access-Control invalid: ${why}\n\nInput: ${acl}\n`);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    }
    assert.equal((await req('HEAD', ownerUrl, tokens.owner)).headers.get('x-account-access-control'), null);
  });

  it('lets no one else in before an ACL is set', async () => {
    for (const who of ['reader', 'writer', 'boss']) {
      assert.equal((await req('GET', ownerUrl, tokens[who])).status, 403, who);
      assert.equal((await req('GET', `${ownerUrl}/c/o`, tokens[who])).status, 403, who);
    }
  });

  it('shows the ACL, re-serialised, to owners only', async () => {
    await setAcl('{"read-only": ["test:reader"], "admin": ["test:boss"], "read-write": ["test:writer", "caf\\u00e9"]}');
    const expected = '{"admin":["test:boss"],"read-only":["test:reader"],"read-write":["test:writer","caf\\u00e9"]}';
    assert.equal((await req('HEAD', ownerUrl, tokens.owner)).headers.get('x-account-access-control'), expected);
    assert.equal((await req('HEAD', ownerUrl, tokens.boss)).headers.get('x-account-access-control'), expected);
    assert.equal((await req('HEAD', ownerUrl, tokens.boss)).headers.get('x-account-meta-temp-url-key'), 'secret');
    for (const who of ['reader', 'writer']) {
      const r = await req('HEAD', ownerUrl, tokens[who]);
      assert.equal(r.status, 204, who);
      assert.equal(r.headers.get('x-account-meta-color'), 'blue');
      assert.equal(r.headers.get('x-account-access-control'), null, who);
      assert.equal(r.headers.get('x-account-meta-temp-url-key'), null, who);
      assert.equal(r.headers.get('x-account-sysmeta-core-access-control'), null, who);
    }
  });

  it('read-only: reads across the account, writes nothing', async () => {
    const t = tokens.reader;
    assert.equal((await req('GET', ownerUrl, t)).text, 'c\n');
    assert.equal((await req('GET', `${ownerUrl}/c`, t)).text, 'o\n');
    assert.equal((await req('GET', `${ownerUrl}/c/o`, t)).text, 'data');
    assert.equal((await req('PUT', `${ownerUrl}/c/new`, t, {}, 'x')).status, 403);
    assert.equal((await req('DELETE', `${ownerUrl}/c/o`, t)).status, 403);
    assert.equal((await req('PUT', `${ownerUrl}/c2`, t)).status, 403);
    assert.equal((await req('POST', ownerUrl, t, { 'x-account-meta-color': 'red' })).status, 403);
  });

  it('read-write: containers and objects, but not the account nor owner-only container headers', async () => {
    const t = tokens.writer;
    assert.equal((await req('PUT', `${ownerUrl}/w`, t)).status, 201);
    assert.equal((await req('PUT', `${ownerUrl}/w/o`, t, {}, 'w')).status, 201);
    assert.equal((await req('POST', `${ownerUrl}/w`, t, { 'x-container-meta-color': 'green', 'x-container-read': '.r:*' })).status, 204);
    const head = await req('HEAD', `${ownerUrl}/w`, tokens.owner);
    assert.equal(head.headers.get('x-container-meta-color'), 'green');
    assert.equal(head.headers.get('x-container-read'), null);
    assert.equal((await req('DELETE', `${ownerUrl}/w/o`, t)).status, 204);
    assert.equal((await req('DELETE', `${ownerUrl}/w`, t)).status, 204);
    assert.equal((await req('POST', ownerUrl, t, { 'x-account-meta-color': 'red' })).status, 403);
    assert.equal((await req('POST', ownerUrl, t, { 'x-account-access-control': '{"admin":["test:writer"]}' })).status, 403);
  });

  it('admin: as the owner, ACLs and account metadata included', async () => {
    const t = tokens.boss;
    assert.equal((await req('POST', `${ownerUrl}/c`, t, { 'x-container-read': 'test:nobody' })).status, 204);
    assert.equal((await req('HEAD', `${ownerUrl}/c`, t)).headers.get('x-container-read'), 'test:nobody');
    assert.equal((await req('POST', ownerUrl, t, { 'x-account-meta-color': 'red' })).status, 204);
    assert.equal((await req('HEAD', ownerUrl, tokens.owner)).headers.get('x-account-meta-color'), 'red');
  });

  it('an empty ACL takes every grant back', async () => {
    await setAcl('');
    assert.equal((await req('HEAD', ownerUrl, tokens.owner)).headers.get('x-account-access-control'), null);
    assert.equal((await req('GET', ownerUrl, tokens.reader)).status, 403);
    assert.equal((await req('GET', ownerUrl, tokens.boss)).status, 403);
  });

  it('a SERVICE_ account needs the user token and a service token', async () => {
    const service = ownerUrl.replace('/AUTH_test', '/SERVICE_test');
    assert.equal((await req('PUT', `${service}/c`, tokens.owner)).status, 403);
    assert.equal((await req('PUT', `${service}/c`, tokens.glance)).status, 403);
    assert.equal((await req('PUT', `${service}/c`, tokens.glance, { 'x-service-token': tokens.glance })).status, 403);
    assert.equal((await req('PUT', `${service}/c`, tokens.owner, { 'x-service-token': tokens.glance })).status, 201);
    assert.equal((await req('PUT', `${service}/c/o`, tokens.owner, { 'x-service-token': tokens.glance }, 'svc')).status, 201);
    assert.equal((await req('GET', `${service}/c/o`, tokens.owner, { 'x-service-token': tokens.glance })).text, 'svc');
    assert.equal((await req('GET', `${service}/c/o`, tokens.owner)).status, 403);
    // A bad service token adds nothing; a bad user token is refused outright.
    assert.equal((await req('GET', `${service}/c/o`, tokens.owner, { 'x-service-token': 'AUTH_tkbogus' })).status, 403);
    assert.equal((await req('GET', `${service}/c/o`, 'AUTH_tkbogus', { 'x-service-token': tokens.glance })).status, 401);
    // The user's own AUTH_ account needs no service token.
    assert.equal((await req('GET', `${ownerUrl}/c/o`, tokens.owner)).status, 200);
  });

  it('denies anonymous requests to accounts that are not tempauth\'s', async () => {
    const other = ownerUrl.replace('/AUTH_test', '/OTHER_test');
    assert.equal((await req('GET', other, undefined)).status, 401);
    assert.equal((await req('GET', other, tokens.owner)).status, 403);
  });

  it('with the swift CLI: the owner posts an ACL, a read-only user lists through --os-storage-url', async () => {
    const swift = (user: string, key: string, ...args: string[]) =>
      run('swift', ['-A', cluster.authUrl, '-U', user, '-K', key, ...args], { env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
    await assert.rejects(swift('test:reader', 'reading', '--os-storage-url', ownerUrl, 'list'));
    await swift('test:tester', 'testing', 'post', '--header', 'X-Account-Access-Control: {"read-only":["test:reader"]}');
    const { stdout } = await swift('test:reader', 'reading', '--os-storage-url', ownerUrl, 'list');
    assert.match(stdout, /^c$/m);
    assert.equal((await swift('test:reader', 'reading', '--os-storage-url', ownerUrl, 'download', 'c', 'o', '-o', '-')).stdout, 'data');
    await assert.rejects(swift('test:reader', 'reading', '--os-storage-url', ownerUrl, 'post', 'c', '-m', 'color:red'));
    assert.match((await swift('test:tester', 'testing', 'stat')).stdout, /Access-Control: \{"read-only":\["test:reader"\]\}/);
  });
});
