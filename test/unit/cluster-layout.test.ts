/** The layout module every cluster's files come from (swiftly start, the bench, the test helpers). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSection, metricsListen, parseIni, readIniFile, swiftConfFromIni } from '../../common/index.js';
import { readRingFile } from '../../ring/index.js';
import { makeRegistry, readPipeline } from '../../proxy/index.js';
import {
  clusterPaths, ensureClusterLayout, ensureEtcSwiftConf, FIXED_SWIFT_CONF, NODE_COUNT, PROXY_PIPELINE, serverConfText, STORAGE_KINDS,
  swiftConfText, writeRing,
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

test("the all-in-one's configs give every server a /metrics port no other server listens on; the daemons' sections share one", () => {
  const paths = clusterPaths(join(root, 'metrics-cluster'));
  ensureClusterLayout(paths, { host: '127.0.0.1', port: 8080 }, undefined, { metrics: true });
  const listening = new Map<number, string>();
  const listen = (port: number, who: string): void => {
    assert.ok(!listening.has(port), `${who} and ${listening.get(port)} both on ${port}`);
    listening.set(port, who);
  };
  const proxy = readIniFile(paths.proxyConf).defaults;
  listen(Number(proxy.bind_port), 'proxy');
  listen(metricsListen(proxy)!.port, 'proxy metrics');
  const daemonPorts = new Set<number>();
  for (const kind of STORAGE_KINDS) {
    for (let n = 1; n <= NODE_COUNT; n++) {
      const ini = readIniFile(paths.storageConf(kind, n));
      const app = getSection(ini, `app:${kind}-server`)!;
      listen(Number(app.bind_port), `${kind}-server ${n}`);
      listen(metricsListen(app)!.port, `${kind}-server ${n} metrics`);
      for (const name of ini.sections.keys()) {
        if (name.startsWith('app:') || name.startsWith('pipeline:')) continue;
        daemonPorts.add(metricsListen(getSection(ini, name)!)!.port);
      }
    }
  }
  // All daemons run in one process (swiftly daemons): one shared endpoint.
  assert.equal(daemonPorts.size, 1);
  listen([...daemonPorts][0], 'daemons metrics');
  // Without the option (tests, the bench): no metrics ports at all.
  const plain = clusterPaths(join(root, 'plain-cluster'));
  ensureClusterLayout(plain, { host: '127.0.0.1', port: 8080 });
  assert.equal(metricsListen(readIniFile(plain.proxyConf).defaults), undefined);
  assert.equal(metricsListen(getSection(readIniFile(plain.storageConf('object', 1)), 'app:object-server')!), undefined);
});
