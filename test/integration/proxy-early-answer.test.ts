/**
 * The edge answering before a request's body has all come (an early 401 or
 * 413, a body the pipeline began to read and gave up on): the answer says
 * Connection: close, the rest of the body is read and dropped, so a client
 * that sends its whole body before reading (Python's http.client, boto)
 * gets the answer instead of waiting forever or seeing a reset; the
 * connection then closes, and nothing sent after that body is served.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { silentLogger } from '../../common/index.js';
import { startEdge, type App } from '../../proxy/index.js';
import { LINGER_IDLE_MS } from '../../proxy/unread-body.js';
import { parseAnswers, type RawAnswer } from '../helpers/raw-http.js';

const MiB = 1024 * 1024;

interface Exchange {
  answers: RawAnswer[];
  /** ms from the client's last byte (its body, or where it stopped) to the server's side closed. */
  serverClosedAfterMs: number;
}

/**
 * Writes `head`, then `bodyBytes` of body as fast as the server takes them
 * (as http.client's sendall does), reading nothing until then; then
 * `after`. With `stopAt`, stops sending the body there. Then it reads
 * until the server's FIN, waits for the server to drop the connection
 * (`open` counts the server's connections; with `closeFirst`, after
 * closing its own side), and closes its own side.
 */
async function sendWholeBody(port: number, open: () => Promise<number>, head: string, bodyBytes: number, o: { after?: string; stopAt?: number; chunked?: boolean; closeFirst?: boolean } = {}): Promise<Exchange> {
  // Half-open allowed: the server's FIN after its answer must not stop our sending (http.client goes on sending).
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const received: Buffer[] = [];
  socket.on('data', (c: Buffer) => received.push(c));
  const ended = once(socket, 'end');
  ended.catch(() => undefined);
  await once(socket, 'connect');
  socket.write(head);
  const chunk = Buffer.alloc(MiB, 0x61);
  const end = Math.min(bodyBytes, o.stopAt ?? bodyBytes);
  for (let sent = 0; sent < end; sent += chunk.length) {
    const part = chunk.subarray(0, Math.min(chunk.length, end - sent));
    const framed = o.chunked ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part;
    if (!socket.write(framed)) await once(socket, 'drain');
  }
  if (o.chunked && o.stopAt === undefined) socket.write('0\r\n\r\n');
  if (o.after) socket.write(o.after);
  const sentAt = Date.now();
  await ended;
  // As http.client does once it has read an answer that says Connection: close.
  if (o.closeFirst) socket.end();
  while ((await open()) > 0) await new Promise((r) => setTimeout(r, 20));
  const serverClosedAfterMs = Date.now() - sentAt;
  socket.destroy();
  return { answers: parseAnswers(Buffer.concat(received).toString('latin1')), serverClosedAfterMs };
}

describe('an answer given before the request body has all come', () => {
  let edge: Awaited<ReturnType<typeof startEdge>>;
  const served: string[] = [];

  const app: App = async (req) => {
    served.push(`${req.method} ${req.path}`);
    if (req.path === '/reject') return { status: 401, headers: { 'content-length': '0' }, body: undefined };
    if (req.path === '/give-up' && req.body) {
      // As s3api's XML reader past its limit: the body was piped on, then the reader gave up.
      const reader = new PassThrough();
      req.body.pipe(reader);
      await once(reader, 'data');
      reader.destroy();
      return { status: 400, headers: { 'content-length': '0' }, body: undefined };
    }
    if (req.path === '/destroy' && req.body) {
      // A for-await that leaves early destroys the stream (Node unhooks a server request's socket first).
      for await (const _ of req.body) break;
      return { status: 400, headers: { 'content-length': '0' }, body: undefined };
    }
    if (req.body) for await (const _ of req.body);
    return { status: 201, headers: { 'content-length': '0' }, body: undefined };
  };

  before(async () => {
    edge = await startEdge(app, { logger: silentLogger, port: 0 });
  });

  after(() => edge.close());

  const open = () => new Promise<number>((resolve, reject) => edge.server.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));

  const put = (path: string, length: number | 'chunked') =>
    `PUT ${path} HTTP/1.1\r\nHost: x\r\n${length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`}\r\n\r\n`;

  it('reaches a client sending its whole body first when the pipeline began to read it and gave up (it hung)', { timeout: 30_000 }, async () => {
    const size = 64 * MiB;
    const r = await sendWholeBody(edge.port, open, put('/give-up', size), size);
    assert.deepEqual(r.answers.map((a) => [a.status, a.headers.connection]), [['400 Bad Request', 'close']]);
    assert.ok(r.serverClosedAfterMs < 2_000, `closed ${r.serverClosedAfterMs} ms after the body's end`);
  });

  it('reaches it also when the reader destroyed the request stream (the server closes once the client does)', { timeout: 30_000 }, async () => {
    const size = 64 * MiB;
    const r = await sendWholeBody(edge.port, open, put('/destroy', 'chunked'), size, { chunked: true, closeFirst: true });
    assert.deepEqual(r.answers.map((a) => [a.status, a.headers.connection]), [['400 Bad Request', 'close']]);
    assert.ok(r.serverClosedAfterMs < 2_000, `closed ${r.serverClosedAfterMs} ms after the body's end`);
  });

  it('reaches it also when the body was never read, Content-Length or chunked, and closes the connection after the body', { timeout: 30_000 }, async () => {
    const size = 64 * MiB;
    for (const length of [size, 'chunked'] as const) {
      const r = await sendWholeBody(edge.port, open, put('/reject', length), size, { chunked: length === 'chunked' });
      assert.deepEqual(r.answers.map((a) => [a.status, a.headers.connection]), [['401 Unauthorized', 'close']], String(length));
      assert.ok(r.serverClosedAfterMs < 2_000, `${length}: closed ${r.serverClosedAfterMs} ms after the body's end`);
    }
  });

  it('serves nothing sent behind the dropped body', async () => {
    served.length = 0;
    const r = await sendWholeBody(edge.port, open, put('/give-up', 4 * MiB), 4 * MiB, { after: put('/x', 5) + 'hello' });
    assert.deepEqual(r.answers.map((a) => a.status), ['400 Bad Request']);
    assert.deepEqual(served, ['PUT /give-up']);
  });

  it('closes within its idle limit on a client that stops sending the body', { timeout: 30_000 }, async () => {
    const r = await sendWholeBody(edge.port, open, put('/give-up', 64 * MiB), 64 * MiB, { stopAt: 8 * MiB });
    assert.deepEqual(r.answers.map((a) => a.status), ['400 Bad Request']);
    assert.ok(r.serverClosedAfterMs >= LINGER_IDLE_MS - 500 && r.serverClosedAfterMs < LINGER_IDLE_MS + 3_000, `closed after ${r.serverClosedAfterMs} ms`);
  });

  it('keeps the connection when the body was read through', async () => {
    const socket = net.connect(edge.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    await once(socket, 'connect');
    socket.write(put('/x', MiB));
    socket.write(Buffer.alloc(MiB));
    socket.write('GET /y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await once(socket, 'close');
    const answers = parseAnswers(Buffer.concat(received).toString('latin1'));
    assert.deepEqual(answers.map((a) => [a.status, a.headers.connection]), [['201 Created', undefined], ['201 Created', 'close']]);
  });
});
