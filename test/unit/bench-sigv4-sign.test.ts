/**
 * The bench's S3 load generator signs like a real client: its SigV4 header
 * signature matches AWS's published examples (S3 API reference, "Signature
 * Calculations for the Authorization Header", GET Bucket Lifecycle and GET
 * Bucket list objects); both need the canonical request built as S3 does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_SHA256, signV4, sigv4Encode } from '../../bench/load/sigv4-sign.js';

const AWS = { accessKey: 'AKIAIOSFODNN7EXAMPLE', secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', region: 'us-east-1' };
const WHEN = new Date(Date.UTC(2013, 4, 24));
const HOST = 'examplebucket.s3.amazonaws.com';

describe('bench SigV4 signer', () => {
  it("signs AWS's GET Bucket Lifecycle example", () => {
    const h = signV4(AWS, 'GET', HOST, '/', { lifecycle: '' }, EMPTY_SHA256, WHEN);
    assert.equal(h['x-amz-date'], '20130524T000000Z');
    assert.equal(h.authorization,
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, ' +
      'Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  });

  it("signs AWS's list objects example (query sorted and encoded)", () => {
    const h = signV4(AWS, 'GET', HOST, '/', { prefix: 'J', 'max-keys': '2' }, EMPTY_SHA256, WHEN);
    assert.match(h.authorization, /Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7$/);
  });

  it('encodes paths as SigV4 does', () => {
    assert.equal(sigv4Encode("/b/a b/(x)*!'~", true), '/b/a%20b/%28x%29%2A%21%27~');
    assert.equal(sigv4Encode('a/b'), 'a%2Fb');
  });
});
