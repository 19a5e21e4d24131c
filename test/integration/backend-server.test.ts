import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'undici';
import { createBackendServer, listenBackend, backendMethod } from '../../storage/index.js';
import { silentLogger, InvalidArgumentError } from '../../common/index.js';

const app = createBackendServer({
  logger: silentLogger,
  handler: async (req, reply) => {
    if (req.url.startsWith('/bad')) throw new InvalidArgumentError('Invalid path: /bad');
    let n = 0;
    for await (const chunk of req.raw) n += (chunk as Buffer).length;
    return reply.code(200).send(`${backendMethod(req)} ${req.url} ${n}`);
  },
});
const server = await listenBackend(app, '127.0.0.1', 0);
after(() => server.close());

/** Sends raw HTTP/1.1 on a new connection and returns the whole response text. */
function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(server.port, '127.0.0.1', () => sock.end(text));
    let out = '';
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
}

test('ordinary verbs reach the handler with their body streamed', async () => {
  const res = await request(`http://127.0.0.1:${server.port}/sda/1/a/c/o`, { method: 'PUT', body: 'hello' });
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), 'PUT /sda/1/a/c/o 5');
});

test('REPLICATE, SSYNC and UPDATE reach the handler with their own verb', async () => {
  for (const verb of ['REPLICATE', 'SSYNC', 'UPDATE']) {
    const out = await raw(`${verb} /sda/1/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nxyz`);
    assert.match(out, /^HTTP\/1\.1 200/, verb);
    assert.ok(out.endsWith(`${verb} /sda/1/abc 3`), out);
  }
  // a request line split over several packets still works
  const out = await new Promise<string>((resolve) => {
    const sock = connect(server.port, '127.0.0.1', async () => {
      for (const part of ['REP', 'LICATE /sd', 'a/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']) {
        sock.write(part);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    let text = '';
    sock.on('data', (d) => (text += d));
    sock.on('end', () => resolve(text));
  });
  assert.ok(out.endsWith('REPLICATE /sda/2 0'), out);
});

test('typed errors become Swift\'s status and body at the edge', async () => {
  const res = await request(`http://127.0.0.1:${server.port}/bad/x`);
  assert.equal(res.statusCode, 400);
  assert.equal(await res.body.text(), 'Invalid path: /bad');
});
