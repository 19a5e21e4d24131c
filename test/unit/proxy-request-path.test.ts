/**
 * Request paths split as Swift's proxy splits them: split_path(1, 4, True)
 * (the expected values are Swift 2.30's own answers), then the controller
 * choice that tells a 404 (split_path refuses) from a 412 "Bad URL" (no
 * controller) and from a 412 "Invalid UTF8 or contains NULL".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSwiftPath, splitPath, unquoteBytes } from '../../proxy/request-path.js';

describe("Swift's split_path(path, 1, 4, True)", () => {
  const cases: [string, (string | undefined)[] | 'ValueError'][] = [
    ['//v1/AUTH_test', 'ValueError'],
    ['/v1', ['v1', undefined, undefined, undefined]],
    ['/v1/', ['v1', '', undefined, undefined]],
    ['/v1/a', ['v1', 'a', undefined, undefined]],
    ['/v1/a/', ['v1', 'a', '', undefined]],
    ['/v1/a//o', ['v1', 'a', '', 'o']],
    ['/v1/a//', ['v1', 'a', '', '']],
    ['/v1/a/c/o/x/y', ['v1', 'a', 'c', 'o/x/y']],
    ['/', 'ValueError'],
    ['', 'ValueError'],
    ['v1/a', 'ValueError'],
    ['/v1/a/c/', ['v1', 'a', 'c', '']],
  ];
  for (const [path, expected] of cases) {
    it(`${JSON.stringify(path)} → ${JSON.stringify(expected)}`, () => {
      const got = splitPath(path);
      if (expected === 'ValueError') assert.equal(got, undefined);
      else assert.deepEqual(got && [got.version, got.account, got.container, got.object], expected);
    });
  }
});

describe('the controller a path goes to', () => {
  it('refused paths (Swift: 404), paths no controller takes (412 Bad URL), bad UTF-8 (412)', () => {
    assert.deepEqual(parseSwiftPath('//v1/AUTH_test'), { ok: false, reason: 'split' });
    assert.deepEqual(parseSwiftPath('/v1'), { ok: false, reason: 'bad' });
    assert.deepEqual(parseSwiftPath('/v1/'), { ok: false, reason: 'bad' });
    assert.deepEqual(parseSwiftPath('/v1/a//o'), { ok: false, reason: 'bad' });
    assert.deepEqual(parseSwiftPath('/v1/a/%80'), { ok: false, reason: 'utf8' });
    assert.deepEqual(parseSwiftPath('/v1/a/c%00'), { ok: false, reason: 'utf8' });
  });

  it('account, container and object paths, percent-decoded', () => {
    assert.deepEqual(parseSwiftPath('/v1/a//'), { ok: true, path: { version: 'v1', account: 'a', container: undefined, object: undefined } });
    assert.deepEqual(parseSwiftPath('/v1/a/c/'), { ok: true, path: { version: 'v1', account: 'a', container: 'c', object: undefined } });
    assert.deepEqual(parseSwiftPath('/v1/a/c%20d/o/%E2%98%83'), { ok: true, path: { version: 'v1', account: 'a', container: 'c d', object: 'o/\u2603' } });
  });
});

describe("unquoteBytes: Python's unquote to bytes", () => {
  it('bytes as they are without escapes; escapes decoded; a bad escape kept; text past latin1 as UTF-8', () => {
    assert.deepEqual(unquoteBytes('/v1/AUTH_test/c/o'), Buffer.from('/v1/AUTH_test/c/o'));
    // A header value as Node reads it: raw UTF-8 bytes as latin1 code units.
    assert.deepEqual(unquoteBytes('caf\u00c3\u00a9'), Buffer.from('café'));
    assert.deepEqual(unquoteBytes('\u2603'), Buffer.from('\u2603'));
    assert.deepEqual(unquoteBytes('/a%20b%2Fc%e2%98%83'), Buffer.from('/a b/c\u2603'));
    assert.deepEqual(unquoteBytes('%zz%4'), Buffer.from('%zz%4'));
    assert.deepEqual(unquoteBytes(''), Buffer.alloc(0));
  });
});
