/**
 * The bench's wrk script against a small recording server: the names each
 * mode sends (every thread's PUTs start at 1; DELETE each sends each of its
 * names once), and non-2xx answers come back with their status and body.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureWrk, runWrk } from '../../bench/load/wrk.js';

describe('bench wrk script', () => {
  const seen: string[] = [];
  let server: http.Server;
  let url: string;

  before(async () => {
    ensureWrk();
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push(`${req.method} ${req.url}`);
        // Names ending in 7 are missing (the bench's GET of a lost object).
        if (req.method === 'GET' && /7$/.test(req.url ?? '')) res.writeHead(404, { 'content-length': '9' }).end('Not Found');
        else res.writeHead(req.method === 'PUT' ? 201 : req.method === 'DELETE' ? 204 : 200, { 'content-length': '0' }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise((r) => server.close(r)));

  it('put: each thread names its objects 1, 2, … and every request it counts was sent', async () => {
    seen.length = 0;
    const r = await runWrk({ url, mode: 'put', method: 'PUT', path: '/v1/a/c/p', connections: 4, seconds: 1, bodySize: 16 });
    assert.equal(r.counts.length, 2);
    for (const [i, n] of r.counts.entries()) {
      const names = new Set(seen.filter((l) => l.startsWith(`PUT /v1/a/c/p${i + 1}-`)).map((l) => Number(l.split('-').pop())));
      assert.ok(n > 10, `thread ${i + 1} sent ${n}`);
      // Requests still in flight when wrk stopped (at most its connections) may not have arrived.
      for (let k = 1; k <= n - 2; k++) assert.ok(names.has(k), `thread ${i + 1} object ${k} was sent`);
      assert.ok(!names.has(0) && Math.max(...names) <= n, 'no name outside 1..count');
    }
  });

  it('each: deletes 1..count of every thread once, then stops', async () => {
    seen.length = 0;
    const r = await runWrk({ url, mode: 'each', method: 'DELETE', path: '/v1/a/c/p', connections: 4, seconds: 30, counts: [5, 9] });
    const deleted = seen.filter((l) => l.startsWith('DELETE'));
    for (const [t, count] of [5, 9].entries()) {
      const mine = deleted.filter((l) => l.startsWith(`DELETE /v1/a/c/p${t + 1}-`)).map((l) => Number(l.split('-').pop()));
      for (let k = 1; k <= count; k++) assert.equal(mine.filter((x) => x === k).length, 1, `thread ${t + 1} deleted ${k} once`);
      // A thread's other connection may already have asked for the next name when the last answer arrives.
      assert.ok(mine.every((x) => x >= 1 && x <= count + 1), `thread ${t + 1} sent ${mine}`);
    }
    assert.ok(r.ok >= 14 && r.ok <= 16, `ok ${r.ok}`);
  });

  it('pick: non-2xx answers are counted and shown with their status and body', async () => {
    const r = await runWrk({ url, mode: 'pick', method: 'GET', path: '/v1/a/c/p', connections: 2, seconds: 1, counts: [10, 10] });
    assert.ok(r.bad > 0 && r.ok > 0, `ok ${r.ok}, bad ${r.bad}`);
    assert.ok(r.badResponses.length > 0 && r.badResponses.length <= 6);
    for (const b of r.badResponses) assert.equal(b, '404 Not Found');
  });
});
