/** The layout module every cluster's files come from (swiftly start, the bench, the test helpers). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIni, swiftConfFromIni } from '../../common/index.js';
import { readRingFile } from '../../ring/index.js';
import { makeRegistry, readPipeline } from '../../proxy/index.js';
import {
  ensureEtcSwiftConf, FIXED_SWIFT_CONF, PROXY_PIPELINE, serverConfText, swiftConfText, writeRing,
} from '../../cli/cluster/layout.js';

const root = mkdtempSync(join(tmpdir(), 'cluster-layout-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a proxy config: one section per filter with its egg, the app, then extra sections', () => {
  const text = serverConfText({
    defaults: { bind_ip: '127.0.0.1', bind_port: 8080, workers: 1 },
    pipeline: PROXY_PIPELINE,
    app: { account_autocreate: true },
    filters: { tempauth: { '# user_<account>_<user> = <key>': '', user_admin_admin: 'secret .admin' }, cache: { memcache_servers: '127.0.0.1:1' } },
    extra: [['object-expirer', { processes: 3 }]],
  });
  const ini = parseIni(text);
  assert.deepEqual(ini.defaults, { bind_ip: '127.0.0.1', bind_port: '8080', workers: '1' });
  assert.equal(ini.sections.get('pipeline:main')?.pipeline, PROXY_PIPELINE.join(' '));
  assert.deepEqual(ini.sections.get('app:proxy-server'), { use: 'egg:swift#proxy', account_autocreate: 'true' });
  assert.equal(ini.sections.get('filter:proxy-logging')?.use, 'egg:swift#proxy_logging');
  assert.deepEqual(ini.sections.get('filter:cache'), { use: 'egg:swift#memcache', memcache_servers: '127.0.0.1:1' });
  assert.deepEqual(ini.sections.get('filter:tempauth'), { use: 'egg:swift#tempauth', user_admin_admin: 'secret .admin' });
  assert.match(text, /^# user_<account>_<user> = <key>$/m);
  assert.deepEqual(ini.sections.get('object-expirer'), { processes: '3' });
  assert.equal(text.match(/^\[filter:proxy-logging\]$/gm)?.length, 1, 'a filter named twice in the pipeline has one section');
  // The proxy reads it: every filter is one its registry knows.
  const spec = readPipeline(ini, makeRegistry(() => async () => ({ status: 200, headers: {}, body: '' })));
  assert.equal(spec.app.name, 'proxy-server');
  assert.equal(spec.filters.length, PROXY_PIPELINE.length - 1);
});

test('a storage server config names its app by kind', () => {
  const ini = parseIni(serverConfText({ defaults: { devices: '/srv' }, pipeline: ['healthcheck', 'object-server'], app: { keep_cache_private: true } }));
  assert.deepEqual(ini.sections.get('app:object-server'), { use: 'egg:swift#object', keep_cache_private: 'true' });
  assert.deepEqual(ini.sections.get('filter:healthcheck'), { use: 'egg:swift#healthcheck' });
});

test('swift.conf: the secrets and the policies, the default marked', () => {
  const conf = swiftConfFromIni(parseIni(swiftConfText('pre', 'suf', [{ name: 'gold', default: true }, { name: 'silver' }])));
  assert.deepEqual(conf.hashPath, { prefix: 'pre', suffix: 'suf' });
  assert.deepEqual(conf.policies.map((p) => [p.index, p.name, p.isDefault]), [[0, 'gold', true], [1, 'silver', false]]);
  assert.deepEqual(swiftConfFromIni(parseIni(FIXED_SWIFT_CONF)).hashPath, { prefix: 'swiftlytestprefix', suffix: 'swiftlytestsuffix' });
});

// Swift's servers load a ring for every policy in /etc/swift/swift.conf, so
// the file must say exactly what the cluster's does: one with the same
// secrets and an extra policy is rewritten (a copy in the tests left it).
// The bench's copy failed where /etc/swift did not exist yet.
test('ensureEtcSwiftConf makes the file hold exactly the text, creating its dir', () => {
  const path = join(root, 'etc-swift', 'swift.conf');
  ensureEtcSwiftConf(FIXED_SWIFT_CONF, path);
  assert.equal(readFileSync(path, 'utf8'), FIXED_SWIFT_CONF);
  writeFileSync(path, swiftConfText('swiftlytestprefix', 'swiftlytestsuffix', [{ name: 'gold', default: true }, { name: 'silver' }]));
  ensureEtcSwiftConf(FIXED_SWIFT_CONF, path);
  assert.equal(readFileSync(path, 'utf8'), FIXED_SWIFT_CONF);
  const before = statSync(path).ino;
  ensureEtcSwiftConf(FIXED_SWIFT_CONF, path);
  assert.equal(statSync(path).ino, before, 'left alone when it already holds the text');
});

test('rings: the devices given, the same partitions each time, the builder file when asked', () => {
  const spec = { partPower: 4, devices: [1, 2, 3].map((n) => ({ zone: n, port: 6000 + n, device: `sdb${n}`, weight: 1 })) };
  writeRing(root, 'object', spec, { builderFile: true });
  writeRing(root, 'container', spec);
  const ring = readRingFile(join(root, 'object.ring.gz'));
  assert.deepEqual(ring.devs.map((d) => d && [d.ip, d.port, d.device, d.zone, d.region]), [
    ['127.0.0.1', 6001, 'sdb1', 1, 1], ['127.0.0.1', 6002, 'sdb2', 2, 1], ['127.0.0.1', 6003, 'sdb3', 3, 1],
  ]);
  assert.equal(ring.replica2part2dev.length, 3);
  assert.ok(existsSync(join(root, 'object.builder')));
  assert.ok(!existsSync(join(root, 'container.builder')));
  writeRing(root, 'object', spec);
  assert.deepEqual(readRingFile(join(root, 'object.ring.gz')).replica2part2dev, readRingFile(join(root, 'container.ring.gz')).replica2part2dev);
});
