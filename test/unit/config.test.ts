import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseIni, getSection, readIniFile, getInt, getBool, configTrueValue, listFromCsv,
  swiftConfFromIni, loadSwiftConf, ConfigError,
} from '../../common/index.js';

test('INI: sections, DEFAULT inheritance, comments, continuation, interpolation', () => {
  const ini = parseIni(`
# comment
[DEFAULT]
devices = /srv/node
Log_Level = INFO

[app:object-server]
use = egg:swift#object
; another comment
bind_port: 6200
pipeline = a
   b c
path = %(devices)s/x
`);
  const s = getSection(ini, 'app:object-server')!;
  assert.equal(s.use, 'egg:swift#object');
  assert.equal(s.bind_port, '6200');
  assert.equal(s.devices, '/srv/node');
  assert.equal(s.log_level, 'INFO', 'keys are lower-cased');
  assert.equal(s.pipeline, 'a\nb c');
  assert.equal(s.path, '/srv/node/x');
  assert.equal(getSection(ini, 'missing'), undefined);
  assert.throws(() => parseIni('key = value'), ConfigError);
  assert.throws(() => parseIni('[s]\nno separator here'), ConfigError);
});

test('INI: keepCase keeps option names as written (paste.deploy, for the proxy)', () => {
  const text = '[DEFAULT]\nHere_Dir = /etc\n[filter:tempauth]\nreseller_prefix = AUTH, SERVICE\nSERVICE_require_group = service\nconf = %(Here_Dir)s/x\n';
  const kept = getSection(parseIni(text, '<string>', undefined, { keepCase: true }), 'filter:tempauth')!;
  assert.equal(kept.SERVICE_require_group, 'service');
  assert.equal(kept.service_require_group, undefined);
  assert.equal(kept.conf, '/etc/x');
  const lowered = getSection(parseIni(text), 'filter:tempauth')!;
  assert.equal(lowered.service_require_group, 'service');
  assert.equal(lowered.SERVICE_require_group, undefined);
});

test('typed option readers', () => {
  const s = { a: '12', b: 'yes', c: 'x', d: 'off' };
  assert.equal(getInt(s, 'a', 1), 12);
  assert.equal(getInt(s, 'missing', 7), 7);
  assert.throws(() => getInt(s, 'c', 1), ConfigError);
  assert.equal(getBool(s, 'b', false), true);
  assert.equal(getBool(s, 'd', true), false);
  assert.throws(() => getBool(s, 'c', true), ConfigError);
  assert.equal(configTrueValue('True'), true);
  assert.equal(configTrueValue('nope'), false);
  assert.deepEqual(listFromCsv(' a, b ,,c'), ['a', 'b', 'c']);
});

test('conf.d directories are read in name order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-conf-'));
  try {
    mkdirSync(join(dir, 'object-server.conf.d'));
    writeFileSync(join(dir, 'object-server.conf.d', '10.conf'), '[DEFAULT]\nbind_port = 1\n[app:x]\nk = 1\n');
    writeFileSync(join(dir, 'object-server.conf.d', '20.conf'), '[DEFAULT]\nbind_port = 2\n');
    const ini = readIniFile(join(dir, 'object-server.conf.d'));
    assert.equal(getSection(ini, 'app:x')!.bind_port, '2');
    assert.equal(getSection(ini, 'app:x')!.k, '1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('swift.conf: secrets, policies, constraints', () => {
  const conf = swiftConfFromIni(parseIni(`
[swift-hash]
swift_hash_path_suffix = sfx
swift_hash_path_prefix = pfx
[storage-policy:0]
name = gold
aliases = yellow, orange
[storage-policy:1]
name = silver
default = yes
[swift-constraints]
max_file_size = 1000
`));
  assert.deepEqual(conf.hashPath, { prefix: 'pfx', suffix: 'sfx' });
  assert.deepEqual(conf.policies.map((p) => p.name), ['gold', 'silver']);
  assert.deepEqual(conf.policies[0].aliases, ['yellow', 'orange']);
  assert.equal(conf.defaultPolicy.index, 1);
  assert.equal(conf.constraints.max_file_size, 1000);
  assert.equal(conf.constraints.max_object_name_length, 1024);
});

test('swift.conf: Swift\'s validation errors', () => {
  assert.throws(() => swiftConfFromIni(parseIni('[swift-hash]\n')), /both swift_hash_path_suffix and swift_hash_path_prefix are missing/);
  const only0 = swiftConfFromIni(parseIni('[swift-hash]\nswift_hash_path_suffix = x\n'));
  assert.equal(only0.defaultPolicy.name, 'Policy-0');
  assert.throws(() => swiftConfFromIni(parseIni('[swift-hash]\nswift_hash_path_suffix = x\n[storage-policy:0]\nname=a\n[storage-policy:1]\nname=b\n')), /default/);
  assert.throws(() => swiftConfFromIni(parseIni('[swift-hash]\nswift_hash_path_suffix = x\n[storage-policy:0]\nname=a\ndefault=yes\n[storage-policy:1]\nname=A\n')), /Duplicate/);
  assert.throws(() => swiftConfFromIni(parseIni('[swift-hash]\nswift_hash_path_suffix = x\n[storage-policy:x]\nname=a\n')), /Invalid index/);
  assert.throws(() => loadSwiftConf('/nonexistent-dir'), ConfigError);
});
