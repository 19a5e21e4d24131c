import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quotePath } from '../../common/index.js';

// Expected values printed by Python 3's urllib.parse.quote(s, safe='/').
test('quotePath matches Python quote(s, safe="/")', () => {
  assert.equal(quotePath('/AUTH_test/c/o'), '/AUTH_test/c/o');
  assert.equal(quotePath("a b!'()*~_.-/"), 'a%20b%21%27%28%29%2A~_.-/');
  assert.equal(quotePath('caf\u00e9/\u2603/\u{1F600}'), 'caf%C3%A9/%E2%98%83/%F0%9F%98%80');
  assert.equal(quotePath('%2F?#&=+;:@$,'), '%252F%3F%23%26%3D%2B%3B%3A%40%24%2C');
  assert.equal(quotePath('\x00\x7f'), '%00%7F');
});

test('quotePath leaves only letters, digits, _.-~ and / of ASCII as they are', () => {
  for (let i = 0; i < 128; i++) {
    const c = String.fromCharCode(i);
    const kept = /[A-Za-z0-9_.\-~/]/.test(c);
    assert.equal(quotePath(c), kept ? c : `%${i.toString(16).toUpperCase().padStart(2, '0')}`, `char ${i}`);
  }
});

test('quotePath encodes a lone surrogate as U+FFFD instead of throwing', () => {
  assert.equal(quotePath('a\ud800/b'), 'a%EF%BF%BD/b');
  assert.equal(quotePath('\udc00'), '%EF%BF%BD');
});
