/**
 * The HTTP edge: bodies stream through unparsed (whatever the content type),
 * `100 Continue` is sent only when the pipeline reads the body, chunked
 * uploads arrive whole, and a body that fails mid-way cuts the connection.
 * As eventlet for Swift: raw (unquoted) bytes in the request path are taken,
 * and a Connection header is written only as eventlet writes one.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { silentLogger } from '../../common/index.js';
import { startEdge, type App, type SwiftResponse } from '../../proxy/index.js';
import { exchange } from '../helpers/raw-http.js';
import { startClusterAsTester, type SwiftlyCluster } from './helpers/swiftly-cluster.js';

/** Request bytes from latin1 strings and raw byte runs. */
const bytes = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
const utf8 = (s: string) => Buffer.from(s, 'utf8');

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
    return {
      status: 201,
      headers: { etag: hash.digest('hex'), 'x-bytes': String(n), 'x-seen-content-type': req.headers['content-type'] ?? '', 'x-path': req.path, 'x-query': req.query },
      body: undefined,
    };
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

  it('takes raw bytes in the request target (UTF-8, invalid UTF-8, control bytes) as their quoted form, bodies and all, on one connection', async () => {
    const answers = await exchange(edge.port, bytes(
      'PUT /c/', utf8('\u00e9'), '?q=', utf8('\u00fc'), ' HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
      'PUT /c/', Buffer.from([0xad, 0xc3, 0x01, 0x00, 0x7f]), ' HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      'GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ));
    assert.deepEqual(answers.map((a) => [a.status, a.headers['x-path'], a.headers['x-query'], a.headers['x-bytes']]), [
      ['201 Created', '/c/%C3%A9', 'q=%C3%BC', '5'],
      ['201 Created', '/c/%AD%C3%01%00%7F', '', '3'],
      ['201 Created', '/plain', '', '0'],
    ]);
  });

  it('puts a raw request line that came in two reads together again', async () => {
    const answers = await exchange(edge.port, [bytes('GET /', utf8('\u00e9'), 'a'), bytes('b', utf8('\u2603'), ' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]);
    assert.deepEqual(answers.map((a) => [a.status, a.headers['x-path']]), [['201 Created', '/%C3%A9ab%E2%98%83']]);
  });

  it('still refuses bad framing behind a raw target (Content-Length beside Transfer-Encoding), smuggling nothing', async () => {
    const answers = await exchange(edge.port, bytes(
      'POST /', utf8('\u00e9'), ' HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
    ));
    assert.deepEqual(answers.map((a) => a.status), ['400 Bad Request']);
  });

  it('writes a Connection header only as eventlet does: keep-alive echoed to a client that sent it, close when closing, none otherwise', async () => {
    const get = (extra: string) => `GET /x HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
    const answers = await exchange(edge.port, get('') + get('Connection: keep-alive\r\n') + get('') + get('Connection: close\r\n'));
    assert.deepEqual(answers.map((a) => [a.status, a.headers.connection, a.headers['keep-alive']]), [
      ['201 Created', undefined, undefined],
      ['201 Created', 'keep-alive', undefined],
      ['201 Created', undefined, undefined],
      ['201 Created', 'close', undefined],
    ], 'the connection persists without the header');
  });

  it('closes the connection after a final answer to an Expect: 100-continue request it never told to continue', async () => {
    // The client may never send that body: the next request must not be read as it.
    const { heads, closed } = await rawHeads([
      'PUT /reject HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: x\r\n\r\n',
    ]);
    assert.match(heads[0], /^HTTP\/1\.1 401 /);
    assert.match(heads[0], /\r\nConnection: close(\r\n|$)/i);
    assert.deepEqual([heads[1], closed], ['', true]);
  });

  it('answers a client that sent its whole request and shut its side, then closes the connection', async () => {
    // Slow: the client's FIN comes before the answer's head is written; fast: most likely after.
    for (const [path, status] of [['/slow-411', '411 Length Required'], ['/x', '201 Created']]) {
      const answers = await exchange(edge.port, `PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`, { halfClose: true });
      assert.deepEqual(answers.map((a) => a.status), [status], path);
    }
  });
});

describe('raw (unquoted) bytes in the request path through the proxy, as Swift under eventlet', () => {
  let cluster: SwiftlyCluster | undefined;
  let port: number;
  let token: string;

  before(async () => ({ cluster, port, token } = await startClusterAsTester()), { timeout: 30_000 });

  after(() => cluster?.stop());

  /** A request as `test:tester`; `head` holds the body's framing. */
  const request = (method: string, path: string | Buffer, head = '', body = '') =>
    bytes(method, ' ', path, ` HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nConnection: close\r\n${head}\r\n`, body);

  it('a container and an object named with raw UTF-8 are the ones their quoted names name', { timeout: 20_000 }, async () => {
    const container = 'r\u00e5w\u2603';
    const object = '\u00f6bj/\u00e9';
    const quoted = (s: string) => s.split('/').map(encodeURIComponent).join('/');
    const [put] = await exchange(port, request('PUT', utf8(`/v1/AUTH_test/${container}`), 'Content-Length: 0\r\n'));
    assert.equal(put.status, '201 Created');
    const [putObject] = await exchange(port, request('PUT', utf8(`/v1/AUTH_test/${container}/${object}`), 'Content-Length: 8\r\n', 'raw name'));
    assert.equal(putObject.status, '201 Created');
    for (const path of [utf8(`/v1/AUTH_test/${container}/${object}`), `/v1/AUTH_test/${quoted(container)}/${quoted(object)}`]) {
      const [got] = await exchange(port, request('GET', path));
      assert.deepEqual([got.status, got.body], ['200 OK', 'raw name'], String(path));
    }
    const [listing] = await exchange(port, request('GET', `/v1/AUTH_test/${quoted(container)}?format=json`));
    assert.deepEqual(JSON.parse(Buffer.from(listing.body, 'latin1').toString('utf8')).map((o: { name: string }) => o.name), [object]);
  });

  it('a raw name that is not UTF-8 is refused with 412, as its quoted form', async () => {
    const [refused] = await exchange(port, request('PUT', bytes('/v1/AUTH_test/', utf8('\u00e9\u2603').reverse()), 'Content-Length: 0\r\n'));
    assert.deepEqual([refused.status, refused.body], ['412 Precondition Failed', 'Invalid UTF8 or contains NULL']);
  });

  it('a PUT with Transfer-Encoding: gzip,chunked gets its 501, not the 400 for its body that is not chunked (tests.py testBadHeaders)', async () => {
    const [put] = await exchange(port, request('PUT', '/v1/AUTH_test/bad-headers', 'Content-Length: 0\r\n'));
    assert.equal(put.status, '201 Created');
    const answers = await exchange(port, request('PUT', '/v1/AUTH_test/bad-headers/o', 'Transfer-Encoding: gzip,chunked\r\n', 'x'.repeat(100)));
    assert.equal(answers[0]?.status, '501 Not Implemented', 'the answer to the request comes first');
  });
});
