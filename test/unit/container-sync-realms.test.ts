import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerSyncRealms, containerSyncSignature, validateSyncTo } from '../../common/index.js';

const root = mkdtempSync(join(tmpdir(), 'swiftly-realms-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function realmsFile(text: string): string {
  const path = join(root, `realms-${++n}.conf`);
  writeFileSync(path, text);
  return path;
}

const CONF = `[DEFAULT]
mtime_check_interval = 10

[US]
key = 9ff3b71c849749dbaec4ccdd3cbab62b
key2 = 1a0a5a0cbd66448084089304442d6776
cluster_dfw1 = http://dfw1.host/v1/
cluster_ORD = http://ord.host/v1/

[uk]
key = 400b3b357a80413f9d956badff1d9dfe
`;

test('realms, keys and cluster endpoints, names case-insensitive', () => {
  const r = new ContainerSyncRealms(realmsFile(CONF));
  assert.deepEqual(r.realms().sort(), ['UK', 'US']);
  assert.equal(r.key('us'), '9ff3b71c849749dbaec4ccdd3cbab62b');
  assert.equal(r.key2('US'), '1a0a5a0cbd66448084089304442d6776');
  assert.equal(r.key2('uk'), undefined);
  assert.deepEqual(r.clusters('Us'), ['DFW1', 'ORD']);
  assert.deepEqual(r.clusters('UK'), []);
  assert.deepEqual(r.clusters('nowhere'), []);
  assert.equal(r.endpoint('us', 'dfw1'), 'http://dfw1.host/v1/');
  assert.equal(r.endpoint('us', 'lon3'), undefined);
  assert.equal(r.key('nowhere'), undefined);
});

test('no file is no realms', () => {
  const r = new ContainerSyncRealms(join(root, 'missing.conf'));
  assert.deepEqual(r.realms(), []);
});

test('the file is read again once mtime_check_interval has passed and its mtime changed', () => {
  let now = 1000;
  const path = realmsFile(CONF);
  const r = new ContainerSyncRealms(path, undefined, () => now);
  writeFileSync(path, '[EU]\nkey = k\ncluster_x = http://x/v1/\n');
  utimesSync(path, 2000, 2000);
  now += 5;
  assert.deepEqual(r.realms().sort(), ['UK', 'US'], 'not before the interval');
  now += 6;
  assert.deepEqual(r.realms(), ['EU']);
});

test('a bad mtime_check_interval keeps the default', () => {
  let now = 0;
  const path = realmsFile('[DEFAULT]\nmtime_check_interval = invalid\n[A]\nkey = k\n');
  const r = new ContainerSyncRealms(path, undefined, () => now);
  writeFileSync(path, '[B]\nkey = k\n');
  utimesSync(path, 5000, 5000);
  now = 299;
  assert.deepEqual(r.realms(), ['A']);
  now = 301;
  assert.deepEqual(r.realms(), ['B']);
});

test("the signature is Swift's get_sig", () => {
  assert.equal(
    containerSyncSignature('GET', '/some/path', '1387212345.67890', 'my_nonce', 'realm_key', 'user_key'),
    '5a6eb486eb7b44ae1b1f014187a94529c3f9c8f9',
  );
});

test("validateSyncTo: realm form against the realms, full URLs against allowed_sync_hosts, Swift's errors", () => {
  const r = new ContainerSyncRealms(realmsFile(CONF));
  assert.deepEqual(validateSyncTo('//us/dfw1/AUTH_a/c/', [], r), {
    target: { endpoint: 'http://dfw1.host/v1/AUTH_a/c', realm: 'US', realmKey: '9ff3b71c849749dbaec4ccdd3cbab62b' },
  });
  assert.deepEqual(validateSyncTo('//eu/dfw1/AUTH_a/c', [], r), { error: "No realm key for 'eu'" });
  assert.deepEqual(validateSyncTo('//us/lon3/AUTH_a/c', [], r), { error: "No cluster endpoint for 'us' 'lon3'" });
  assert.deepEqual(validateSyncTo('//us/dfw1/AUTH_a', [], r), { error: "Invalid X-Container-Sync-To format '//us/dfw1/AUTH_a'" });
  assert.deepEqual(validateSyncTo('http://127.0.0.1/v1/a/c', ['127.0.0.1'], r), { target: { endpoint: 'http://127.0.0.1/v1/a/c' } });
  assert.deepEqual(validateSyncTo('http://evil/v1/a/c', ['127.0.0.1'], r), { error: "Invalid host 'evil' in X-Container-Sync-To" });
  assert.deepEqual(validateSyncTo('', ['127.0.0.1'], r), {});
});
