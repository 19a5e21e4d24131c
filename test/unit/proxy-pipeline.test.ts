/** Reading a Swift proxy-server.conf pipeline and building it from the registry. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseIni, silentLogger, ConfigError } from '../../common/index.js';
import { readPipeline, buildPipeline, eggName, makeRegistry } from '../../proxy/index.js';
import type { App, PipelineContext, SwiftRequest } from '../../proxy/index.js';

const ctx = (): PipelineContext => {
  const info: Record<string, Record<string, unknown>> = {};
  return { logger: silentLogger, now: Date.now, info, registerInfo: (n, d) => (info[n] = { ...info[n], ...d }) };
};

const echoApp = (): App => async (req) => ({ status: 200, headers: { 'x-seen-path': req.path, 'x-backend-secret': 'hidden' }, body: 'app' });

const request = (path: string, headers: Record<string, string> = {}): SwiftRequest => ({
  method: 'GET', path, query: '', headers, remoteAddr: '127.0.0.1', env: { transId: 'tx0' },
});

const CONF = `
[DEFAULT]
bind_port = 8080

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-server

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[app:proxy-server]
use = egg:swift#proxy
`;

describe('proxy pipeline from proxy-server.conf', () => {
  it('parses egg names', () => {
    assert.equal(eggName('egg:swift#tempauth', 'x'), 'tempauth');
    assert.throws(() => eggName('egg:other#x', 's'), ConfigError);
    assert.throws(() => eggName(undefined, 's'), /no "use"/);
  });

  it('builds filters around the app, in order', async () => {
    const registry = makeRegistry(() => echoApp());
    const spec = readPipeline(parseIni(CONF), registry);
    assert.deepEqual(spec.filters.map((f) => f.entry), ['catch_errors', 'gatekeeper', 'healthcheck']);
    assert.equal(spec.app.name, 'proxy-server');
    const app = await buildPipeline(spec, registry, ctx());
    const health = await app(request('/healthcheck'));
    assert.equal(health.status, 200);
    assert.equal(health.body, 'OK');
    const resp = await app(request('/v1/a', { 'x-backend-evil': '1' }));
    assert.equal(resp.headers['x-seen-path'], '/v1/a');
    assert.equal(resp.headers['x-backend-secret'], undefined, 'gatekeeper strips backend headers');
    assert.equal(resp.headers['x-trans-id'], 'tx0');
  });

  it('catch_errors turns a throw into a 500', async () => {
    const registry = makeRegistry(() => async () => {
      throw new Error('boom');
    });
    const app = await buildPipeline(readPipeline(parseIni(CONF), registry), registry, ctx());
    const resp = await app(request('/v1/a'));
    assert.equal(resp.status, 500);
  });

  it('fails at start-up on an unknown filter, naming it', () => {
    const conf = CONF.replace('pipeline = catch_errors', 'pipeline = catch_errors no_such_thing').concat('\n[filter:no_such_thing]\nuse = egg:swift#no_such_thing\n');
    assert.throws(() => readPipeline(parseIni(conf), makeRegistry(() => echoApp())), /Unknown filter "no_such_thing"/);
    const missing = CONF.replace('pipeline = catch_errors', 'pipeline = catch_errors nosuch');
    assert.throws(() => readPipeline(parseIni(missing), makeRegistry(() => echoApp())), /filter:nosuch/);
  });
});
