/**
 * Static large objects through our proxy over swiftly's storage nodes,
 * spoken over HTTP: manifest PUT and its checks, GET/HEAD of the whole with
 * ranges and conditionals, the manifest itself, nested manifests, inline
 * data, segments in another container, a segment gone or changed, COPY,
 * multipart-manifest=delete, listings and /info.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SwiftCluster } from '../helpers/swift-cluster.js';

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

describe('static large objects (slo) through the proxy', () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  let token: string;
  const A = '/v1/AUTH_test';
  const seg = { a: Buffer.alloc(1000, 'a'), b: Buffer.alloc(1000, 'b'), c: Buffer.alloc(500, 'c') };
  const whole = Buffer.concat([seg.a, seg.b, seg.c]);
  const wholeEtag = md5(md5(seg.a) + md5(seg.b) + md5(seg.c));

  const call = async (method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${base}${path}`, { method, body: opts.body, headers: { 'x-auth-token': token, ...(opts.headers ?? {}) } });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
  const manifest = (entries: unknown[]) => JSON.stringify(entries);
  const putManifest = (name: string, entries: unknown[], headers: Record<string, string> = {}, extraQuery = '') =>
    call('PUT', `${A}/c/${name}?multipart-manifest=put${extraQuery}`, { body: manifest(entries), headers });
  const abc = () => [
    { path: '/segs/a', etag: md5(seg.a), size_bytes: 1000 },
    { path: '/segs/b', etag: md5(seg.b), size_bytes: 1000 },
    { path: 'segs/c' },
  ];

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy();
    base = `http://127.0.0.1:${proxy.port}`;
    const auth = await fetch(`${base}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
    await auth.arrayBuffer();
    token = auth.headers.get('x-auth-token')!;
    for (const c of ['c', 'segs']) assert.equal((await call('PUT', `${A}/${c}`)).status, 201);
    for (const [name, data] of Object.entries(seg)) assert.equal((await call('PUT', `${A}/segs/${name}`, { body: data })).status, 201);
    const put = await putManifest('m', abc(), { 'content-type': 'application/x-whole' });
    assert.equal(put.status, 201, put.body.toString());
    assert.equal(put.headers.get('etag'), `"${wholeEtag}"`);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('GETs and HEADs the whole: its bytes, length, quoted etag, the manifest etag', async () => {
    const get = await call('GET', `${A}/c/m`);
    assert.equal(get.status, 200);
    assert.ok(get.body.equals(whole));
    assert.equal(get.headers.get('content-length'), '2500');
    assert.equal(get.headers.get('etag'), `"${wholeEtag}"`);
    assert.equal(get.headers.get('x-static-large-object'), 'True');
    assert.equal(get.headers.get('content-type'), 'application/x-whole');
    assert.match(get.headers.get('x-manifest-etag')!, /^[0-9a-f]{32}$/);
    const head = await call('HEAD', `${A}/c/m`);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '2500');
    assert.equal(head.headers.get('etag'), `"${wholeEtag}"`);
  });

  it('answers ranges across segment boundaries: one, suffix, several, unsatisfiable', async () => {
    const one = await call('GET', `${A}/c/m`, { headers: { range: 'bytes=990-2009' } });
    assert.equal(one.status, 206);
    assert.equal(one.headers.get('content-range'), 'bytes 990-2009/2500');
    assert.ok(one.body.equals(whole.subarray(990, 2010)));
    const suffix = await call('GET', `${A}/c/m`, { headers: { range: 'bytes=-600' } });
    assert.equal(suffix.status, 206);
    assert.ok(suffix.body.equals(whole.subarray(1900)));
    const multi = await call('GET', `${A}/c/m`, { headers: { range: 'bytes=0-1,999-1000,2499-' } });
    assert.equal(multi.status, 206);
    const ctype = multi.headers.get('content-type')!;
    assert.match(ctype, /^multipart\/byteranges;boundary=[0-9a-f]{32}$/);
    const text = multi.body.toString('latin1');
    assert.equal(Number(multi.headers.get('content-length')), multi.body.length);
    for (const [range, bytes] of [['0-1', 'aa'], ['999-1000', 'ab'], ['2499-2499', 'c']]) {
      assert.ok(text.includes(`Content-Range: bytes ${range}/2500\r\n\r\n${bytes}\r\n`), `part ${range} in ${text}`);
    }
    const bad = await call('GET', `${A}/c/m`, { headers: { range: 'bytes=2500-' } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), 'bytes */2500');
  });

  it('answers conditionals against the whole etag', async () => {
    assert.equal((await call('GET', `${A}/c/m`, { headers: { 'if-none-match': `"${wholeEtag}"` } })).status, 304);
    assert.equal((await call('HEAD', `${A}/c/m`, { headers: { 'if-none-match': wholeEtag } })).status, 304);
    assert.equal((await call('GET', `${A}/c/m`, { headers: { 'if-match': '"nope"' } })).status, 412);
    const ok = await call('GET', `${A}/c/m`, { headers: { 'if-match': `"${wholeEtag}"` } });
    assert.equal(ok.status, 200);
    assert.ok(ok.body.equals(whole));
    const later = new Date(Date.now() + 3600_000).toUTCString();
    assert.equal((await call('GET', `${A}/c/m`, { headers: { 'if-modified-since': later } })).status, 304);
  });

  it('returns the manifest itself with multipart-manifest=get, as stored or as PUT (format=raw)', async () => {
    const stored = await call('GET', `${A}/c/m?multipart-manifest=get`);
    assert.equal(stored.status, 200);
    assert.equal(stored.headers.get('content-type'), 'application/json; charset=utf-8');
    const segs = JSON.parse(stored.body.toString()) as Record<string, unknown>[];
    assert.deepEqual(segs.map((s) => [s.name, s.bytes, s.hash]), [['/segs/a', 1000, md5(seg.a)], ['/segs/b', 1000, md5(seg.b)], ['/segs/c', 500, md5(seg.c)]]);
    assert.equal(stored.headers.get('etag'), md5(stored.body));
    const raw = await call('GET', `${A}/c/m?multipart-manifest=get&format=raw`);
    assert.deepEqual(JSON.parse(raw.body.toString()), [
      { etag: md5(seg.a), path: '/segs/a', size_bytes: 1000 },
      { etag: md5(seg.b), path: '/segs/b', size_bytes: 1000 },
      { etag: md5(seg.c), path: '/segs/c', size_bytes: 500 },
    ]);
    assert.match(raw.body.toString(), /^\[\{"etag": "/);
  });

  it('checks every segment on PUT and lists every problem', async () => {
    const bad = await putManifest('bad', [
      { path: '/segs/a', etag: 'x'.repeat(32) },
      { path: '/segs/b', size_bytes: 999 },
      { path: '/segs/nope' },
      { path: '/segs/c', range: '600-700' },
    ]);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.toString(), 'Errors:\n/segs/a, Etag Mismatch\n/segs/b, Size Mismatch\n/segs/nope, 404 Not Found\n/segs/c, Unsatisfiable Range\n');
    const json = await putManifest('bad', [{ path: '/segs/nope' }], { accept: 'application/json' });
    assert.deepEqual(JSON.parse(json.body.toString()), { Errors: [['/segs/nope', '404 Not Found']] });
    const input = await putManifest('bad', [{ path: 'nocontainer' }, { path: '/segs/a', bogus: 1 }, { data: '!!' }]);
    assert.equal(input.status, 400);
    assert.equal(input.body.toString(), 'Index 0: path does not refer to an object. Path must be of the form /container/object.\n' +
      'Index 1: extraneous keys "bogus"\nIndex 2: data must be valid base64\n');
    assert.equal((await call('PUT', `${A}/c/bad?multipart-manifest=put`, { body: 'not json' })).status, 400);
    const many = await putManifest('bad', Array.from({ length: 1001 }, () => ({ path: '/segs/a' })));
    assert.equal(many.status, 413);
    assert.equal(many.body.toString(), 'Number of object-backed segments must be <= 1000');
    const etag = await putManifest('bad', abc(), { etag: 'f'.repeat(32) });
    assert.equal(etag.status, 422);
    assert.equal((await call('HEAD', `${A}/c/bad`)).status, 404);
    // As any PUT: If-None-Match takes only *, and * refuses an existing name.
    assert.equal((await putManifest('bad', abc(), { 'if-none-match': '"not-star"' })).status, 400);
    assert.equal((await putManifest('m', abc(), { 'if-none-match': '*' })).status, 412);
    assert.equal((await call('POST', `${A}/c/m`, { headers: { 'x-static-large-object': 'true' } })).status, 400);
    assert.equal((await call('PUT', `${A}/c/plain`, { body: 'x', headers: { 'x-static-large-object': 'true' } })).status, 400);
  });

  it('serves nested manifests, ranged segments, inline data and segments in another container', async () => {
    assert.equal((await putManifest('inner', [{ path: '/segs/b' }, { path: '/segs/c', range: '0-99' }])).status, 201);
    const put = await putManifest('outer', [
      { data: Buffer.from('<<').toString('base64') },
      { path: '/c/inner' },
      { path: '/segs/a', range: '-10' },
    ]);
    assert.equal(put.status, 201, put.body.toString());
    const expected = Buffer.concat([Buffer.from('<<'), seg.b, seg.c.subarray(0, 100), seg.a.subarray(990)]);
    const get = await call('GET', `${A}/c/outer`);
    assert.equal(get.status, 200);
    assert.ok(get.body.equals(expected));
    assert.equal(get.headers.get('content-length'), String(expected.length));
    const ranged = await call('GET', `${A}/c/outer`, { headers: { range: 'bytes=1-1102' } });
    assert.equal(ranged.status, 206);
    assert.ok(ranged.body.equals(expected.subarray(1, 1103)));
    const stored = JSON.parse((await call('GET', `${A}/c/outer?multipart-manifest=get`)).body.toString()) as Record<string, unknown>[];
    assert.equal(stored[1].sub_slo, true);
    assert.equal(stored[1].bytes, 1100);
    assert.equal(stored[2].range, '990-999');
  });

  it('answers a 202 with heartbeats and the outcome in the body when asked', async () => {
    const res = await putManifest('beat', abc(), {}, '&heartbeat=on');
    assert.equal(res.status, 202);
    const text = res.body.toString();
    assert.match(text, /^ \r\n\r\n/);
    assert.match(text, /Response Status: 201 Created\n/);
    assert.match(text, new RegExp(`Etag: "${wholeEtag}"\n`));
    assert.ok((await call('GET', `${A}/c/beat`)).body.equals(whole));
  });

  it('shows the whole size and slo_etag in the JSON listing', async () => {
    const list = JSON.parse((await call('GET', `/v1/AUTH_test/c?format=json`)).body.toString()) as Record<string, unknown>[];
    const m = list.find((o) => o.name === 'm')!;
    assert.equal(m.bytes, 2500);
    assert.equal(m.slo_etag, `"${wholeEtag}"`);
    assert.match(String(m.hash), /^[0-9a-f]{32}$/);
    assert.equal(m.content_type, 'application/x-whole');
  });

  it('copies the data of a manifest, or with multipart-manifest=get the manifest itself', async () => {
    const data = await call('COPY', `${A}/c/m`, { headers: { destination: '/c/m-data' } });
    assert.equal(data.status, 201);
    const copied = await call('GET', `${A}/c/m-data`);
    assert.ok(copied.body.equals(whole));
    assert.equal(copied.headers.get('etag'), md5(whole));
    assert.equal(copied.headers.get('x-static-large-object'), null);
    const man = await call('COPY', `${A}/c/m?multipart-manifest=get`, { headers: { destination: '/c/m-manifest' } });
    assert.equal(man.status, 201);
    const again = await call('GET', `${A}/c/m-manifest`);
    assert.equal(again.headers.get('x-static-large-object'), 'True');
    assert.equal(again.headers.get('etag'), `"${wholeEtag}"`);
    assert.ok(again.body.equals(whole));
  });

  it('publishes its limits in /info', async () => {
    const info = JSON.parse((await call('GET', '/info')).body.toString()) as Record<string, Record<string, unknown>>;
    assert.deepEqual(info.slo, { max_manifest_segments: 1000, max_manifest_size: 8388608, yield_frequency: 10, min_segment_size: 1, allow_async_delete: false });
  });

  it('answers 409 when the first segment is gone, and cuts the body when a later one is gone or changed', async () => {
    for (const n of ['x1', 'x2', 'x3']) assert.equal((await call('PUT', `${A}/segs/${n}`, { body: Buffer.alloc(1000, n) })).status, 201);
    assert.equal((await putManifest('fragile', [{ path: '/segs/x1' }, { path: '/segs/x2' }, { path: '/segs/x3' }])).status, 201);
    // Same size, other bytes: the etag no longer matches the manifest's.
    assert.equal((await call('PUT', `${A}/segs/x3`, { body: Buffer.alloc(1000, 'z') })).status, 201);
    const res = await fetch(`${base}${A}/c/fragile`, { headers: { 'x-auth-token': token } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '3000');
    await assert.rejects(res.arrayBuffer());
    assert.equal((await call('DELETE', `${A}/segs/x2`)).status, 204);
    const gone = await fetch(`${base}${A}/c/fragile`, { headers: { 'x-auth-token': token } });
    await assert.rejects(gone.arrayBuffer());
    assert.equal((await call('DELETE', `${A}/segs/x1`)).status, 204);
    assert.equal((await call('GET', `${A}/c/fragile`)).status, 409);
  });

  it('deletes the segments and then the manifest with multipart-manifest=delete', async () => {
    for (const n of ['d1', 'd2']) assert.equal((await call('PUT', `${A}/segs/${n}`, { body: 'dd' })).status, 201);
    assert.equal((await putManifest('doomed-inner', [{ path: '/segs/d2' }])).status, 201);
    assert.equal((await putManifest('doomed', [{ path: '/segs/d1' }, { path: '/c/doomed-inner' }])).status, 201);
    const res = await call('DELETE', `${A}/c/doomed?multipart-manifest=delete`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body.toString()), { 'Response Status': '200 OK', 'Response Body': '', 'Number Deleted': 4, 'Number Not Found': 0, Errors: [] });
    for (const p of ['segs/d1', 'segs/d2', 'c/doomed-inner', 'c/doomed']) assert.equal((await call('HEAD', `${A}/${p}`)).status, 404, p);
    const notSlo = await call('DELETE', `${A}/c/m-data?multipart-manifest=delete`);
    assert.equal(notSlo.body.toString(), 'Number Deleted: 0\nNumber Not Found: 0\nResponse Body: \nResponse Status: 400 Bad Request\nErrors:\n/c/m-data, Not an SLO manifest\n');
  });
});
