/**
 * What tempurl and formpost share, against what Swift 2.30's
 * `swift.common.digest` answers for the same input (asked of Debian's
 * python3-swift), and tempurl's IP range check as Python's `ipaddress`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, silentLogger } from '../../common/index.js';
import { allowedDigests, extractDigest, pythonInt } from '../../proxy/filters/signatures.js';
import { inIpRange } from '../../proxy/filters/tempurl.js';

test('a signature parses as Swift\'s extract_digest_and_algorithm does', () => {
  assert.deepEqual(extractDigest('sha512:YWJj'), { digest: 'sha512', hex: '616263' });
  assert.deepEqual(extractDigest('sha512:YWJj===='), { digest: 'sha512', hex: '616263' });
  assert.deepEqual(extractDigest('sha512:=YWJj'), { digest: 'sha512', hex: '616263' });
  assert.deepEqual(extractDigest('sha512:YW'), { digest: 'sha512', hex: '61' });
  assert.deepEqual(extractDigest('sha256:-_8'), { digest: 'sha256', hex: 'fbff' });
  assert.deepEqual(extractDigest('sha512:'), { digest: 'sha512', hex: '' });
  assert.equal(extractDigest('sha512:Y'), undefined);
  assert.equal(extractDigest('sha512:YW=Jj'), undefined);
  assert.equal(extractDigest('sha512:YW*J'), undefined);
  assert.deepEqual(extractDigest('a'.repeat(40)), { digest: 'sha1', hex: 'a'.repeat(40) });
  assert.deepEqual(extractDigest('B'.repeat(64)), { digest: 'sha256', hex: 'B'.repeat(64) });
  assert.equal(extractDigest('a'.repeat(41)), undefined);
  assert.equal(extractDigest('a'.repeat(42)), undefined);
  assert.equal(extractDigest('g'.repeat(40)), undefined);
});

test('allowed_digests keeps the supported ones, sorted, and refuses none', () => {
  assert.deepEqual(allowedDigests(undefined, silentLogger, 'tempurl'), { allowed: ['sha1', 'sha256', 'sha512'], deprecated: ['sha1'] });
  assert.deepEqual(allowedDigests('SHA512 md5 sha256', silentLogger, 'tempurl'), { allowed: ['sha256', 'sha512'], deprecated: [] });
  assert.throws(() => allowedDigests('md5', silentLogger, 'formpost'), ConfigError);
});

test('an IP range is an address or a network without host bits, of the client\'s family', () => {
  assert.equal(inIpRange('127.0.0.1', '127.0.0.1'), true);
  assert.equal(inIpRange('127.0.0.2', '127.0.0.1'), false);
  assert.equal(inIpRange('10.1.2.3', '10.0.0.0/8'), true);
  assert.equal(inIpRange('10.1.2.3', '10.0.0.1/8'), false);
  assert.equal(inIpRange('::ffff:10.1.2.3', '10.0.0.0/8'), true);
  assert.equal(inIpRange('2001:db8::5', '2001:db8::/32'), true);
  assert.equal(inIpRange('2001:db9::5', '2001:db8::/32'), false);
  assert.equal(inIpRange('2001:db8::5', '2001:db8::1/32'), false);
  assert.equal(inIpRange('::1', '::1'), true);
  assert.equal(inIpRange('127.0.0.1', '::1'), false);
  assert.equal(inIpRange('127.0.0.1', 'not-an-ip'), false);
  assert.equal(inIpRange('127.0.0.1', '127.0.0.0/33'), false);
});

test('numbers read as Python\'s int() reads them', () => {
  assert.equal(pythonInt(' 42 '), 42);
  assert.equal(pythonInt('1_000'), 1000);
  assert.equal(pythonInt('-5'), -5);
  assert.equal(pythonInt('4.5'), undefined);
  assert.equal(pythonInt(''), undefined);
});
