/**
 * The object server's multipart MIME PUT with footer metadata (Swift's
 * X-Backend-Obj-Metadata-Footer, what the proxy sends when encryption adds
 * etags after the body): the 100 Continue says footers are read, footer
 * sysmeta is stored, the footer's Etag is checked against the body, its
 * Content-MD5 against the footer, and its container-update overrides reach
 * the container server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { http, startObjectServer, startRecorder, ts, type TestObjectServer } from './helpers/object-server.js';

let srv: TestObjectServer;
before(async () => {
  srv = await startObjectServer({ container_update_timeout: '1', node_timeout: '2' });
});
after(() => srv.close());

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');
const now = (): number => Math.floor(Date.now() / 1000);
const BOUNDARY = 'a'.repeat(64);

interface MimePut {
  status: number;
  continueHeaders: Record<string, string | string[] | undefined>;
  body: string;
}

/** A PUT with a MIME body sent in `pieces` (split anywhere, to cross chunk boundaries). */
function mimePut(obj: string, t: number, pieces: Buffer[], headers: Record<string, string> = {}): Promise<MimePut> {
  return new Promise((resolve, reject) => {
    let continueHeaders: MimePut['continueHeaders'] = {};
    const req = httpRequest({
      host: '127.0.0.1', port: srv.port, method: 'PUT', path: `/sda/0/a/c/${obj}`, agent: false,
      headers: {
        'X-Timestamp': ts(t), 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', Expect: '100-continue',
        'X-Backend-Obj-Metadata-Footer': 'yes', 'X-Backend-Obj-Multipart-Mime-Boundary': BOUNDARY, ...headers,
      },
    }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, continueHeaders, body }));
    });
    req.on('information', (info) => {
      continueHeaders = info.headers;
      (async () => {
        for (const p of pieces) {
          req.write(p);
          await new Promise((r) => setTimeout(r, 2));
        }
        req.end();
      })().catch(reject);
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

function mimeBody(object: Buffer, footers: Record<string, string>, footerMd5?: string): Buffer {
  const json = JSON.stringify(footers);
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nX-Document: object body\r\n\r\n`),
    object,
    Buffer.from(`\r\n--${BOUNDARY}\r\nX-Document: object metadata\r\nContent-MD5: ${footerMd5 ?? md5(json)}\r\n\r\n${json}\r\n--${BOUNDARY}--\r\n`),
  ]);
}

/** Splits a buffer into pieces of `size` bytes. */
function pieces(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

test('footers: the 100 says they are read; footer sysmeta is stored and the body is the object document, byte for byte', async () => {
  // Bytes that look like the boundary's start, split across writes.
  const object = Buffer.concat([Buffer.from(`x\r\n--${BOUNDARY.slice(0, 40)}`), Buffer.alloc(300, 7), Buffer.from('\r\n--')]);
  const recorder = await startRecorder(201);
  try {
    const t = now();
    const res = await mimePut('f1', t, pieces(mimeBody(object, {
      Etag: md5(object), 'X-Object-Sysmeta-Crypto-Thing': 'sealed', 'X-Object-Meta-Ignored-No': 'kept',
      'X-Object-Sysmeta-Container-Update-Override-Etag': 'listing-etag', 'X-Not-Meta': 'dropped',
    }), 7), {
      'X-Backend-Obj-Content-Length': String(object.length),
      'X-Container-Host': `127.0.0.1:${recorder.port}`, 'X-Container-Device': 'sdb', 'X-Container-Partition': '1',
      'X-Object-Sysmeta-Container-Update-Override-Etag': 'from-headers',
    });
    assert.equal(res.status, 201, res.body);
    assert.equal(res.continueHeaders['x-obj-metadata-footer'], 'yes');
    const get = await http(srv.port, 'GET', '/sda/0/a/c/f1');
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, object);
    assert.equal(get.headers.etag, `"${md5(object)}"`);
    assert.equal(get.headers['x-object-sysmeta-crypto-thing'], 'sealed');
    assert.equal(get.headers['x-object-meta-ignored-no'], 'kept');
    assert.equal(get.headers['x-not-meta'], undefined);
    for (let i = 0; i < 100 && recorder.requests.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    // The footer's override wins over the header's.
    assert.equal(recorder.requests[0]?.headers['x-etag'], 'listing-etag');
  } finally {
    await recorder.close();
  }
});

test('a footer Etag that is not the body\'s MD5 is 422 and nothing is stored', async () => {
  const t = now();
  const res = await mimePut('f2', t, [mimeBody(Buffer.from('hello'), { Etag: md5('other') })]);
  assert.equal(res.status, 422);
  assert.equal((await http(srv.port, 'HEAD', '/sda/0/a/c/f2')).status, 404);
});

test('a footer whose Content-MD5 does not match is 422; one without it, or bad JSON, is 400', async () => {
  const t = now();
  assert.equal((await mimePut('f3', t, [mimeBody(Buffer.from('hi'), { Etag: md5('hi') }, md5('x'))])).status, 422);
  const noMd5 = Buffer.from(`--${BOUNDARY}\r\n\r\nhi\r\n--${BOUNDARY}\r\nX-Document: object metadata\r\n\r\n{}\r\n--${BOUNDARY}--`);
  const r = await mimePut('f3', t, [noMd5]);
  assert.equal(r.status, 400);
  assert.equal(r.body, 'no Content-MD5 in footer');
  const badJson = Buffer.from(`--${BOUNDARY}\r\n\r\nhi\r\n--${BOUNDARY}\r\nContent-MD5: ${md5('{')}\r\n\r\n{\r\n--${BOUNDARY}--`);
  assert.equal((await mimePut('f3', t, [badJson])).status, 400);
  const noFooter = Buffer.from(`--${BOUNDARY}\r\n\r\nhi\r\n--${BOUNDARY}--`);
  assert.equal((await mimePut('f3', t, [noFooter])).status, 400);
  assert.equal((await http(srv.port, 'HEAD', '/sda/0/a/c/f3')).status, 404);
});

test('an object document shorter than X-Backend-Obj-Content-Length is 499; without the boundary header, 400', async () => {
  const t = now();
  const short = await mimePut('f4', t, [mimeBody(Buffer.from('abc'), { Etag: md5('abc') })], { 'X-Backend-Obj-Content-Length': '10' });
  assert.equal(short.status, 499);
  const noBoundary = await http(srv.port, 'PUT', '/sda/0/a/c/f4', {
    'X-Timestamp': ts(t), 'Content-Type': 'text/plain', 'Content-Length': 0, 'X-Backend-Obj-Metadata-Footer': 'yes',
  });
  assert.equal(noBoundary.status, 400);
});
