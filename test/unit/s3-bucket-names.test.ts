/**
 * S3 bucket names as Swift 2.30's s3api judges them (`validate_bucket_name`,
 * both `dns_compliant_bucket_names` settings; the table is what Swift's own
 * function answers), and where: a path-style name before anything else
 * (InvalidBucketName, whatever the request), a host's not at all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { s3Conf } from '../../proxy/s3/conf.js';
import { parseS3Request, validBucketName } from '../../proxy/s3/request.js';
import { S3Error } from '../../proxy/s3/errors.js';

// [name, dns compliant, non-compliant]: Swift 2.30's answers.
const TABLE: [string, boolean, boolean][] = [
  ['abc', true, true], ['ab', false, false], ['a..b', false, true], ['a-.b', false, true], ['a.-b', false, true],
  ['192.168.1.1', false, false], ['999.1.1.1', true, true], ['Abc', false, true], ['_abc', false, false], ['-abc', false, false],
  ['abc.', false, false], ['a_b', false, true], ['abc-', false, true], ['a'.repeat(63), true, true], ['a'.repeat(64), false, true],
  ['a'.repeat(255), false, true], ['a'.repeat(256), false, false], ['a b', false, false], ['a/b', false, false],
];

describe('S3 bucket names', () => {
  it('follows Swift validate_bucket_name with and without dns_compliant_bucket_names', () => {
    for (const [name, dns, loose] of TABLE) {
      assert.equal(validBucketName(name, true), dns, `${name} (dns compliant)`);
      assert.equal(validBucketName(name, false), loose, `${name} (not dns compliant)`);
    }
  });

  it('refuses a bad path-style name whatever the request; a host-style one passes', () => {
    const conf = s3Conf({ storage_domain: 'example.net' });
    const req = (path: string, host = 'localhost') => parseS3Request({ method: 'GET', path, query: '', headers: { host }, remoteAddr: '127.0.0.1', env: { transId: 'tx' } }, conf);
    for (const path of ['/a..b', '/a..b/key', '/Abc/key', '/ab']) {
      assert.throws(() => req(path), (e: unknown) => e instanceof S3Error && e.code === 'InvalidBucketName' && e.status === 400, path);
    }
    assert.equal(req('/key', 'Up_Per.example.net').bucket, 'up_per');
    assert.equal(req('/').bucket, undefined);
    const loose = s3Conf({ dns_compliant_bucket_names: 'false' });
    assert.equal(parseS3Request({ method: 'GET', path: '/Abc_d/k', query: '', headers: {}, remoteAddr: '127.0.0.1', env: { transId: 'tx' } }, loose).bucket, 'Abc_d');
  });
});
