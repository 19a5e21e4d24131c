/**
 * S3 signatures against AWS's own published examples (the S3 API
 * reference's SigV4 "GET Object", presigned URL and chunked-upload
 * examples), so a pass means the canonicalisation matches the service, not
 * merely itself: header and query signatures, the aws-chunked body's chained
 * chunk signatures, a corrupted chunk, and plain chunks with a trailer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { s3Conf } from '../../proxy/s3/conf.js';
import { parseS3Request } from '../../proxy/s3/request.js';
import { readSignature, signingKey } from '../../proxy/s3/auth/index.js';
import { AwsChunkedDecoder } from '../../proxy/s3/aws-chunked.js';
import { S3Error } from '../../proxy/s3/errors.js';
import type { SwiftRequest } from '../../proxy/types.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AT = Date.UTC(2013, 4, 24);
const conf = s3Conf({ storage_domain: 's3.amazonaws.com' });

function request(method: string, url: string, headers: Record<string, string>): SwiftRequest {
  const q = url.indexOf('?');
  return { method, path: q === -1 ? url : url.slice(0, q), query: q === -1 ? '' : url.slice(q + 1), headers, remoteAddr: '127.0.0.1', env: { transId: 'tx' } };
}

describe('S3 signatures: AWS published examples', () => {
  it('SigV4 header: GET Object with a Range (virtual-hosted bucket)', () => {
    const req = parseS3Request(request('GET', '/test.txt', {
      host: 'examplebucket.s3.amazonaws.com',
      range: 'bytes=0-9',
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-amz-date': '20130524T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    }), conf);
    assert.equal(req.bucket, 'examplebucket');
    assert.equal(req.key, 'test.txt');
    const sig = readSignature(req, conf, AT);
    assert.equal(sig.accessKey, 'AKIAIOSFODNN7EXAMPLE');
    assert.equal(sig.verify(SECRET), true);
    assert.equal(sig.verify('not the secret'), false);
    // 20 minutes later the same request is too far from the server's clock.
    assert.throws(() => readSignature(req, conf, AT + 20 * 60_000), (e: unknown) => e instanceof S3Error && e.code === 'RequestTimeTooSkewed');
  });

  it('SigV4 presigned URL', () => {
    const url = '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    const req = parseS3Request(request('GET', url, { host: 'examplebucket.s3.amazonaws.com' }), conf);
    assert.equal(readSignature(req, conf, AT + 3600_000).verify(SECRET), true);
    const tampered = parseS3Request(request('GET', url.replace('test.txt', 'other.txt'), { host: 'examplebucket.s3.amazonaws.com' }), conf);
    assert.equal(readSignature(tampered, conf, AT).verify(SECRET), false);
    assert.throws(() => readSignature(req, conf, AT + 86401_000), (e: unknown) => e instanceof S3Error && e.code === 'AccessDenied' && /expired/.test(e.message));
  });

  const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
  const CHUNKS: [number, string][] = [
    [65536, 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648'],
    [1024, '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497'],
    [0, 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9'],
  ];
  const chunkedBody = (corrupt = false) => {
    const parts: Buffer[] = [];
    for (const [size, sig] of CHUNKS) {
      const data = Buffer.alloc(size, 'a');
      if (corrupt && size === 1024) data[10] = 0x62;
      parts.push(Buffer.from(`${size.toString(16)};chunk-signature=${sig}\r\n`), data, Buffer.from('\r\n'));
    }
    return Buffer.concat(parts);
  };
  const streamingRequest = () => parseS3Request(request('PUT', '/examplebucket/chunkObject.txt', {
    host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${SEED}`,
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560',
    'content-length': '66824',
  }), s3Conf({}));

  /** Decodes `body` fed in `piece`-byte writes; the decoded bytes or the S3 error code. */
  async function decode(decoder: AwsChunkedDecoder, body: Buffer, piece: number): Promise<Buffer | string> {
    const pieces: Buffer[] = [];
    for (let i = 0; i < body.length; i += piece) pieces.push(body.subarray(i, i + piece));
    const out: Buffer[] = [];
    try {
      await pipeline(Readable.from(pieces), decoder, async function* (src) {
        for await (const c of src) out.push(c as Buffer);
      });
    } catch (err) {
      return err instanceof S3Error ? err.code : String(err);
    }
    return Buffer.concat(out);
  }

  it('aws-chunked with chunk signatures: the seed, each chunk, in any write sizes; a changed byte fails', async () => {
    const req = streamingRequest();
    const sig = readSignature(req, s3Conf({}), AT);
    assert.deepEqual(sig.payload, { kind: 'streaming', mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' });
    assert.equal(sig.verify(SECRET), true, 'the seed signature');
    assert.deepEqual(sig.v4!.signingKey, signingKey(SECRET, '20130524', 'us-east-1', 's3'));
    for (const piece of [1, 7, 4096, 70000]) {
      const got = await decode(new AwsChunkedDecoder(sig, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 66560), chunkedBody(), piece);
      assert.ok(Buffer.isBuffer(got) && got.equals(Buffer.alloc(66560, 'a')), `write size ${piece}`);
    }
    assert.equal(await decode(new AwsChunkedDecoder(sig, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 66560), chunkedBody(true), 4096), 'SignatureDoesNotMatch');
    assert.equal(await decode(new AwsChunkedDecoder(sig, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 66560), chunkedBody().subarray(0, 66000), 4096), 'IncompleteBody');
    assert.equal(await decode(new AwsChunkedDecoder(sig, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 66561), chunkedBody(), 4096), 'IncompleteBody');
  });

  it('aws-chunked unsigned with a trailer: the data, and the trailing checksum header kept', async () => {
    const sig = { accessKey: 'k', verify: () => true, payload: { kind: 'streaming' as const, mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' } };
    const body = Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
    const decoder = new AwsChunkedDecoder(sig, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 11);
    const got = await decode(decoder, body, 3);
    assert.ok(Buffer.isBuffer(got));
    assert.equal(got.toString(), 'hello world');
    assert.deepEqual(decoder.trailers, { 'x-amz-checksum-crc32': 'DUoRhQ==' });
    const bad = Buffer.from('5\r\nhello\r\nzz\r\n');
    assert.equal(await decode(new AwsChunkedDecoder(sig, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 5), bad, 4), 'InvalidRequest');
  });
});
