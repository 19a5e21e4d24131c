/**
 * Encryption at rest against the real thing: our proxy with keymaster +
 * encryption over Debian's Swift 2.30 object and container servers (so its
 * footers go to Swift's object servers and its encrypted listing etags to
 * Swift's container DBs; the account servers, which see nothing encrypted,
 * are swiftly's: a Python server costs ~2.4 s CPU to start), beside
 * Debian's proxy with the same root secret. What either proxy writes the
 * other reads (same key derivation, sysmeta names and crypto-meta format);
 * python-swiftclient's `swift` uploads and downloads byte for byte; Swift's
 * .data files and their `user.swift.metadata` xattrs hold no plaintext.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SwiftCluster } from '../helpers/swift-cluster.js';

const run = promisify(execFile);
const SECRET = randomBytes(32).toString('base64');
const OURS = 'catch_errors gatekeeper healthcheck proxy_logging cache listing_formats tempauth copy slo dlo keymaster encryption proxy-server';
const SWIFTS = 'catch_errors gatekeeper healthcheck proxy-logging cache listing_formats tempauth copy dlo slo keymaster encryption proxy-logging proxy-server';
const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/**
 * Each Swift object file's metadata xattrs (user.swift.metadata, …1, …2),
 * joined, by path: one Python for all files (a python3 start costs ~0.5 s
 * CPU through a version-manager shim, and the files are ~20).
 */
async function xattrs(paths: string[]): Promise<Map<string, Buffer>> {
  const { stdout } = await run('python3', ['-c',
    'import os,sys,json; print(json.dumps({p: b"".join(os.getxattr(p, n) for n in sorted(os.listxattr(p)) if n.startswith("user.swift.metadata")).hex() for p in sys.argv[1:]}))', ...paths],
  { maxBuffer: 64 * 1024 * 1024 });
  return new Map(Object.entries(JSON.parse(stdout) as Record<string, string>).map(([p, hex]) => [p, Buffer.from(hex, 'hex')]));
}

describe('encryption: our proxy and Swift 2.30\'s over Swift storage servers', () => {
  let cluster: SwiftCluster | undefined;
  let work: string | undefined;
  let ours = '';
  let swifts = '';
  const tokens = new Map<string, string>();

  const call = async (base: string, method: string, path: string, opts: { body?: Buffer | string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${base}/v1/AUTH_test${path}`, { method, body: opts.body, headers: { 'x-auth-token': tokens.get(base)!, ...opts.headers } });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
  const swift = async (...args: string[]) => (await run('swift', ['-A', `${ours}/auth/v1.0`, '-U', 'test:tester', '-K', 'testing', ...args], {
    cwd: work!, env: { ...process.env, PYTHONWARNINGS: 'ignore' }, maxBuffer: 64 * 1024 * 1024,
  })).stdout;

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swift', backends: { account: 'swiftly' } });
    const proxy = await cluster.startProxy('', OURS, { keymaster: { encryption_root_secret: SECRET } });
    ours = `http://127.0.0.1:${proxy.port}`;
    tokens.set(ours, await cluster.token());
    swifts = await cluster.startSwiftProxy(SWIFTS, { keymaster: { encryption_root_secret: SECRET } });
    tokens.set(swifts, await cluster.token());
    work = mkdtempSync(join(tmpdir(), 'swiftly-crypt-cli-'));
    assert.equal((await call(ours, 'PUT', '/c')).status, 201);
  });
  after(async () => {
    await cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('`swift upload` and `swift download` round-trip byte for byte, plain and as an SLO; Swift\'s disk holds no plaintext', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(work!, 'blob.bin'), data);
    await swift('upload', 'cli', 'blob.bin', '-H', 'X-Object-Meta-Owner: cli-secret-owner');
    await swift('upload', 'cli', 'blob.bin', '--object-name', 'big.bin', '--use-slo', '--segment-size', '1048576');
    await swift('download', 'cli', 'blob.bin', '-o', 'back.bin');
    await swift('download', 'cli', 'big.bin', '-o', 'big-back.bin');
    assert.deepEqual(readFileSync(join(work!, 'back.bin')), data);
    assert.deepEqual(readFileSync(join(work!, 'big-back.bin')), data);
    const stat = await swift('stat', 'cli', 'blob.bin');
    assert.match(stat, /Meta Owner: cli-secret-owner/);
    assert.match(stat, new RegExp(`ETag: ${md5(data)}`));

    const probe = data.subarray(5000, 5032);
    const dataFiles = cluster!.objectDevices.flatMap((d) => files(d)).filter((f) => f.endsWith('.data'));
    assert.ok(dataFiles.length >= 3);
    const metas = await xattrs(dataFiles);
    for (const f of dataFiles) {
      assert.equal(readFileSync(f).indexOf(probe), -1, `plaintext in ${f}`);
      const meta = metas.get(f) ?? Buffer.alloc(0);
      assert.ok(meta.length > 0, `no metadata xattr on ${f}`);
      assert.equal(meta.indexOf('cli-secret-owner'), -1, 'plaintext metadata in an xattr');
      assert.equal(meta.indexOf(md5(data)), -1, 'plaintext ETag in an xattr');
    }
  });

  it('what our proxy encrypts, Swift\'s proxy decrypts: body, ranges, ETag, metadata, listing', async () => {
    const body = randomBytes(100_000);
    assert.equal((await call(ours, 'PUT', '/c/from-ours', { body, headers: { 'x-object-meta-note': 'written-by-swiftly' } })).status, 201);
    const get = await call(swifts, 'GET', '/c/from-ours');
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, body);
    assert.equal(get.headers.get('etag'), md5(body));
    assert.equal(get.headers.get('x-object-meta-note'), 'written-by-swiftly');
    assert.deepEqual((await call(swifts, 'GET', '/c/from-ours', { headers: { range: 'bytes=12345-54321' } })).body, body.subarray(12345, 54322));
    assert.equal((await call(swifts, 'GET', '/c/from-ours', { headers: { 'if-none-match': md5(body) } })).status, 304);
    const listing = JSON.parse((await call(swifts, 'GET', '/c?format=json&prefix=from-ours')).body.toString()) as { hash: string }[];
    assert.equal(listing[0].hash, md5(body));
  });

  it('what Swift\'s proxy encrypts, ours decrypts: body, ranges (multipart too), ETag, metadata, conditionals, listing', async () => {
    const body = randomBytes(150_001);
    const put = await call(swifts, 'PUT', '/c/from-swift', { body, headers: { 'x-object-meta-note': 'written-by-swift' } });
    assert.equal(put.status, 201);
    const get = await call(ours, 'GET', '/c/from-swift');
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, body);
    assert.equal(get.headers.get('etag'), md5(body));
    assert.equal(get.headers.get('x-object-meta-note'), 'written-by-swift');
    assert.deepEqual((await call(ours, 'GET', '/c/from-swift', { headers: { range: 'bytes=99-70000' } })).body, body.subarray(99, 70001));
    const multi = await call(ours, 'GET', '/c/from-swift', { headers: { range: 'bytes=0-3,150000-' } });
    const boundary = /boundary=(\S+)/.exec(multi.headers.get('content-type') ?? '')![1];
    const parts = multi.body.toString('latin1').split(`--${boundary}`).slice(1, -1)
      .map((p) => Buffer.from(p.slice(p.indexOf('\r\n\r\n') + 4, -2), 'latin1'));
    assert.deepEqual(parts, [body.subarray(0, 4), body.subarray(150000)]);
    assert.equal((await call(ours, 'GET', '/c/from-swift', { headers: { 'if-match': md5(body) } })).status, 200);
    assert.equal((await call(ours, 'HEAD', '/c/from-swift', { headers: { 'if-match': md5('x') } })).status, 412);
    const listing = JSON.parse((await call(ours, 'GET', '/c?format=json&prefix=from-swift')).body.toString()) as { hash: string }[];
    assert.equal(listing[0].hash, md5(body));
  });
});
