/**
 * S3's checksum algorithms against their published check values (the
 * digest of "123456789"), CRC combination against the CRC of the joined
 * bytes, multipart COMPOSITE / FULL_OBJECT values, a request's checksum
 * headers checked for form, and the body check that holds its last chunk
 * back until the digest is known good.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CHECKSUM_ALGORITHMS, checksumAlgorithm, checksumOf, ChecksumCheck, multipartChecksum, requestChecksum,
} from '../../proxy/s3/checksum/index.js';
import { crcCombine } from '../../proxy/s3/checksum/crc-combine.js';
import { S3Error } from '../../proxy/s3/errors.js';
import type { S3Signature } from '../../proxy/s3/auth/index.js';

const alg = (name: string) => checksumAlgorithm(name)!;
const hex = async (name: string, data: Buffer) => (await checksumOf(alg(name), data)).toString('hex');
const UNSIGNED = { accessKey: 'k', verify: () => true, payload: { kind: 'unsigned' } } as unknown as S3Signature;
const TRAILER = { accessKey: 'k', verify: () => true, payload: { kind: 'streaming', mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' } } as unknown as S3Signature;

describe('S3 checksums', () => {
  it('digests "123456789" to each algorithm\'s check value, whole or in pieces', async () => {
    const check = Buffer.from('123456789');
    assert.equal(await hex('CRC32', check), 'cbf43926');
    assert.equal(await hex('CRC32C', check), 'e3069283');
    assert.equal(await hex('CRC64NVME', check), 'ae8b14860a799888');
    assert.equal(await hex('SHA1', check), 'f7c3bc1d808e04732adf679965ccc34ca7ae3441');
    assert.equal(await hex('SHA256', check), '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225');
    const data = randomBytes(100_003);
    for (const a of CHECKSUM_ALGORITHMS) {
      const d = a.create();
      for (let i = 0; i < data.length; i += 7919) d.update(data.subarray(i, i + 7919));
      assert.deepEqual(await d.digest(), await checksumOf(a, data), a.name);
    }
  });

  it('combines CRCs: crc(A‖B) from crc(A), crc(B) and len(B)', async () => {
    for (const a of CHECKSUM_ALGORITHMS.filter((x) => x.crc)) {
      for (const [la, lb] of [[0, 5], [5, 0], [1, 1], [1000, 12345], [70000, 3]]) {
        const A = randomBytes(la);
        const B = randomBytes(lb);
        const n = async (b: Buffer) => BigInt(`0x${(await checksumOf(a, b)).toString('hex')}`);
        assert.equal(crcCombine(await n(A), await n(B), lb, a.crc!.poly, a.crc!.width), await n(Buffer.concat([A, B])), `${a.name} ${la}+${lb}`);
      }
    }
  });

  it('builds multipart checksums: COMPOSITE is the checksum of the parts\' raw checksums, -N; FULL_OBJECT the whole object\'s CRC', async () => {
    const parts = [randomBytes(5000), randomBytes(333), randomBytes(1)];
    const sums = await Promise.all(parts.map(async (p) => ({ value: (await checksumOf(alg('SHA256'), p)).toString('base64'), size: p.length })));
    const raw = Buffer.concat(sums.map((s) => Buffer.from(s.value, 'base64')));
    assert.equal(await multipartChecksum({ algorithm: alg('SHA256'), type: 'COMPOSITE' }, sums), `${(await checksumOf(alg('SHA256'), raw)).toString('base64')}-3`);
    for (const name of ['CRC32', 'CRC32C', 'CRC64NVME']) {
      const crcs = await Promise.all(parts.map(async (p) => ({ value: (await checksumOf(alg(name), p)).toString('base64'), size: p.length })));
      assert.equal(await multipartChecksum({ algorithm: alg(name), type: 'FULL_OBJECT' }, crcs), (await checksumOf(alg(name), Buffer.concat(parts))).toString('base64'), name);
    }
  });

  it('reads a request\'s checksum headers, refusing malformed or conflicting ones with InvalidRequest', () => {
    const crc = 'yZRlqg==';
    assert.deepEqual(requestChecksum({ 'x-amz-checksum-crc32': crc }, UNSIGNED), { algorithm: alg('CRC32'), value: crc, trailer: false });
    assert.deepEqual(requestChecksum({ 'x-amz-trailer': 'x-amz-checksum-crc64nvme', 'x-amz-sdk-checksum-algorithm': 'CRC64NVME' }, TRAILER), { algorithm: alg('CRC64NVME'), trailer: true });
    assert.equal(requestChecksum({}, UNSIGNED), undefined);
    const refused = (h: Record<string, string>, sig = UNSIGNED) => {
      try {
        requestChecksum(h, sig);
      } catch (err) {
        return err instanceof S3Error ? `${err.code}: ${err.message}` : String(err);
      }
      return 'accepted';
    };
    assert.equal(refused({ 'x-amz-checksum-crc32': 'nope' }), 'InvalidRequest: Value for x-amz-checksum-crc32 header is invalid.');
    assert.equal(refused({ 'x-amz-checksum-sha1': crc }), 'InvalidRequest: Value for x-amz-checksum-sha1 header is invalid.');
    assert.match(refused({ 'x-amz-checksum-crc32': crc, 'x-amz-checksum-crc32c': crc }), /^InvalidRequest: Expecting a single x-amz-checksum- header/);
    assert.match(refused({ 'x-amz-checksum-crc32': crc, 'x-amz-sdk-checksum-algorithm': 'SHA256' }), /^InvalidRequest: Value for x-amz-sdk-checksum-algorithm/);
    assert.match(refused({ 'x-amz-sdk-checksum-algorithm': 'CRC32' }), /no corresponding x-amz-checksum-\* or x-amz-trailer/);
    assert.match(refused({ 'x-amz-trailer': 'x-amz-checksum-md5' }, TRAILER), /x-amz-trailer header is not supported/);
    assert.match(refused({ 'x-amz-trailer': 'x-amz-checksum-crc32' }), /^InvalidRequest: /);
  });

  it('holds the body\'s last chunk back until the digest matches; a mismatch fails the stream before it', async () => {
    const chunks = [Buffer.from('aaaa'), Buffer.from('bbbb'), Buffer.from('cccc')];
    const run = async (value: string) => {
      const check = new ChecksumCheck({ algorithm: alg('CRC32'), value, trailer: false }, () => undefined);
      const seen: string[] = [];
      const sink = new Writable({ write: (c: Buffer, _e, done) => { seen.push(c.toString()); done(); } });
      const err = await pipeline(Readable.from(chunks), check, sink).then(() => undefined, (e: Error) => e);
      return { seen, err: err?.message, failure: check.failure?.code, value: check.value };
    };
    const good = (await checksumOf(alg('CRC32'), Buffer.concat(chunks))).toString('base64');
    assert.deepEqual(await run(good), { seen: ['aaaa', 'bbbb', 'cccc'], err: undefined, failure: undefined, value: good });
    assert.deepEqual(await run('AAAAAA=='), { seen: ['aaaa', 'bbbb'], err: 'The CRC32 you specified did not match the calculated checksum.', failure: 'BadDigest', value: undefined });
  });
});
