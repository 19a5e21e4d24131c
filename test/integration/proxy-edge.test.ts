/**
 * The HTTP edge: bodies stream through unparsed (whatever the content type),
 * `100 Continue` is sent only when the pipeline reads the body, chunked
 * uploads arrive whole, and a body that fails mid-way cuts the connection.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { silentLogger } from '../../common/index.js';
import { startEdge, type App, type SwiftResponse } from '../../proxy/index.js';

describe('proxy edge', () => {
  let edge: Awaited<ReturnType<typeof startEdge>>;

  const app: App = async (req): Promise<SwiftResponse> => {
    if (req.path === '/reject') return { status: 401, headers: {}, body: 'no' };
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
    return { status: 201, headers: { etag: hash.digest('hex'), 'x-bytes': String(n) }, body: undefined };
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
});
