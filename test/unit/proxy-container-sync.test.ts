/** The container_sync filter, case by case as Swift's own unit tests of the middleware. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerSyncSignature, silentLogger } from '../../common/index.js';
import { FILTERS } from '../../proxy/registry.js';
import type { App, PipelineContext, SwiftRequest } from '../../proxy/index.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftly-csync-filter-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const REALMS = '[DEFAULT]\nmtime_check_interval = 0\n\n[US]\nkey = 9ff3b71c849749dbaec4ccdd3cbab62b\nkey2 = 1a0a5a0cbd66448084089304442d6776\ncluster_dfw1 = http://dfw1.host/v1/\n';
writeFileSync(join(dir, 'container-sync-realms.conf'), REALMS);

function ctx(syncKey?: string): PipelineContext & { errors: string[] } {
  const info: Record<string, Record<string, unknown>> = {};
  const errors: string[] = [];
  const logger = Object.assign(Object.create(silentLogger), { error: (msg: string) => errors.push(msg) });
  return {
    logger, now: Date.now, info, errors, registerInfo: (n, d) => (info[n] = { ...info[n], ...d }),
    infoSource: {
      container: async () => ({ status: 204, objectCount: 0, bytes: 0, storagePolicy: 0, meta: {}, sysmeta: {}, syncKey }),
      account: async () => ({ status: 204, containerCount: 0, objectCount: 0, bytes: 0, meta: {}, sysmeta: {} }),
      policy: () => undefined,
    },
  };
}

/** Answers as Swift's test app: whether the request came authorized, and the X-Timestamp it carried. */
const app: App = async (req) => ({
  status: 200,
  headers: req.headers['x-timestamp'] ? { 'x-timestamp': req.headers['x-timestamp'] } : ({} as Record<string, string>),
  body: req.env.authorizeOverride ? 'Response to Authorized Request' : 'Pass-Through Response',
});
const request = (path: string, headers: Record<string, string> = {}, method = 'GET'): SwiftRequest =>
  ({ method, path, query: '', headers, remoteAddr: '127.0.0.1', env: { transId: 'tx0' } });

async function filtered(conf: Record<string, string> = {}, syncKey?: string) {
  const c = ctx(syncKey);
  const filter = await FILTERS.get('container_sync')!({ swift_dir: dir, ...conf }, c);
  return { c, handle: filter(app) };
}

const NOT_VALID = 'X-Container-Sync-Auth header not valid; contact cluster operator for support.';

describe('container_sync', () => {
  it('passes a request without X-Container-Sync-Auth through', async () => {
    const { handle } = await filtered();
    assert.equal((await handle(request('/v1/a/c'))).body, 'Pass-Through Response');
  });

  for (const [what, auth, key] of [
    ['not 3 parts', 'a', 'abc'],
    ['an unknown realm', 'invalid nonce sig', 'abc'],
    ['a container with no sync key', 'US nonce sig', undefined],
    ['a wrong signature', 'US nonce sig', 'abc'],
  ] as const) {
    it(`refuses ${what} with a 401`, async () => {
      const { handle } = await filtered({}, key);
      const req = request('/v1/a/c', { 'x-container-sync-auth': auth });
      const resp = await handle(req);
      assert.equal(resp.status, 401);
      assert.equal(String(resp.body), NOT_VALID);
      assert.equal(resp.headers['www-authenticate'], 'SwiftContainerSync realm="a"');
      assert.equal(req.env.authorizeOverride, undefined);
      assert.equal(req.env.sloOverride, undefined);
    });
  }

  it('lets a good signature in authorized, past SLO, with the sender X-Timestamp', async () => {
    const { handle } = await filtered({}, 'abc');
    const ts = '1455221706.726999_0123456789abcdef';
    const sig = containerSyncSignature('GET', '/v1/a/c', ts, 'nonce', '9ff3b71c849749dbaec4ccdd3cbab62b', 'abc');
    const req = request('/v1/a/c', { 'x-container-sync-auth': `US nonce ${sig}`, 'x-backend-inbound-x-timestamp': ts });
    const resp = await handle(req);
    assert.equal(resp.status, 200);
    assert.equal(resp.body, 'Response to Authorized Request');
    assert.equal(resp.headers['x-timestamp'], ts);
    assert.equal(req.env.sloOverride, true);
  });

  it('takes a signature made with key2', async () => {
    const { handle } = await filtered({}, 'abc');
    const sig = containerSyncSignature('GET', '/v1/a/c', '0', 'nonce', '1a0a5a0cbd66448084089304442d6776', 'abc');
    assert.equal((await handle(request('/v1/a/c', { 'x-container-sync-auth': `US nonce ${sig}` }))).body, 'Response to Authorized Request');
  });

  it('signs the path as Swift quotes it, whatever the client escaped', async () => {
    const { handle } = await filtered({}, 'abc');
    const sig = containerSyncSignature('PUT', '/v1/a/c/%E2%98%83%20~', '0', 'n', '9ff3b71c849749dbaec4ccdd3cbab62b', 'abc');
    const resp = await handle(request('/v1/a/c/\xe2\x98\x83%20%7E', { 'x-container-sync-auth': `US n ${sig}` }, 'PUT'));
    assert.equal(resp.status, 200);
  });

  it('refuses full URLs with allow_full_urls = false, realm values still go', async () => {
    const open = await filtered();
    assert.equal((await open.handle(request('/v1/a/c', { 'x-container-sync-to': 'http://host/v1/a/c' }, 'PUT'))).status, 200);
    const { handle } = await filtered({ allow_full_urls: 'false' });
    const resp = await handle(request('/v1/a/c', { 'x-container-sync-to': 'http://host/v1/a/c' }, 'PUT'));
    assert.equal(resp.status, 400);
    assert.equal(String(resp.body), 'Full URLs are not allowed for X-Container-Sync-To values. Only realm values of the format //realm/cluster/account/container are allowed.\n');
    assert.equal((await handle(request('/v1/a/c', { 'x-container-sync-to': '//us/dfw1/a/c' }, 'PUT'))).status, 200);
  });

  it('/info: the realms with their clusters, the current one marked; a bad or unknown current is logged', async () => {
    assert.deepEqual((await filtered()).c.info.container_sync, { realms: { US: { clusters: { DFW1: {} } } } });
    assert.deepEqual((await filtered({ current: '//us/dfw1' })).c.info.container_sync, { realms: { US: { clusters: { DFW1: { current: true } } } } });
    const bad = await filtered({ current: 'foo' });
    assert.deepEqual(bad.c.errors, ['Invalid current //REALM/CLUSTER (foo)']);
    const unknown = await filtered({ current: 'foo/bar' });
    assert.deepEqual(unknown.c.errors, ['Unknown current //REALM/CLUSTER (//FOO/BAR)']);
    const none = await FILTERS.get('container_sync')!({ swift_dir: join(dir, 'nowhere') }, ctx());
    assert.ok(none);
  });

  it('/info is fresh: a rewritten realms file shows at the next /info', async () => {
    const { c, handle } = await filtered();
    const path = join(dir, 'container-sync-realms.conf');
    writeFileSync(path, `${REALMS}\n[UK]\nkey = 400b3b357a80413f9d956badff1d9dfe\ncluster_lon3 = http://lon3.host/v1/\n`);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    await handle(request('/info'));
    assert.deepEqual(c.info.container_sync, { realms: { US: { clusters: { DFW1: {} } }, UK: { clusters: { LON3: {} } } } });
    writeFileSync(path, REALMS);
  });
});
