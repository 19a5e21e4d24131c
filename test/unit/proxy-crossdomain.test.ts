/** The crossdomain filter: Swift's policy document at /crossdomain.xml, the rest passed on. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../common/index.js';
import { FILTERS } from '../../proxy/registry.js';
import type { App, PipelineContext, SwiftRequest } from '../../proxy/index.js';

const ctx = (): PipelineContext => {
  const info: Record<string, Record<string, unknown>> = {};
  return { logger: silentLogger, now: Date.now, info, registerInfo: (n, d) => (info[n] = { ...info[n], ...d }) };
};
const app: App = async () => ({ status: 204, headers: {}, body: undefined });
const request = (method: string, path: string): SwiftRequest => ({ method, path, query: '', headers: {}, remoteAddr: '127.0.0.1', env: { transId: 'tx0' } });

describe('crossdomain', () => {
  it('answers GET /crossdomain.xml with the policy, by default any domain', async () => {
    const c = ctx();
    const filter = await FILTERS.get('crossdomain')!({}, c);
    const resp = await filter(app)(request('GET', '/crossdomain.xml'));
    assert.equal(resp.status, 200);
    assert.equal(resp.headers['content-type'], 'application/xml');
    assert.equal(String(resp.body), '<?xml version="1.0"?>\n<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd" >\n'
      + '<cross-domain-policy>\n<allow-access-from domain="*" secure="false" />\n</cross-domain-policy>');
    assert.deepEqual(c.info.crossdomain, {});
    assert.equal((await filter(app)(request('HEAD', '/crossdomain.xml'))).status, 204);
    assert.equal((await filter(app)(request('GET', '/v1/AUTH_test'))).status, 204);
  });

  it('serves the configured cross_domain_policy', async () => {
    const filter = await FILTERS.get('crossdomain')!({ cross_domain_policy: '<allow-access-from domain="*.example.com" />' }, ctx());
    const resp = await filter(app)(request('GET', '/crossdomain.xml'));
    assert.match(String(resp.body), /<cross-domain-policy>\n<allow-access-from domain="\*\.example\.com" \/>\n<\/cross-domain-policy>$/);
  });
});
