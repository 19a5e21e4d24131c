import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hashPath, hashPathRaw, hashPathTop32, InvalidArgumentError } from '../../common/index.js';

const secrets = { prefix: 'startcap', suffix: 'endcap' };

test('hashPath is md5(prefix + /a/c/o + suffix)', () => {
  const expect = createHash('md5').update('startcap/a/c/o\u00e9endcap', 'utf8').digest('hex');
  assert.equal(hashPath(secrets, 'a', 'c', 'o\u00e9'), expect);
  assert.equal(hashPath(secrets, 'a'), createHash('md5').update('startcap/aendcap').digest('hex'));
  assert.equal(hashPathRaw(secrets, 'a', 'c').toString('hex'), hashPath(secrets, 'a', 'c'));
});

test('hashPath matches values computed by Swift', () => {
  // swift.common.utils.hash_path with HASH_PATH_PREFIX=b'', HASH_PATH_SUFFIX=b'endcap'
  assert.equal(hashPath({ prefix: '', suffix: 'endcap' }, 'a', 'c', 'o'), '06fbf0b514e5199dfc4e00f42eb5ea83');
});

test('an object without a container is refused', () => {
  assert.throws(() => hashPath(secrets, 'a', undefined, 'o'), InvalidArgumentError);
});

test('hashPathTop32 is the digest\'s first 4 bytes, big-endian', () => {
  for (const args of [['a'], ['a', 'c'], ['a', 'c', 'o\u00e9/x']] as [string, string?, string?][]) {
    assert.equal(hashPathTop32(secrets, ...args), hashPathRaw(secrets, ...args).readUInt32BE(0));
  }
  assert.throws(() => hashPathTop32(secrets, 'a', '', 'o'), InvalidArgumentError);
});
