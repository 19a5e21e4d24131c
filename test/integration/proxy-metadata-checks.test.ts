/**
 * Swift's check_metadata at the proxy, counted in the bytes the client sent
 * (as Swift does): a value of 256 bytes is within max_meta_value_length
 * even where those bytes are UTF-8 of non-ASCII characters; account and
 * container metadata must be valid UTF-8; every such 400 is text/plain.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { StorageCluster } from './storage-cluster.js';

/** A request whose header values go out as the raw bytes given. */
function send(port: number, method: string, path: string, headers: Record<string, Buffer | string>): Promise<{ status: number; type?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const latin1 = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, typeof v === 'string' ? v : v.toString('latin1')]));
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { 'content-length': '0', ...latin1 } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metadata checks at the proxy', () => {
  let cluster: StorageCluster;
  let port: number;

  before(async () => {
    cluster = await StorageCluster.start({ nodes: 3, partPower: 2 });
    port = (await cluster.startProxy()).port;
    assert.equal((await send(port, 'PUT', '/v1/AUTH_meta/c', {})).status, 201);
  });
  after(async () => {
    await cluster?.close();
  });

  it('counts a value in bytes received: 128 two-byte characters are 256 bytes, within the limit', async () => {
    const value = Buffer.from('\u00e9'.repeat(128), 'utf8');
    assert.equal((await send(port, 'PUT', '/v1/AUTH_meta/c/o', { 'content-type': 'text/plain' })).status, 201);
    const ok = await send(port, 'POST', '/v1/AUTH_meta/c/o', { 'x-object-meta-e': value });
    assert.equal(ok.status, 202, ok.body);
    const tooLong = await send(port, 'POST', '/v1/AUTH_meta/c/o', { 'x-object-meta-e': Buffer.concat([value, Buffer.from('x')]) });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body, 'Metadata value longer than 256: x-object-meta-e');
  });

  it('refuses account and container metadata that is not UTF-8, not object metadata', async () => {
    const bad = Buffer.from([0x66, 0xff]);
    for (const [path, header] of [['/v1/AUTH_meta/c', 'x-container-meta-bad'], ['/v1/AUTH_meta', 'x-account-meta-bad']]) {
      const res = await send(port, 'POST', path, { [header]: bad });
      assert.equal(res.status, 400, path);
      assert.equal(res.body, 'Metadata must be valid UTF-8');
      assert.equal(res.type, 'text/plain');
    }
    assert.equal((await send(port, 'POST', '/v1/AUTH_meta/c/o', { 'x-object-meta-bad': bad })).status, 202);
  });

  it('answers too many items in text/plain', async () => {
    const many = Object.fromEntries(Array.from({ length: 91 }, (_, i) => [`x-object-meta-m${i}`, 'v']));
    const res = await send(port, 'POST', '/v1/AUTH_meta/c/o', many);
    assert.equal(res.status, 400);
    assert.equal(res.body, 'Too many metadata items; max 90');
    assert.equal(res.type, 'text/plain');
  });
});
