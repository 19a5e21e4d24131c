import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitPath, parseBackendPath, rawPathIsUtf8, decodeRequestPath } from '../../storage/index.js';
import { InvalidArgumentError } from '../../common/index.js';

test('splitPath follows Swift\'s split_path', () => {
  assert.deepEqual(splitPath('/a', 1), ['a']);
  assert.deepEqual(splitPath('/a', 1, 2), ['a', undefined]);
  assert.deepEqual(splitPath('/a/c', 1, 2), ['a', 'c']);
  assert.deepEqual(splitPath('/a/c/o/r', 1, 3, true), ['a', 'c', 'o/r']);
  assert.deepEqual(splitPath('/a/c/', 2), ['a', 'c']);
  assert.deepEqual(splitPath('/a/c//o', 3, 3, true), ['a', 'c', '/o']);
  for (const [p, min, max, rest] of [
    ['', 1, 1, false], ['a', 1, 1, false], ['/a/c', 1, 1, false], ['//c', 1, 2, false],
    ['/a/c/x/y', 2, 3, false], ['/a//', 2, 2, false], ['/a', 2, 3, true],
  ] as const) {
    assert.throws(() => splitPath(p, min, max, rest), InvalidArgumentError, p);
  }
});

test('device and partition cannot escape the devices directory', () => {
  assert.deepEqual(parseBackendPath('/sda1/12/a/c/o/x', 5, 5, true), {
    device: 'sda1', partition: '12', account: 'a', container: 'c', object: 'o/x',
  });
  for (const p of ['/../1/a/c/o', '/./1/a/c/o', '/sda1/../a/c/o', '/sda1/./a/c/o']) {
    assert.throws(() => parseBackendPath(p, 5, 5, true), /Invalid (device|partition)/, p);
  }
});

test('raw paths: percent-decoding, UTF-8 and NUL checks', () => {
  assert.deepEqual(decodeRequestPath('/a/b%20c?x=1'), { path: '/a/b c', query: 'x=1' });
  assert.throws(() => decodeRequestPath('/a/%zz'), InvalidArgumentError);
  assert.equal(rawPathIsUtf8('/a/%C3%A9'), true);
  assert.equal(rawPathIsUtf8('/a/é'), true);
  assert.equal(rawPathIsUtf8('/a/%FF'), false);
  assert.equal(rawPathIsUtf8('/a/%00'), false);
});
