/**
 * Encryption at rest (keymaster + encryption) through our proxy over
 * swiftly storage nodes: what clients see is what they sent (bodies,
 * ranges, metadata, ETags, listings, conditionals, COPY, SLO), while the
 * object files on disk hold neither the body nor the metadata in the
 * clear; objects stored before encryption still read; root secret
 * rotation, a lost or changed secret, and disable_encryption.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SwiftCluster } from '../helpers/swift-cluster.js';

const SECRET_A = randomBytes(32).toString('base64');
const SECRET_B = randomBytes(48).toString('base64');
const PIPELINE = 'catch_errors gatekeeper healthcheck proxy_logging cache listing_formats tempauth copy slo dlo versioned_writes symlink keymaster encryption proxy-server';
const PLAIN_PIPELINE = PIPELINE.replace(' keymaster encryption', '');
const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

/** Every file under `dir`. */
function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

describe('encryption at rest through the proxy', () => {
  let cluster: SwiftCluster | undefined;
  let base = '';
  let token = '';

  /** Starts a proxy with these keymaster/encryption options and uses it from now on. */
  const useProxy = async (keymaster: Record<string, string> | undefined, encryption: Record<string, string> = {}) => {
    const proxy = await cluster!.startProxy('', keymaster ? PIPELINE : PLAIN_PIPELINE, keymaster ? { keymaster, encryption } : {});
    base = `http://127.0.0.1:${proxy.port}/v1/AUTH_test`;
    token = await cluster!.token();
    return proxy;
  };
  const call = async (method: string, path: string, opts: { body?: Buffer | string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${base}${path}`, { method, body: opts.body, headers: { 'x-auth-token': token, ...opts.headers } });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
  /** The .data/.meta files of every object node, as bytes. */
  const onDisk = () => cluster!.objectDevices.flatMap((d) => files(d)).filter((f) => /\.(data|meta)$/.test(f)).map((f) => readFileSync(f));
  const containerDbs = () => cluster!.nodes.filter((n) => n.kind === 'container').flatMap((n) => files(join(cluster!.dir, `node${n.index}`)))
    .filter((f) => /containers\/.*\.db(-wal)?$/.test(f)).map((f) => readFileSync(f));

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly' });
    await useProxy({ encryption_root_secret: SECRET_A });
    assert.equal((await call('PUT', '/c')).status, 201);
  });
  after(() => cluster?.stop());

  const body = randomBytes(200_003);
  const secretMeta = 'the-colour-is-heliotrope';

  it('PUT, GET and HEAD give back the body, ETag and metadata; the disk holds neither in the clear', async () => {
    const put = await call('PUT', '/c/o1', { body, headers: { 'x-object-meta-colour': secretMeta, 'content-type': 'application/x-test', etag: md5(body) } });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('etag'), md5(body));
    const get = await call('GET', '/c/o1');
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, body);
    assert.equal(get.headers.get('etag'), md5(body));
    assert.equal(get.headers.get('x-object-meta-colour'), secretMeta);
    assert.equal(get.headers.get('content-length'), String(body.length));
    for (const name of get.headers.keys()) assert.doesNotMatch(name, /crypto/, `${name} leaked to the client`);
    const head = await call('HEAD', '/c/o1');
    assert.equal(head.headers.get('etag'), md5(body));
    assert.equal(head.headers.get('x-object-meta-colour'), secretMeta);

    // The PUT was answered at a quorum of two; the third replica may land a moment later on a busy machine.
    for (const until = Date.now() + 10_000; onDisk().length < 3 && Date.now() < until;) await new Promise((r) => setTimeout(r, 100));
    const stored = onDisk();
    assert.ok(stored.length >= 3, 'three replicas on disk');
    const probe = body.subarray(1000, 1032);
    for (const f of stored) {
      assert.equal(f.indexOf(probe), -1, 'plaintext body on disk');
      assert.equal(f.indexOf(secretMeta), -1, 'plaintext metadata on disk');
      assert.equal(f.indexOf(md5(body)), -1, 'plaintext ETag on disk');
      assert.notEqual(f.indexOf('X-Object-Sysmeta-Crypto-Body-Meta'), -1);
    }
  });

  it('a PUT whose ETag is not the body\'s is 422 and stores nothing', async () => {
    const put = await call('PUT', '/c/bad-etag', { body: 'abc', headers: { etag: md5('abd') } });
    assert.equal(put.status, 422);
    assert.equal((await call('HEAD', '/c/bad-etag')).status, 404);
  });

  it('ranges decrypt from any offset, one range or several (multipart/byteranges)', async () => {
    for (const [s, e] of [[0, 0], [1, 16], [17, 33], [65530, 131100], [199_990, 200_002]]) {
      const r = await call('GET', '/c/o1', { headers: { range: `bytes=${s}-${e}` } });
      assert.equal(r.status, 206);
      assert.deepEqual(r.body, body.subarray(s, e + 1), `bytes ${s}-${e}`);
    }
    const suffix = await call('GET', '/c/o1', { headers: { range: 'bytes=-7' } });
    assert.deepEqual(suffix.body, body.subarray(-7));
    const multi = await call('GET', '/c/o1', { headers: { range: 'bytes=3-9,70000-70100,199999-' } });
    assert.equal(multi.status, 206);
    const boundary = /boundary=(\S+)/.exec(multi.headers.get('content-type') ?? '')![1];
    const parts = multi.body.toString('latin1').split(`--${boundary}`).slice(1, -1)
      .map((p) => Buffer.from(p.slice(p.indexOf('\r\n\r\n') + 4, -2), 'latin1'));
    assert.deepEqual(parts, [body.subarray(3, 10), body.subarray(70000, 70101), body.subarray(199999)]);
    assert.equal(Number(multi.headers.get('content-length')), multi.body.length);
  });

  it('If-Match and If-None-Match compare the plaintext ETag', async () => {
    assert.equal((await call('GET', '/c/o1', { headers: { 'if-match': `"${md5(body)}"` } })).status, 200);
    assert.equal((await call('GET', '/c/o1', { headers: { 'if-match': md5('other') } })).status, 412);
    const nm = await call('GET', '/c/o1', { headers: { 'if-none-match': md5(body) } });
    assert.equal(nm.status, 304);
    assert.equal(nm.headers.get('etag'), md5(body));
    assert.equal((await call('HEAD', '/c/o1', { headers: { 'if-none-match': '*' } })).status, 304);
    assert.equal((await call('GET', '/c/o1', { headers: { 'if-none-match': md5('other') } })).status, 200);
  });

  it('POST replaces the metadata, stored encrypted', async () => {
    assert.equal((await call('POST', '/c/o1', { headers: { 'x-object-meta-mood': 'posted-secret-value' } })).status, 202);
    const head = await call('HEAD', '/c/o1');
    assert.equal(head.headers.get('x-object-meta-mood'), 'posted-secret-value');
    assert.equal(head.headers.get('x-object-meta-colour'), null);
    for (const f of onDisk()) assert.equal(f.indexOf('posted-secret-value'), -1);
  });

  it('listings show the plaintext ETags (JSON and XML) while the container DBs hold them encrypted', async () => {
    const json = JSON.parse((await call('GET', '/c?format=json')).body.toString()) as { name: string; hash: string }[];
    assert.equal(json.find((r) => r.name === 'o1')?.hash, md5(body));
    const xml = (await call('GET', '/c?format=xml')).body.toString();
    assert.match(xml, new RegExp(`<hash>${md5(body)}</hash><name>o1</name>`));
    for (const db of containerDbs()) assert.equal(db.indexOf(md5(body)), -1, 'plaintext ETag in a container DB');
  });

  it('COPY decrypts the source and encrypts the copy', async () => {
    assert.equal((await call('PUT', '/c/o1-copy', { body: '', headers: { 'x-copy-from': '/c/o1' } })).status, 201);
    const get = await call('GET', '/c/o1-copy');
    assert.deepEqual(get.body, body);
    assert.equal(get.headers.get('etag'), md5(body));
    assert.equal(get.headers.get('x-object-meta-mood'), 'posted-secret-value');
  });

  it('an SLO over encrypted segments reads whole and by range', async () => {
    const segs = [randomBytes(1_048_576 + 5), randomBytes(700_001)];
    for (const [i, s] of segs.entries()) assert.equal((await call('PUT', `/c/seg${i}`, { body: s })).status, 201);
    const manifest = JSON.stringify(segs.map((s, i) => ({ path: `/c/seg${i}`, etag: md5(s), size_bytes: s.length })));
    assert.equal((await call('PUT', '/c/big?multipart-manifest=put', { body: manifest })).status, 201);
    const whole = Buffer.concat(segs);
    const get = await call('GET', '/c/big');
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, whole);
    const r = await call('GET', '/c/big', { headers: { range: 'bytes=1048570-1048590' } });
    assert.deepEqual(r.body, whole.subarray(1048570, 1048591));
    const listed = JSON.parse((await call('GET', '/c?format=json&prefix=big')).body.toString()) as { hash: string; bytes: number }[];
    assert.equal(listed[0].bytes, whole.length);
    assert.match(listed[0].hash, /^[0-9a-f]{32}$/);
  });

  it('a client that goes away mid-body, whole or ranged, leaves the proxy serving', async () => {
    const big = randomBytes(8 * 1024 * 1024);
    assert.equal((await call('PUT', '/c/big-abort', { body: big })).status, 201);
    for (const range of [undefined, 'bytes=1-3,5-8000000']) {
      const ac = new AbortController();
      const res = await fetch(`${base}/c/big-abort`, { headers: { 'x-auth-token': token, ...(range ? { range } : {}) }, signal: ac.signal });
      const reader = res.body!.getReader();
      await reader.read();
      ac.abort();
      await reader.read().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual((await call('GET', '/c/big-abort', { headers: { range: 'bytes=100-199' } })).body, big.subarray(100, 200));
  });

  it('a DLO whose manifest has an encrypted body of its own: HEAD and GET (dlo drops that body unread)', async () => {
    for (const [n, b] of [['1', 'aaa'], ['2', 'bbb']]) assert.equal((await call('PUT', `/c/dlo-seg/${n}`, { body: b })).status, 201);
    assert.equal((await call('PUT', '/c/dlo-man', { body: 'manifest-content', headers: { 'x-object-manifest': 'c/dlo-seg/' } })).status, 201);
    for (let i = 0; i < 3; i++) {
      const head = await call('HEAD', '/c/dlo-man');
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), '6');
    }
    assert.equal((await call('GET', '/c/dlo-man')).body.toString(), 'aaabbb');
    // Several ranges: the manifest's body comes straight from the node's connection.
    for (let i = 0; i < 3; i++) {
      const r = await call('GET', '/c/dlo-man', { headers: { range: 'bytes=0-1,4-5' } });
      assert.equal(r.status, 200); // a DLO answers several ranges whole, as Swift's
      assert.equal(r.body.toString(), 'aaabbb');
    }
    assert.equal((await call('GET', '/c/dlo-man?multipart-manifest=get')).body.toString(), 'manifest-content');
  });

  it('objects stored before encryption was enabled still read, list and take conditionals', async () => {
    await useProxy(undefined);
    assert.equal((await call('PUT', '/c/plain', { body: 'stored in the clear', headers: { 'x-object-meta-kind': 'clear' } })).status, 201);
    await useProxy({ encryption_root_secret: SECRET_A });
    const get = await call('GET', '/c/plain');
    assert.equal(get.body.toString(), 'stored in the clear');
    assert.equal(get.headers.get('etag'), md5('stored in the clear'));
    assert.equal(get.headers.get('x-object-meta-kind'), 'clear');
    assert.equal((await call('GET', '/c/plain', { headers: { range: 'bytes=10-' } })).body.toString(), 'the clear');
    assert.equal((await call('GET', '/c/plain', { headers: { 'if-match': md5('stored in the clear') } })).status, 200);
    assert.equal((await call('GET', '/c/plain', { headers: { 'if-none-match': md5('stored in the clear') } })).status, 304);
    const json = JSON.parse((await call('GET', '/c?format=json&prefix=plain')).body.toString()) as { hash: string }[];
    assert.equal(json[0].hash, md5('stored in the clear'));
  });

  it('a rotated root secret: old objects read with the old secret kept, new ones use the new; without the old, 500 and <unknown>', async () => {
    await useProxy({ encryption_root_secret: SECRET_A, encryption_root_secret_b: SECRET_B, active_root_secret_id: 'b' });
    assert.equal((await call('PUT', '/c/rotated', { body: 'written under b' })).status, 201);
    assert.deepEqual((await call('GET', '/c/o1')).body, body);
    assert.equal((await call('GET', '/c/rotated')).body.toString(), 'written under b');
    assert.equal((await call('GET', '/c/o1', { headers: { 'if-match': md5(body) } })).status, 200);
    assert.equal((await call('GET', '/c/rotated', { headers: { 'if-none-match': md5('written under b') } })).status, 304);
    const both = JSON.parse((await call('GET', '/c?format=json')).body.toString()) as { name: string; hash: string }[];
    assert.equal(both.find((r) => r.name === 'o1')?.hash, md5(body));
    assert.equal(both.find((r) => r.name === 'rotated')?.hash, md5('written under b'));

    await useProxy({ encryption_root_secret_b: SECRET_B, active_root_secret_id: 'b' });
    assert.equal((await call('GET', '/c/rotated')).body.toString(), 'written under b');
    const lost = await call('GET', '/c/o1');
    assert.equal(lost.status, 500);
    assert.equal(lost.body.toString(), 'Error decrypting object');
    const listing = JSON.parse((await call('GET', '/c?format=json')).body.toString()) as { name: string; hash: string }[];
    assert.equal(listing.find((r) => r.name === 'o1')?.hash, '<unknown>');
    assert.equal(listing.find((r) => r.name === 'rotated')?.hash, md5('written under b'));
  });

  it('a changed root secret under the same id is a 500, never wrong bytes', async () => {
    const proxy = await useProxy({ encryption_root_secret: randomBytes(32).toString('base64') });
    const r = await call('GET', '/c/o1');
    assert.equal(r.status, 500);
    assert.equal(r.body.indexOf(body.subarray(0, 16)), -1);
    // The 500 replaced the backend's answer: its body must be let go, or the proxy's backend pool never closes.
    const closed = await Promise.race([proxy.close().then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    assert.ok(closed, 'the proxy closes: no backend body left unread');
  });

  it('disable_encryption stores new objects in the clear and still reads encrypted ones', async () => {
    await useProxy({ encryption_root_secret: SECRET_A }, { disable_encryption: 'true' });
    assert.equal((await call('PUT', '/c/clear-again', { body: 'no-encryption-here', headers: { 'x-object-meta-m': 'visible-meta' } })).status, 201);
    assert.ok(onDisk().some((f) => f.indexOf('no-encryption-here') !== -1 && f.indexOf('visible-meta') !== -1));
    assert.deepEqual((await call('GET', '/c/o1')).body, body);
    assert.equal((await call('GET', '/c/clear-again')).body.toString(), 'no-encryption-here');
  });

  it('a bad root secret is refused at start-up', async () => {
    await assert.rejects(useProxy({ encryption_root_secret: Buffer.alloc(31).toString('base64') }), /at least 32 raw bytes/);
    await assert.rejects(useProxy({ encryption_root_secret: 'not base64!' }), /base64/);
    await assert.rejects(useProxy({ encryption_root_secret: SECRET_A, active_root_secret_id: 'x' }), /No secret loaded for active_root_secret_id x/);
  });
});
