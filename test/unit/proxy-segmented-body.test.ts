/**
 * The large-object body shared by slo and dlo, over a fake pipeline: the
 * segments' subrequests, the checks before the first byte (409/503) and
 * after it (the stream fails), max_get_time, and the rate limit after N
 * segments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { silentLogger } from '../../common/index.js';
import type { App, SwiftRequest, SwiftResponse } from '../../proxy/index.js';
import { rateLimited, SegmentError, startSegmentedBody, type SegmentPiece } from '../../proxy/segmented-body.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const req: SwiftRequest = { method: 'GET', path: '/v1/a/c/m', query: '', headers: { 'x-auth-token': 't' }, remoteAddr: '', env: { transId: 'tx' } };

/** A pipeline holding `objects` by path; records the requests. */
/** `length` overrides Content-Length (a body cut short), `fails` makes the body error after its bytes. */
function fakeNext(objects: Record<string, { body: string; etag?: string; status?: number; length?: number; fails?: boolean }>, seen: SwiftRequest[] = []): App {
  return async (r): Promise<SwiftResponse> => {
    seen.push(r);
    const o = objects[r.path];
    if (!o) return { status: 404, headers: {}, body: 'Not Found' };
    if (o.status) return { status: o.status, headers: {}, body: 'oops' };
    const m = /^bytes=(\d+)-(\d*)$/.exec(r.headers.range ?? '');
    const body = m ? o.body.slice(Number(m[1]), m[2] ? Number(m[2]) + 1 : undefined) : o.body;
    const stream = o.fails
      ? Readable.from((async function* () {
          yield Buffer.from(body);
          throw new Error('node cut the body');
        })())
      : Readable.from([Buffer.from(body)]);
    return { status: m ? 206 : 200, headers: { etag: o.etag ?? md5(o.body), 'content-length': String(o.length ?? body.length) }, body: stream };
  };
}

const opts = (next: App, extra: Record<string, unknown> = {}) => ({ next, req, name: '/v1/a/c/m', logger: silentLogger, agent: 'SLO MultipartGET', maxGetTime: 86400, now: Date.now, ...extra });

async function* list(pieces: SegmentPiece[]): AsyncGenerator<SegmentPiece> {
  yield* pieces;
}

async function text(body: Readable): Promise<string> {
  let out = '';
  for await (const c of body) out += (c as Buffer).toString();
  return out;
}

test('streams the segments in order: whole, ranged, inline data; each asked with multipart-manifest=get', async () => {
  const seen: SwiftRequest[] = [];
  const next = fakeNext({ '/v1/a/c/1': { body: 'hello ' }, '/v1/a/c/2': { body: 'big world' } }, seen);
  const body = await startSegmentedBody(list([
    { path: '/v1/a/c/1', etag: md5('hello '), size: 6 },
    { data: Buffer.from('[') },
    { path: '/v1/a/c/2', etag: md5('big world'), size: 9, first: 4, last: 8 },
  ]), opts(next));
  assert.equal(await text(body), 'hello [world');
  assert.deepEqual(seen.map((r) => [r.path, r.query, r.headers.range, r.headers['x-auth-token']]), [
    ['/v1/a/c/1', 'multipart-manifest=get', undefined, 't'],
    ['/v1/a/c/2', 'multipart-manifest=get', 'bytes=4-', 't'],
  ]);
});

test('a first segment missing or changed throws 409 before any byte; a failing node 503', async () => {
  const next = fakeNext({ '/v1/a/c/1': { body: 'x' }, '/v1/a/c/bad': { body: 'x', status: 503 } });
  await assert.rejects(startSegmentedBody(list([{ path: '/v1/a/c/gone' }]), opts(next)), (e: unknown) => e instanceof SegmentError && e.status === 409);
  await assert.rejects(startSegmentedBody(list([{ path: '/v1/a/c/1', etag: md5('y') }]), opts(next)), (e: unknown) => e instanceof SegmentError && e.status === 409);
  await assert.rejects(startSegmentedBody(list([{ path: '/v1/a/c/1', size: 2 }]), opts(next)), SegmentError);
  await assert.rejects(startSegmentedBody(list([{ path: '/v1/a/c/bad' }]), opts(next)), (e: unknown) => e instanceof SegmentError && e.status === 503);
});

test('a later segment gone, changed, or its body cut short (an object server that found it rotten) fails the stream after the first bytes', async () => {
  // The bytes of a segment read whole are the object server's to check
  // against its ETag (it cuts the body short of its last byte when they do
  // not match): here only the ETag and the count of bytes are compared.
  const next = fakeNext({
    '/v1/a/c/1': { body: 'ok' },
    '/v1/a/c/short': { body: 'ab', etag: md5('abc'), length: 3 },
    '/v1/a/c/broken': { body: 'ab', etag: md5('abc'), length: 3, fails: true },
  });
  const cut = [{ path: '/v1/a/c/short', etag: md5('abc'), size: 3 }, { path: '/v1/a/c/broken', etag: md5('abc'), size: 3 }];
  for (const second of [{ path: '/v1/a/c/gone' }, { path: '/v1/a/c/1', etag: md5('other') }, ...cut] as SegmentPiece[]) {
    const body = await startSegmentedBody(list([{ path: '/v1/a/c/1' }, second]), opts(next));
    // A node's own failure is passed on as it is; the checks' failures are SegmentErrors.
    await assert.rejects(text(body), 'path' in second && second.path.endsWith('broken') ? /node cut the body/ : SegmentError);
  }
});

test('more or fewer bytes than promised fail the stream', async () => {
  const next = fakeNext({ '/v1/a/c/1': { body: 'four' } });
  await assert.rejects(text(await startSegmentedBody(list([{ path: '/v1/a/c/1' }]), opts(next, { bodyLength: 3 }))), /Too many bytes/);
  await assert.rejects(text(await startSegmentedBody(list([{ path: '/v1/a/c/1' }]), opts(next, { bodyLength: 5 }))), /Expected another 1 bytes/);
});

test('a GET that outlives max_get_time is cut off', async () => {
  let clock = 0;
  const next = fakeNext({ '/v1/a/c/1': { body: 'x' } });
  const seen: SwiftRequest[] = [];
  const counting: App = async (r) => {
    seen.push(r);
    clock += 600_000;
    return next(r);
  };
  const body = await startSegmentedBody(list(Array.from({ length: 5 }, () => ({ path: '/v1/a/c/1' }))), opts(counting, { maxGetTime: 1000, now: () => clock }));
  await assert.rejects(text(body), /max LO GET time of 1000s exceeded/);
  assert.ok(seen.length < 5, `${seen.length} segments fetched`);
});

test('rate limits after N pieces, only the pieces it is told to', async () => {
  const collect = async (it: AsyncIterable<number>) => {
    const out: number[] = [];
    for await (const x of it) out.push(x);
    return out;
  };
  let t = Date.now();
  assert.deepEqual(await collect(rateLimited(list2([1, 2, 3, 4, 5]), 2, 20)), [1, 2, 3, 4, 5]);
  // After 2 free ones, 3 at 20/s: two waits of 50 ms.
  assert.ok(Date.now() - t >= 90, `${Date.now() - t} ms`);
  t = Date.now();
  await collect(rateLimited(list2([1, 2, 3, 4, 5]), 2, 20, () => false));
  assert.ok(Date.now() - t < 50, `${Date.now() - t} ms`);
});

async function* list2(xs: number[]): AsyncGenerator<number> {
  yield* xs;
}

test('the next segment is asked for while this one streams (no wait for its first byte between segments)', async () => {
  const seen: SwiftRequest[] = [];
  const next = fakeNext({ '/v1/a/c/1': { body: 'one' }, '/v1/a/c/2': { body: 'two' }, '/v1/a/c/3': { body: 'three' } }, seen);
  const body = await startSegmentedBody(list([{ path: '/v1/a/c/1' }, { path: '/v1/a/c/2' }, { path: '/v1/a/c/3' }]), opts(next));
  // Only the first segment's first chunk has been taken, and the second is already on its way.
  assert.deepEqual(seen.map((r) => r.path), ['/v1/a/c/1', '/v1/a/c/2']);
  assert.equal(await text(body), 'onetwothree');
});
