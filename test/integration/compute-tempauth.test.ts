/** Compute API auth with the object store's tempauth tokens, against Debian's real swift-proxy-server. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { HttpTokenValidator } from '../../compute/index.js';
import { computeClient } from '../../compute/index.js';
import { startSwiftTempauth, type SwiftTempauth } from '../helpers/swift-tempauth.js';
import { startTestCloud, type TestCloud } from '../helpers/compute-cloud.js';

const SWIFTLY = fileURLToPath(new URL('../../cli/bin/swiftly.js', import.meta.url));
let swift: SwiftTempauth;
let cloud: TestCloud;

before(async () => {
  swift = await startSwiftTempauth();
  cloud = await startTestCloud({
    config: { auth: { strategy: 'tempauth', proxyUrl: swift.proxyUrl, adminProjects: ['admin'], resellerPrefix: 'AUTH' } },
  });
});
after(async () => {
  await cloud?.close();
  await swift?.close();
});

test('a token is valid for its own account only; a reseller admin is a Nova admin; answers are cached', async () => {
  const tester = await computeClient.tempauthLogin(swift.authUrl, 'test:tester', 'testing');
  assert.equal(tester.project, 'test');
  const admin = await computeClient.tempauthLogin(swift.authUrl, 'admin:admin', 'admin');
  const v = new HttpTokenValidator({ proxyUrl: swift.proxyUrl, adminProjects: ['admin'], cacheTtlMs: 60_000 });
  const p = await v.validate(tester.token, 'test');
  assert.equal(p?.projectId, 'test');
  assert.equal(p?.isAdmin, false, '.admin of its own account is not a cloud admin');
  assert.equal(await v.validate(tester.token, 'other'), undefined);
  assert.equal(await v.validate('AUTH_tk' + '0'.repeat(32), 'test'), undefined);
  assert.equal((await v.validate(admin.token, 'test'))?.isAdmin, true);
  // Through the API: a good token lists, a bad one is 401 in Nova's shape.
  const ok = await fetch(`${cloud.url}/v2.1/test/servers`, { headers: { 'x-auth-token': tester.token } });
  assert.equal(ok.status, 200);
  const bad = await fetch(`${cloud.url}/v2.1/test/servers`, { headers: { 'x-auth-token': 'AUTH_tkbogus' } });
  assert.equal(bad.status, 401);
  assert.equal(((await bad.json()) as { unauthorized: { code: number } }).unauthorized.code, 401);
  const forbidden = await fetch(`${cloud.url}/v2.1/test/flavors`, {
    method: 'POST', headers: { 'x-auth-token': tester.token, 'content-type': 'application/json' },
    body: JSON.stringify({ flavor: { name: 'nope', ram: 1, vcpus: 1, disk: 0 } }),
  });
  assert.equal(forbidden.status, 403);
  // The CLI logs in with tempauth and finds its project from the storage URL.
  const out = await promisify(execFile)(process.execPath, [SWIFTLY, 'compute', 'flavor', 'list', '--compute-url', cloud.url, '-A', swift.authUrl, '-U', 'test:tester', '-K', 'testing']);
  assert.match(out.stdout, /m1\.tiny/);

  await swift.stopProxy();
  // Cached: still valid with the proxy gone; an unchecked pair cannot be answered (the API says 503).
  assert.equal((await v.validate(tester.token, 'test'))?.projectId, 'test');
  await assert.rejects(v.validate(tester.token, 'elsewhere'));
  const down = await fetch(`${cloud.url}/v2.1/test/servers`, { headers: { 'x-auth-token': 'AUTH_tkunseen' } });
  assert.equal(down.status, 503);
});
