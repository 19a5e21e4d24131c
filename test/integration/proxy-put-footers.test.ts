/**
 * Object PUT with footers (a filter's `updateFooters`; here encryption's
 * etags, as every S3 PUT's checksum): the body goes to each node as Swift's
 * multipart MIME document, and a small body goes as one chunk: the MIME
 * opening, the object's bytes and the footer document together, then the
 * end, so an object server reads it in one go rather than four.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { ProxyServer } from '../../proxy/index.js';
import { closeAll, listenAll, startProxyOverNodes } from '../helpers/fake-nodes.js';

interface Received {
  /** The body's chunks as the node's HTTP parser gave them (one per HTTP chunk). */
  chunks: Buffer[];
  boundary?: string;
}

/** An object server that takes footers: says so in its 100 Continue, keeps what each PUT sent. */
function footerNode(received: Received[]): http.Server {
  const server = http.createServer((req, res) => {
    if (req.method !== 'PUT') {
      req.resume();
      res.writeHead(req.method === 'HEAD' ? 204 : 404, { 'x-backend-storage-policy-index': '0', 'content-length': '0' }).end();
      return;
    }
    const got: Received = { chunks: [], boundary: req.headers['x-backend-obj-multipart-mime-boundary'] as string | undefined };
    req.on('data', (c: Buffer) => got.chunks.push(c));
    req.on('end', () => {
      received.push(got);
      res.writeHead(201, { etag: 'agreed', 'content-length': '0' }).end();
    });
  });
  server.on('checkContinue', (req, res) => {
    req.socket.write('HTTP/1.1 100 Continue\r\nX-Obj-Metadata-Footer: yes\r\n\r\n');
    server.emit('request', req, res);
  });
  return server;
}

describe('object PUT with footers', () => {
  const received: Received[] = [];
  const servers: http.Server[] = [];
  let proxy: ProxyServer;

  before(async () => {
    for (let i = 0; i < 3; i++) servers.push(footerNode(received));
    proxy = await startProxyOverNodes(await listenAll(servers), {
      filters: ['keymaster', 'encryption'],
      filterConf: { keymaster: { encryption_root_secret: randomBytes(32).toString('base64') } },
    });
  }, { timeout: 10_000 });

  after(async () => {
    await proxy?.close();
    await closeAll(servers);
  }, { timeout: 10_000 });

  it('sends a 4 KiB body to each node as one chunk: MIME opening, object, footers', { timeout: 20_000 }, async () => {
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/AUTH_a/c/o`, { method: 'PUT', body: randomBytes(4096) });
    assert.equal(res.status, 201);
    assert.equal(received.length, 3);
    for (const got of received) {
      assert.ok(got.boundary, 'a MIME PUT');
      assert.equal(got.chunks.length, 1, `one chunk, not ${got.chunks.map((c) => c.length).join(' + ')} bytes`);
      const doc = got.chunks[0].toString('latin1');
      assert.ok(doc.startsWith(`--${got.boundary}\r\nX-Document: object body\r\n\r\n`), 'the opening first');
      assert.ok(doc.includes(`\r\n--${got.boundary}\r\nX-Document: object metadata\r\n`), 'the footers');
      assert.ok(doc.endsWith(`\r\n--${got.boundary}--\r\n`), 'the closing boundary last');
      assert.equal(Buffer.byteLength(doc.slice(doc.indexOf('\r\n\r\n') + 4, doc.indexOf(`\r\n--${got.boundary}\r\n`)), 'latin1'), 4096, 'the object between');
    }
  });
});
