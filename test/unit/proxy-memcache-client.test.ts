/** The memcached text-protocol client, against a minimal memcached speaking the same protocol. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { MemcacheClient } from '../../proxy/index.js';

/** Enough of memcached for get/set/add/delete (no expiry). */
function miniMemcached(): Server {
  const store = new Map<string, string>();
  return createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      for (;;) {
        const i = buf.indexOf('\r\n');
        if (i === -1) return;
        const [cmd, key, , , bytes] = buf.slice(0, i).split(' ');
        if (cmd === 'set' || cmd === 'add') {
          const n = Number(bytes);
          if (buf.length < i + 2 + n + 2) return;
          const data = buf.slice(i + 2, i + 2 + n);
          buf = buf.slice(i + 2 + n + 2);
          if (cmd === 'add' && store.has(key)) sock.write('NOT_STORED\r\n');
          else {
            store.set(key, data);
            sock.write('STORED\r\n');
          }
          continue;
        }
        buf = buf.slice(i + 2);
        if (cmd === 'get') {
          const v = store.get(key);
          sock.write(v === undefined ? 'END\r\n' : `VALUE ${key} 2 ${Buffer.byteLength(v)}\r\n${v}\r\nEND\r\n`);
        } else if (cmd === 'delete') {
          sock.write(store.delete(key) ? 'DELETED\r\n' : 'NOT_FOUND\r\n');
        } else sock.write('ERROR\r\n');
      }
    });
  });
}

describe('MemcacheClient', () => {
  let server: Server;
  let client: MemcacheClient;

  before(async () => {
    server = miniMemcached();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    client = new MemcacheClient([`127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`]);
  });

  after(async () => {
    client.close();
    await new Promise((r) => server.close(r));
  });

  it('sets, gets JSON values, deletes', async () => {
    assert.equal(await client.get('nothing'), undefined);
    await client.set('AUTH_/token/abc', [123.5, 'test,test:tester'], 60);
    assert.deepEqual(await client.get('AUTH_/token/abc'), [123.5, 'test,test:tester']);
    await client.delete('AUTH_/token/abc');
    assert.equal(await client.get('AUTH_/token/abc'), undefined);
  });

  it('pipelines concurrent requests in order', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.set(`k${i}`, { i })));
    const got = await Promise.all(Array.from({ length: 20 }, (_, i) => client.get(`k${i}`)));
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => ({ i })));
  });

  it('misses instead of failing when the server is gone', async () => {
    const dead = new MemcacheClient(['127.0.0.1:1'], { timeoutMs: 200 });
    assert.equal(await dead.get('x'), undefined);
    await dead.set('x', 1);
    dead.close();
  });
});
