import { test } from 'node:test';
import assert from 'node:assert/strict';
import { http, startObjectServer, ts } from './helpers/object-server.js';

const put = { 'X-Timestamp': ts(1700000000), 'Content-Type': 'text/plain', 'Content-Length': 2 };

test('replication_server = true serves only REPLICATE and SSYNC; false everything but them (Swift\'s allowed_methods)', async () => {
  const [repl, plain] = await Promise.all([
    startObjectServer({ replication_server: 'true' }),
    startObjectServer({ replication_server: 'false' }),
  ]);
  try {
    for (const method of ['PUT', 'GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS']) {
      const r = await http(repl.port, method, '/sda/1/a/c/o', method === 'PUT' ? put : { 'X-Timestamp': ts(1700000001) }, method === 'PUT' ? 'hi' : undefined);
      assert.equal(r.status, 405, `${method} on a replication server`);
    }
    assert.equal((await http(repl.port, 'REPLICATE', '/sda/1')).status, 200);
    const ssync = await http(repl.port, 'SSYNC', '/sda/1', { 'X-Swiftly-Ssync': 'missing-check', 'Content-Type': 'application/json' }, '{}');
    assert.equal(ssync.status, 200);

    assert.equal((await http(plain.port, 'REPLICATE', '/sda/1')).status, 405);
    assert.equal((await http(plain.port, 'SSYNC', '/sda/1', { 'X-Swiftly-Ssync': 'missing-check' }, '{}')).status, 405);
    assert.equal((await http(plain.port, 'PUT', '/sda/1/a/c/o', put, 'hi')).status, 201);
    assert.equal((await http(plain.port, 'GET', '/sda/1/a/c/o')).body.toString(), 'hi');
    const options = await http(plain.port, 'OPTIONS', '/sda/1/a/c/o');
    assert.equal(options.headers.allow, 'DELETE, GET, HEAD, OPTIONS, POST, PUT');
  } finally {
    await repl.close();
    await plain.close();
  }
});

test('replication_server unset serves every verb', async () => {
  const srv = await startObjectServer();
  try {
    assert.equal((await http(srv.port, 'OPTIONS', '/sda/1/a/c/o')).headers.allow, 'DELETE, GET, HEAD, OPTIONS, POST, PUT, REPLICATE, SSYNC');
    assert.equal((await http(srv.port, 'REPLICATE', '/sda/1')).status, 200);
    assert.equal((await http(srv.port, 'PUT', '/sda/1/a/c/o', put, 'hi')).status, 201);
  } finally {
    await srv.close();
  }
});
