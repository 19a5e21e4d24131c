/**
 * pipeBody: a body piped into an HTTP response, both torn down when either
 * fails, and a failure reported only once the body has closed (a file
 * stream may still have a read in flight on its fd until then).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeBody } from '../../common/index.js';

/** A body that sends `chunks` chunks 5 ms apart and takes `closeMs` to close once destroyed. */
function slowBody(chunks: number, closeMs: number, events: string[]): Readable {
  let sent = 0;
  return new Readable({
    read() {
      setTimeout(() => this.push(sent++ < chunks ? Buffer.alloc(1024, 'x') : null), 5);
    },
    destroy(err, cb) {
      setTimeout(() => {
        events.push('body closed');
        cb(err);
      }, closeMs);
    },
  });
}

async function serve(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

test('a client leaving mid-body: the body is destroyed and the failure comes after it closed', { timeout: 10_000 }, async () => {
  const events: string[] = [];
  let settled!: Promise<void>;
  const { server, url } = await serve((_req, res) => {
    res.writeHead(200);
    settled = pipeBody(slowBody(1000, 100, events), res).then(
      () => void events.push('resolved'),
      (err: Error) => void events.push(`rejected: ${err.message}`),
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const req = http.get(url, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      setTimeout(() => reject(new Error('no data')), 5000);
    });
    await settled;
    assert.deepEqual(events, ['body closed', 'rejected: client went away']);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('a whole body: the client gets every byte and pipeBody resolves', { timeout: 10_000 }, async () => {
  const events: string[] = [];
  let settled!: Promise<void>;
  const { server, url } = await serve((_req, res) => {
    res.writeHead(200);
    settled = pipeBody(slowBody(20, 0, events), res).then(() => void events.push('resolved'), (err: Error) => void events.push(`rejected: ${err.message}`));
  });
  try {
    const res = await fetch(url);
    assert.equal((await res.arrayBuffer()).byteLength, 20 * 1024);
    await settled;
    assert.deepEqual(events.filter((e) => e !== 'body closed'), ['resolved']);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('a body failing mid-way cuts the client\'s connection (no short body passed off as whole)', { timeout: 10_000 }, async () => {
  let settled!: Promise<unknown>;
  const { server, url } = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': String(1024 * 1024) });
    const body = new Readable({ read() {} });
    body.push(Buffer.alloc(1024));
    setTimeout(() => body.destroy(new Error('disk said no')), 20);
    settled = pipeBody(body, res).catch((err: Error) => err.message);
  });
  try {
    const res = await fetch(url);
    await assert.rejects(res.arrayBuffer());
    assert.equal(await settled, 'disk said no');
  } finally {
    await new Promise((r) => server.close(r));
  }
});
