/** The name_check filter: Swift's 400s for forbidden characters, long paths and `.`/`..` segments. */
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
const request = (path: string): SwiftRequest => ({ method: 'PUT', path, query: '', headers: {}, remoteAddr: '127.0.0.1', env: { transId: 'tx0' } });

describe('name_check', () => {
  it('refuses forbidden characters, over-long paths and dot segments with 400, as Swift', async () => {
    const c = ctx();
    const f = (await FILTERS.get('name_check')!({}, c))(app);
    assert.equal((await f(request('/v1/a/c/fine.txt'))).status, 204);
    const chars = await f(request('/v1/a/c/%3Cscript%3E'));
    assert.equal(chars.status, 400);
    assert.equal(chars.body, 'Object/Container/Account name contains forbidden chars from \'"`<>');
    // 255 bytes pass; a multi-byte character counts its bytes.
    assert.equal((await f(request(`/v1/a/c/${'x'.repeat(255 - 8)}`))).status, 204);
    const long = await f(request(`/v1/a/c/${'x'.repeat(246)}%C3%A9`));
    assert.equal(long.status, 400);
    assert.equal(long.body, 'Object/Container/Account name longer than the allowed maximum 255');
    for (const p of ['/v1/a/c/./o', '/v1/a/c/../o', '/v1/a/c/.', '/v1/a/..']) {
      const r = await f(request(p));
      assert.equal(r.status, 400, p);
      assert.equal(r.body, 'Object/Container/Account name contains a forbidden substring from regular expression /\\./|/\\.\\./|/\\.$|/\\.\\.$');
    }
    assert.deepEqual(c.info.name_check, { forbidden_chars: '\'"`<>', maximum_length: 255, forbidden_regexp: '/\\./|/\\.\\./|/\\.$|/\\.\\.$' });
  });

  it('takes its options from the config', async () => {
    const f = (await FILTERS.get('name_check')!({ forbidden_chars: '!', maximum_length: '20', forbidden_regexp: '' }, ctx()))(app);
    assert.equal((await f(request('/v1/a/c/./<o>'))).status, 204);
    assert.equal((await f(request('/v1/a/c/o!'))).status, 400);
    assert.equal((await f(request('/v1/a/c/0123456789abc'))).status, 400);
  });
});
