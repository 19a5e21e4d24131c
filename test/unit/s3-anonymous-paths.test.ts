/**
 * The proxy's own paths are never a path-style bucket for an unsigned
 * request: Swift's fixed ones, and those a configured filter answers at a
 * path of its own (tempauth's auth_prefix, list_endpoints_path).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../common/index.js';
import { FILTERS, type PipelineContext } from '../../proxy/index.js';
import { isProxyPath } from '../../proxy/s3/anonymous.js';

describe('s3api: the proxy paths an unsigned request never names a bucket by', () => {
  it("takes Swift's own and the configured filters' paths, and no others", async () => {
    const info: PipelineContext['info'] = {};
    const ctx: PipelineContext = { logger: silentLogger, now: Date.now, info, ownPaths: new Set(), registerInfo: (n, d) => (info[n] = { ...info[n], ...d }) };
    await FILTERS.get('tempauth')!({ auth_prefix: '/myauth' }, ctx);
    await FILTERS.get('list_endpoints')!({ list_endpoints_path: '/where/' }, ctx);
    for (const p of ['v1', 'v1.0', 'info', 'auth', 'healthcheck', 'crossdomain.xml', 'endpoints', 'recon', 'myauth', 'where']) assert.equal(isProxyPath(p, ctx), true, p);
    for (const p of ['photos', 'myauth2', 'v1x', 'information']) assert.equal(isProxyPath(p, ctx), false, p);
  });
});
