/**
 * SigV4 in the Authorization header as the server reads it, with the
 * bench's signer (bench/load/sigv4-sign.ts, s3-signed.ts) on the other
 * side: the signatures the S3 workloads compute ahead verify, a path sent
 * with escapes verifies against the SigV4-normalised path a client signed,
 * and malformed Authorization values are AuthorizationHeaderMalformed.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3Conf } from '../../proxy/s3/conf.js';
import { parseS3Request } from '../../proxy/s3/request.js';
import { readSignature } from '../../proxy/s3/auth/index.js';
import { S3Error } from '../../proxy/s3/errors.js';
import type { SwiftRequest } from '../../proxy/types.js';
import { EMPTY_SHA256, v4Signer, type S3Credentials } from '../../bench/load/sigv4-sign.js';
import { signS3Job } from '../../bench/load/s3-signed.js';

const CREDS: S3Credentials = { accessKey: 'admin:admin', secretKey: 'admin', region: 'us-east-1' };
const HOST = '127.0.0.1:20000';
const conf = s3Conf({});
const NOW = new Date('2026-12-05T10:00:00Z');

function request(method: string, path: string, headers: Record<string, string>): SwiftRequest {
  return { method, path, query: '', headers: { host: HOST, ...headers }, remoteAddr: '127.0.0.1', env: { transId: 'tx' } };
}

/** Whether the server takes `authorization` (with the signer's dated headers) for `path`. */
function verifies(method: string, path: string, headers: Record<string, string>, secret = CREDS.secretKey): boolean {
  return readSignature(parseS3Request(request(method, path, headers), conf), conf, NOW.getTime()).verify(secret);
}

const malformed = (e: unknown): boolean => e instanceof S3Error && e.code === 'AuthorizationHeaderMalformed';

describe('SigV4 Authorization header', () => {
  const signer = v4Signer(CREDS, 'GET', HOST, EMPTY_SHA256, NOW);
  const signed = (signedPath: string) => ({ ...signer.headers, authorization: signer.authorizationPrefix + signer.signature(signedPath) });

  it('a signature of the path as sent verifies; with another secret or path it does not', () => {
    assert.equal(verifies('GET', '/bench/s3-r1c128-2-17', signed('/bench/s3-r1c128-2-17')), true);
    assert.equal(verifies('GET', '/bench/s3-r1c128-2-17', signed('/bench/s3-r1c128-2-17'), 'other'), false);
    assert.equal(verifies('GET', '/bench/s3-r1c128-2-18', signed('/bench/s3-r1c128-2-17')), false);
  });

  it('a path sent with escapes verifies against the normalised path the client signed, and against itself', () => {
    // `~` needs no escape in SigV4; a client may send %7E and sign `~`.
    assert.equal(verifies('GET', '/bench/%7Ekey', signed('/bench/~key')), true);
    assert.equal(verifies('GET', '/bench/%7Ekey', signed('/bench/%7Ekey')), true);
    assert.equal(verifies('GET', '/bench/%7Ekey', signed('/bench/%7ekey')), false);
  });

  it('fields with or without spaces after the commas; the last of a name wins', () => {
    const sig = signer.signature('/bench/k');
    const [credential] = /Credential=[^,]+/.exec(signer.authorizationPrefix)!;
    const compact = `AWS4-HMAC-SHA256 ${credential},SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=${sig}`;
    assert.equal(verifies('GET', '/bench/k', { ...signer.headers, authorization: compact }), true);
    assert.equal(verifies('GET', '/bench/k', { ...signer.headers, authorization: `${compact.replace(sig, '0'.repeat(64))}, Signature=${sig}` }), true);
  });

  it("a signed header's value as SigV4 canonicalizes it: trimmed, each run of white space (a lone tab too) one space", () => {
    const spaced = v4Signer(CREDS, 'GET', 'a b', EMPTY_SHA256, NOW);
    const sent = (host: string) => verifies('GET', '/bench/k', { ...spaced.headers, host, authorization: spaced.authorizationPrefix + spaced.signature('/bench/k') });
    for (const host of ['a b', ' a b\t', 'a\tb', 'a  \t b', 'a\xa0b']) assert.equal(sent(host), true, JSON.stringify(host));
    for (const host of ['ab', 'a b c', 'a_b']) assert.equal(sent(host), false, JSON.stringify(host));
  });

  it('a signature not in lower-case hex of 64 digits does not verify (and does not throw)', () => {
    const sig = signer.signature('/bench/k');
    for (const bad of [sig.toUpperCase(), sig.slice(0, 62), `${sig}00`, `${sig.slice(0, 63)}g`, 'zz'.repeat(32)]) {
      assert.equal(verifies('GET', '/bench/k', { ...signer.headers, authorization: signer.authorizationPrefix + bad }), false, bad);
    }
  });

  it("each request's credential is its own: users and days alternating", () => {
    const tester = v4Signer({ ...CREDS, accessKey: 'test:tester', secretKey: 'testing' }, 'GET', HOST, EMPTY_SHA256, NOW);
    const before = v4Signer(CREDS, 'GET', HOST, EMPTY_SHA256, new Date(NOW.getTime() - 600_000));
    const yesterday = v4Signer(CREDS, 'GET', HOST, EMPTY_SHA256, new Date(NOW.getTime() - 86_400_000));
    const check = (s: typeof signer, secret: string) => {
      const sig = readSignature(parseS3Request(request('GET', '/bench/k', { ...s.headers, authorization: s.authorizationPrefix + s.signature('/bench/k') }), conf), conf, NOW.getTime());
      return [sig.accessKey, sig.v4?.scope, sig.verify(secret)];
    };
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(check(signer, 'admin'), ['admin:admin', '20261205/us-east-1/s3/aws4_request', true]);
      assert.deepEqual(check(tester, 'testing'), ['test:tester', '20261205/us-east-1/s3/aws4_request', true]);
      assert.deepEqual(check(tester, 'admin'), ['test:tester', '20261205/us-east-1/s3/aws4_request', false]);
      assert.deepEqual(check(before, 'admin'), ['admin:admin', '20261205/us-east-1/s3/aws4_request', true]);
      // A day-old request is refused for its time, whatever was read before.
      assert.throws(() => check(yesterday, 'admin'), (e: unknown) => e instanceof S3Error && e.code === 'RequestTimeTooSkewed');
    }
  });

  it('malformed Authorization values', () => {
    const sig = signer.signature('/bench/k');
    const good = signer.authorizationPrefix + sig;
    for (const bad of [
      'AWS4-HMAC-SHA256',
      'AWS4-HMAC-SHA256 ',
      `${good},`,
      good.replace(', SignedHeaders=', ', SignedHeaders '),
      good.replace(/, Signature=.*/, ''),
      good.replace(/Credential=[^,]+, /, ''),
      good.replace('/aws4_request', '/aws4_reqest'),
    ]) {
      assert.throws(() => verifies('GET', '/bench/k', { ...signer.headers, authorization: bad }), malformed, bad);
    }
  });
});

describe("the bench's S3 signatures, computed ahead (s3-signed.ts)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftly-s3-signed-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The file's lines as path → signature, and the headers to send with them. */
  function sign(job: Parameters<typeof signS3Job>[0], threads: number) {
    const s = signS3Job(job, threads, dir);
    const lines = readFileSync(s.file, 'utf8').trim().split('\n').map((l) => l.split(' ') as [string, string]);
    return { ...s, lines };
  }

  it('a GET of each name its PUT made: every line verifies', () => {
    const job = { url: `http://${HOST}`, mode: 'pick' as const, method: 'GET', path: '/bench/s3-r1c32-', counts: [3, 2], connections: 32, seconds: 15, s3: { credentials: CREDS } };
    const s = sign(job, 2);
    assert.deepEqual(s.lines.map(([p]) => p), ['/bench/s3-r1c32-1-1', '/bench/s3-r1c32-1-2', '/bench/s3-r1c32-1-3', '/bench/s3-r1c32-2-1', '/bench/s3-r1c32-2-2']);
    assert.equal(s.limit, undefined);
    for (const [path, sig] of s.lines) {
      const { Authorization, Host, ...dated } = s.headers;
      assert.equal(Host, HOST);
      // Within the 15 minutes' skew of now: readSignature is given the real clock here.
      const req = parseS3Request(request('GET', path, { ...dated, authorization: Authorization + sig }), conf);
      assert.equal(readSignature(req, conf, Date.now()).verify(CREDS.secretKey), true, path);
    }
  });

  it("a PUT: names per wrk thread up to its limit, signed with the hash of wrk's body (`x` × size)", () => {
    const job = { url: `http://${HOST}`, mode: 'put' as const, method: 'PUT', path: '/bench/s3-r1c32-', bodySize: 4096, connections: 32, seconds: 0.004, s3: { credentials: CREDS } };
    const s = sign(job, 2);
    assert.equal(s.limit, 4);
    assert.deepEqual(s.lines.map(([p]) => p), [1, 2].flatMap((t) => [1, 2, 3, 4].map((n) => `/bench/s3-r1c32-${t}-${n}`)));
    assert.equal(s.headers['x-amz-content-sha256'], createHash('sha256').update('x'.repeat(4096)).digest('hex'));
    const { Authorization, Host: _host, ...dated } = s.headers;
    const [path, sig] = s.lines[5];
    const req = parseS3Request(request('PUT', path, { ...dated, 'content-length': '4096', authorization: Authorization + sig }), conf);
    assert.equal(readSignature(req, conf, Date.now()).verify(CREDS.secretKey), true);
  });
});
