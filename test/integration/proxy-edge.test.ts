/**
 * The HTTP edge: bodies stream through unparsed (whatever the content type),
 * `100 Continue` is sent only when the pipeline reads the body, chunked
 * uploads arrive whole, and a body that fails mid-way cuts the connection.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { silentLogger } from '../../common/index.js';
import { startEdge, type App, type SwiftResponse } from '../../proxy/index.js';

describe('proxy edge', () => {
  let edge: Awaited<ReturnType<typeof startEdge>>;

  const app: App = async (req): Promise<SwiftResponse> => {
    if (req.path === '/reject') return { status: 401, headers: {}, body: 'no' };
    if (req.path === '/latin1-head') return { status: 412, headers: { 'x-object-meta-foo': 'B\u00c3\u00a4r' }, body: 'text body' };
    if (req.path === '/slow-411') {
      await new Promise((r) => setTimeout(r, 100));
      return { status: 411, headers: { 'content-length': '0' }, body: undefined };
    }
    if (req.path === '/broken') {
      const body = Readable.from((async function* () {
        yield Buffer.alloc(1000, 1);
        throw new Error('backend died');
      })());
      return { status: 200, headers: { 'content-length': '5000' }, body };
    }
    const hash = createHash('md5');
    let n = 0;
    if (req.body) for await (const c of req.body) {
      hash.update(c as Buffer);
      n += (c as Buffer).length;
    }
    return { status: 201, headers: { etag: hash.digest('hex'), 'x-bytes': String(n), 'x-seen-content-type': req.headers['content-type'] ?? '' }, body: undefined };
  };

  const send = (path: string, body: Buffer, headers: Record<string, string>) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request({ host: '127.0.0.1', port: edge.port, method: 'PUT', path, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, continued }));
      });
      req.on('error', reject);
      if (headers.expect) {
        req.on('continue', () => {
          continued = true;
          req.end(body);
        });
        req.flushHeaders();
      } else req.end(body);
    });

  before(async () => {
    edge = await startEdge(app, { logger: silentLogger, port: 0 });
  });

  after(() => edge.close());

  it('streams JSON and text bodies without parsing them', async () => {
    const body = Buffer.from('{"not": "parsed"}');
    const r = await send('/x', body, { 'content-type': 'application/json', 'content-length': String(body.length) });
    assert.equal(r.status, 201);
    assert.equal(r.headers.etag, createHash('md5').update(body).digest('hex'));
    assert.match(String(r.headers['x-trans-id']), /^tx[0-9a-f]{21}-[0-9a-f]{10}$/);
  });

  it('passes any Content-Type through, even one that is not type/subtype (Swift stores it as given)', async () => {
    for (const ct of ['c1084b5e5de3416e89c94e4d038c37fa', 'text/plain; charset=utf-8', '\u00e1\u00e9']) {
      const body = Buffer.from('data');
      const r = await send('/x', body, { 'content-type': ct, 'content-length': String(body.length) });
      assert.equal(r.status, 201, ct);
      assert.equal(Buffer.from(String(r.headers['x-seen-content-type']), 'latin1').toString('latin1'), ct);
      assert.equal(r.headers['x-bytes'], '4');
    }
  });

  it('sends 100 Continue only when the body is read', async () => {
    const body = Buffer.alloc(100_000, 7);
    const ok = await send('/x', body, { expect: '100-continue', 'content-length': String(body.length) });
    assert.equal(ok.status, 201);
    assert.equal(ok.continued, true);
    assert.equal(ok.headers['x-bytes'], '100000');
    const rejected = await send('/reject', body, { expect: '100-continue', 'content-length': String(body.length) });
    assert.equal(rejected.status, 401);
    assert.equal(rejected.continued, false);
  });

  it('takes chunked uploads', async () => {
    const body = Buffer.alloc(300_000, 3);
    const r = await send('/x', body, { 'transfer-encoding': 'chunked' });
    assert.equal(r.headers['x-bytes'], '300000');
  });

  it('cuts the connection when a response body fails', async () => {
    const err = await new Promise<Error | undefined>((resolve) => {
      http.get({ host: '127.0.0.1', port: edge.port, path: '/broken' }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(undefined));
        res.on('error', resolve);
        res.on('aborted', () => resolve(new Error('aborted')));
      }).on('error', resolve);
    });
    assert.ok(err, 'the client must see a broken body, not a clean end');
  });

  /** Sends raw requests on one socket, one after the other, and returns each response's head. */
  async function rawHeads(requests: string[]): Promise<{ heads: string[]; closed: boolean }> {
    const sock = net.connect(edge.port, '127.0.0.1');
    let buf = '';
    let closed = false;
    sock.on('data', (d) => (buf += d.toString('latin1')));
    sock.on('close', () => (closed = true));
    const heads: string[] = [];
    for (const r of requests) {
      const before = buf.length;
      sock.write(r);
      for (let i = 0; i < 200 && !buf.slice(before).includes('\r\n\r\n'); i++) await new Promise((res) => setTimeout(res, 10));
      heads.push(buf.slice(before).split('\r\n\r\n')[0]);
      buf = '';
    }
    await new Promise((res) => setTimeout(res, 50));
    sock.destroy();
    return { heads, closed };
  }

  it('answers a request before the 400 for the bytes after it that are not HTTP (a body sent without Content-Length)', async () => {
    const { heads, closed } = await rawHeads(['PUT /slow-411 HTTP/1.1\r\nHost: x\r\n\r\ntesting']);
    assert.match(heads[0], /^HTTP\/1\.1 411 /);
    assert.equal(closed, true, 'then the 400 and the connection closed');
  });

  it("writes a header's bytes as given (latin1 code units) also beside a text body", async () => {
    const sock = net.connect(edge.port, '127.0.0.1', () => sock.write('GET /latin1-head HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    const chunks: Buffer[] = [];
    for await (const c of sock) chunks.push(c as Buffer);
    const wire = Buffer.concat(chunks);
    assert.ok(wire.includes(Buffer.from('X-Object-Meta-Foo: B\xc3\xa4r\r\n', 'latin1')), wire.toString('latin1'));
    assert.ok(wire.toString('latin1').endsWith('\r\n\r\ntext body'));
  });
});
